"""The `store` fixture: every test that takes it runs once per Store implementation.

A new implementation is one more param and one more branch in `make_store`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.store.base import Store
from backend.store.redis import RedisStore
from backend.store.sqlite import SQLiteStore


def make_store(kind: str, tmp_path: Path, *, redis_url: str | None = None) -> Store:
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite3")
    if kind == "redis":
        if redis_url is None:
            raise ValueError("a Redis store needs redis_url")
        # One server serves the whole session; a prefix of its own keeps each test's keys apart.
        return RedisStore(redis_url, prefix=f"test-{uuid.uuid4().hex}")
    raise ValueError(f"no store called {kind!r}")


@pytest.fixture(params=["sqlite", "redis"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    # Looked up only for Redis, so a run that selects only SQLite starts no server.
    redis_url = request.getfixturevalue("redis_server") if request.param == "redis" else None
    store = make_store(request.param, tmp_path, redis_url=redis_url)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
