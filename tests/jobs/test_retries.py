"""A failing task is retried with backoff, MAX_ATTEMPTS runs at most; `Retry` is no failure.

Both runners, in this process. The waits are checked, then skipped: on SQLite the runner's
clock moves on; procrastinate's waits are in the database, so there the job's time moves back.
"""

from __future__ import annotations

from collections.abc import Sized
from datetime import UTC, datetime
from functools import partial
from typing import Any

from backend.jobs import MAX_ATTEMPTS, Retry, backoff
from backend.store.base import Job
from tests.conftest import Clock
from tests.jobs.conftest import Database, until
from tests.jobs.worker import TASK


class Flaky:
    """A task that fails its first `failures` runs."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.runs: list[dict[str, Any]] = []

    async def __call__(self, args: dict[str, Any]) -> None:
        self.runs.append(args)
        if len(self.runs) <= self.failures:
            raise RuntimeError(f"run {len(self.runs)} failed")


async def waits_again(database: Database, runs: Sized, wanted: int) -> bool:
    """The task ran `wanted` times and its job waits again, none running."""
    if len(runs) < wanted:
        return False
    stats = await database.store.job_stats(now=datetime.now(UTC))
    return stats.queued == 1 and stats.running == 0


async def seconds_to_next(database: Database, clock: Clock) -> float:
    next_at = await database.store.next_job_at()
    assert next_at is not None
    return (next_at - clock()).total_seconds()


async def test_a_task_failing_twice_runs_three_times_and_succeeds(database: Database) -> None:
    clock, task = Clock(), Flaky(failures=2)
    await database.store.defer_job(Job(TASK, {"key": "order-1"}), at=clock())
    async with database.runner({TASK: task}, clock).running():
        for failed in (1, 2):
            await until(partial(waits_again, database, task.runs, failed), f"retried {failed}")
            wait = await seconds_to_next(database, clock)
            longest = backoff(failed).total_seconds()  # 2 s, then 4 s
            assert longest / 2 < wait <= longest
            await database.bring_forward(clock)
        await until(database.settled, "settled")
    assert len(task.runs) == 3
    stats = await database.store.job_stats(now=clock())
    assert (stats.queued, stats.running, stats.failed) == (0, 0, 0)
    if database.kind == "sqlite":
        assert await database.jobs() == [("succeeded", 3)]


async def test_a_task_failing_every_time_fails_for_good_after_max_attempts(
    database: Database,
) -> None:
    clock, task = Clock(), Flaky(failures=MAX_ATTEMPTS + 1)
    await database.store.defer_job(Job(TASK, {"key": "order-1"}), at=clock())
    async with database.runner({TASK: task}, clock).running():
        for failed in range(1, MAX_ATTEMPTS):
            await until(partial(waits_again, database, task.runs, failed), f"retried {failed}")
            await database.bring_forward(clock)
        await until(database.settled, "settled")
    assert len(task.runs) == MAX_ATTEMPTS
    assert await database.jobs() == [("failed", MAX_ATTEMPTS)]
    stats = await database.store.job_stats(now=clock())
    assert (stats.queued, stats.running, stats.failed) == (0, 0, 1)


async def test_retry_runs_again_later_with_the_args_it_names_and_is_no_failure(
    database: Database,
) -> None:
    clock = Clock()
    runs: list[dict[str, Any]] = []
    # The same args again, new ones, then none at all: each is what the next run gets.
    retries = [Retry(60), Retry(60, {"n": 2}), Retry(60, {})]

    async def poll_shopify(args: dict[str, Any]) -> None:
        runs.append(args)
        if len(runs) <= len(retries):
            raise retries[len(runs) - 1]

    await database.store.defer_job(Job(TASK, {"n": 1}), at=clock())
    async with database.runner({TASK: poll_shopify}, clock).running():
        for retried in range(1, len(retries) + 1):
            await until(partial(waits_again, database, runs, retried), f"retried {retried}")
            assert 30 < await seconds_to_next(database, clock) <= 60
            await database.bring_forward(clock)
        await until(database.settled, "settled")
    assert runs == [{"n": 1}, {"n": 1}, {"n": 2}, {}]
    assert (await database.store.job_stats(now=clock())).failed == 0
    if database.kind == "sqlite":
        assert await database.jobs() == [("succeeded", 1)] * 4
