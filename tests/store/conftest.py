"""The `store` fixture: every test that takes it runs once per Store implementation.

A new implementation is one more param and one more branch in `make_store`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.store.base import Store
from backend.store.sqlite import SQLiteStore


def make_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "store.sqlite3")
    raise ValueError(f"no store called {kind!r}")


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    store = make_store(request.param, tmp_path)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
