"""Two worker processes on one database run every job once between them."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.store.base import Job
from tests.jobs.conftest import Database, Spawn, until
from tests.jobs.worker import TASK

JOBS = 300


async def test_two_worker_processes_run_every_job_exactly_once(
    database: Database, spawn: Spawn
) -> None:
    workers = [spawn("work"), spawn("work")]
    for worker in workers:
        worker.expect("ready")
    keys = [f"order-{n:03}" for n in range(JOBS)]
    async with database.store.transaction() as tx:  # all due at once, for both to race for
        for key in keys:
            assert await tx.defer_job(Job(TASK, {"key": key}), at=datetime.now(UTC))

    async def all_ran() -> bool:
        return len(await database.marks("effect")) == JOBS and await database.settled()

    await until(all_ran, f"all {JOBS} jobs run")
    runs = [worker.runs() for worker in workers]
    assert await database.marks("effect") == keys
    assert await database.marks("repeat") == []
    assert sum(runs) == JOBS
    assert all(runs), f"one worker ran them all: {runs}"
