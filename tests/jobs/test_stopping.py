"""A worker stopped (SIGTERM) while a job runs exits cleanly, and the job runs again once."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.store.base import Job
from tests.jobs.conftest import Database, Spawn, until
from tests.jobs.worker import TASK


async def test_a_job_cut_short_by_sigterm_runs_again_at_once_elsewhere(
    database: Database, spawn: Spawn
) -> None:
    stopping, taking_over = spawn("work", "--block"), spawn("work", "--hold")
    stopping.expect("ready")
    await database.store.defer_job(Job(TASK, {"key": "order-1"}), at=datetime.now(UTC))
    stopping.expect("started")
    assert stopping.runs() == 1

    taking_over.go()
    taking_over.expect("ready")
    await until(database.settled, "settled")
    assert taking_over.runs() == 1
    assert await database.marks("effect") == ["order-1"]
    assert await database.marks("repeat") == []
