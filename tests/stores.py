"""Stores for tests: the one `SQLStore`, on a SQLite file or a PostgreSQL database."""

from __future__ import annotations

from pathlib import Path

from backend.store.crypto import TokenCipher
from backend.store.engine import create_engine, database_url
from backend.store.sql import SQLStore

# Tests' own key, never a deployment's: fixed so that two processes of one test agree on it.
TEST_KEY = "dGVzdHMtb25seS10b2tlbi1lbmNyeXB0aW9uLWtleSE="
TEST_CIPHER = TokenCipher([TEST_KEY])


def sqlite_store(path: Path, *, cipher: TokenCipher = TEST_CIPHER) -> SQLStore:
    return SQLStore(create_engine(database_url(None, path), timeout=5.0), cipher)


def postgres_store(
    url: str, *, timeout: float = 5.0, cipher: TokenCipher = TEST_CIPHER
) -> SQLStore:
    return SQLStore(create_engine(database_url(url, Path()), timeout=timeout), cipher)


def make_store(kind: str, target: str, *, timeout: float = 5.0) -> SQLStore:
    """`kind` "sqlite" with a file's path, or "postgres" with a database's URL."""
    if kind == "sqlite":
        return sqlite_store(Path(target))
    if kind == "postgres":
        return postgres_store(target, timeout=timeout)
    raise ValueError(f"no store called {kind!r}")
