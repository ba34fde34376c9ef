"""Retention and chores: old attempts go once a day, deferred by whichever worker looks first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backend.jobs.chores import defer_due
from backend.jobs.local import LocalRunner
from backend.retention import Retention
from backend.store.base import Attempt, Outcome
from backend.store.sql import SQLStore
from tests.stores import sqlite_store

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def attempt(at: datetime, note: str) -> Attempt:
    return Attempt("alpha", "gid://shopify/Order/1", None, "OTHER", note, Outcome.REFUSED, at)


async def test_retention_deletes_what_is_older_than_its_days(store: SQLStore) -> None:
    await store.record_attempt(attempt(NOW - timedelta(days=731), "old"))
    await store.record_attempt(attempt(NOW - timedelta(days=729), "kept"))

    deleted = await Retention(store, timedelta(days=730), lambda: NOW).run()

    assert deleted == 1
    assert [a.note for a in await store.attempts("alpha")] == ["kept"]


async def test_a_chore_is_deferred_once_a_period_however_many_workers_look(
    store: SQLStore,
) -> None:
    chores = {"retention": DAY, "prune_mirror": timedelta(hours=1)}

    looks = await asyncio.gather(*(defer_due(store, chores, NOW) for _ in range(5)))
    later_that_hour = await defer_due(store, chores, NOW + timedelta(minutes=59))
    next_hour = await defer_due(store, chores, NOW + timedelta(hours=1))
    next_day = await defer_due(store, chores, NOW + DAY)

    assert sorted(name for look in looks for name in look) == ["prune_mirror", "retention"]
    assert later_that_hour == []
    assert next_hour == ["prune_mirror"]
    assert next_day == ["retention", "prune_mirror"]
    stats = await store.job_stats(now=NOW + DAY)
    assert stats.queued == 5  # 2 + 1 + 2: each deferred once, none run here


async def test_the_retention_chore_runs_as_a_job_on_sqlite(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "chores.sqlite3")
    await store.open()
    try:
        await store.record_attempt(attempt(NOW - timedelta(days=800), "old"))
        retention = Retention(store, timedelta(days=730), lambda: NOW)

        async def retain(args: dict[str, object]) -> None:
            await retention.run(args)

        runner = LocalRunner(store, {"retention": retain}, clock=lambda: NOW)
        assert await defer_due(store, {"retention": DAY}, NOW) == ["retention"]
        await runner.drain()

        assert await store.attempts("alpha") == []
        assert (await store.job_stats(now=NOW)).queued == 0
    finally:
        await store.close()
