"""Retention: once a day, one backend deletes what is older than RETENTION_DAYS."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from backend.retention import Retention
from backend.store.base import Attempt, Outcome
from backend.store.sql import SQLStore

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def attempt(at: datetime, note: str) -> Attempt:
    return Attempt("alpha", "gid://shopify/Order/1", None, "OTHER", note, Outcome.REFUSED, at)


async def test_old_attempts_go_once_a_day_whichever_backend_looks_first(store: SQLStore) -> None:
    await store.record_attempt(attempt(NOW - timedelta(days=731), "old"))
    await store.record_attempt(attempt(NOW - timedelta(days=729), "kept"))
    backends = [Retention(store, timedelta(days=730), lambda: NOW) for _ in range(3)]

    results = await asyncio.gather(*(backend.run_once() for backend in backends))

    assert sorted(results, key=str) == [1, None, None]  # one backend did the day's work
    assert [a.note for a in await store.attempts("alpha")] == ["kept"]


async def test_the_next_day_runs_again(store: SQLStore) -> None:
    clock = [NOW]
    retention = Retention(store, timedelta(days=30), lambda: clock[0])
    assert await retention.run_once() == 0
    await store.record_attempt(attempt(NOW - timedelta(days=20), "ages"))

    assert await retention.run_once() is None  # the same day: done already
    clock[0] = NOW + timedelta(days=11)
    assert await retention.run_once() == 2  # the attempt, and the first run's expired mark
    assert await store.attempts("alpha") == []
