"""A queueing lock keeps one waiting job per key; it is free again once that job ran."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from backend.store.base import Job
from tests.conftest import Clock
from tests.jobs.conftest import WAIT, Database, until
from tests.jobs.worker import SHOP, TASK, attempt


def refresh(key: str) -> Job:
    return Job(TASK, {"key": key}, queueing_lock="refresh:order-1")


async def test_a_second_job_with_a_waiting_jobs_lock_is_not_queued(database: Database) -> None:
    now = datetime.now(UTC)
    assert await database.store.defer_job(refresh("first"), at=now)
    assert not await database.store.defer_job(refresh("second"), at=now)
    assert (await database.store.job_stats(now=now)).queued == 1

    ran: list[str] = []

    async def effect(args: dict[str, Any]) -> None:
        ran.append(args["key"])

    runner = database.runner({TASK: effect}, Clock())
    async with runner.running():
        await until(lambda: database_settled_after(database, ran, 1), "run")
    assert ran == ["first"]
    assert await database.store.defer_job(refresh("third"), at=datetime.now(UTC))
    assert (await database.store.job_stats(now=datetime.now(UTC))).queued == 1


async def test_a_job_with_the_lock_of_a_running_one_is_queued(database: Database) -> None:
    # The running refresh may have read Shopify before the news that asked for another.
    started, finish = asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def effect(args: dict[str, Any]) -> None:
        ran.append(args["key"])
        if args["key"] == "first":
            started.set()
            await finish.wait()

    assert await database.store.defer_job(refresh("first"), at=datetime.now(UTC))
    async with database.runner({TASK: effect}, Clock()).running():
        await asyncio.wait_for(started.wait(), WAIT)
        assert await database.store.defer_job(refresh("second"), at=datetime.now(UTC))
        assert not await database.store.defer_job(refresh("third"), at=datetime.now(UTC))
        finish.set()
        await until(lambda: database_settled_after(database, ran, 2), "run")
    assert sorted(ran) == ["first", "second"]


async def test_a_taken_lock_spoils_nothing_else_in_the_transaction(database: Database) -> None:
    now = datetime.now(UTC)
    assert await database.store.defer_job(refresh("first"), at=now)
    async with database.store.transaction() as tx:
        assert not await tx.defer_job(refresh("second"), at=now)
        await tx.record_attempt(attempt("order-1"))  # after the refused defer, still written
    assert [a.order_id for a in await database.store.attempts(SHOP)] == ["order-1"]
    assert (await database.store.job_stats(now=now)).queued == 1


async def database_settled_after(database: Database, ran: list[str], runs: int) -> bool:
    return len(ran) >= runs and await database.settled()
