"""Jobs survive their processes: SIGKILL after the defer, SIGKILL mid-run; a rollback drops them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.store.base import Job
from tests.jobs.conftest import Database, Spawn, until
from tests.jobs.worker import SHOP, TASK, attempt


async def test_a_job_deferred_by_a_killed_process_runs_once_in_another(
    database: Database, spawn: Spawn
) -> None:
    deferring = spawn("defer", "order-1", "order-2")
    worker = spawn("work", "--hold")
    deferring.expect("deferred")
    deferring.kill()  # before any worker ran them: nothing in that process runs jobs

    # The data written with each job survived with it.
    assert [a.order_id for a in await database.store.attempts(SHOP)] == ["order-1", "order-2"]
    worker.go()
    worker.expect("ready")
    await until(lambda: has_effects(database, 2), "run")
    await until(database.settled, "settled")
    assert worker.runs() == 2
    assert await database.marks("effect") == ["order-1", "order-2"]
    assert await database.marks("repeat") == []


async def test_a_job_whose_worker_was_killed_mid_run_runs_again_elsewhere_once(
    database: Database, spawn: Spawn
) -> None:
    # A short lease (SQLite) or a short heartbeat silence (procrastinate) marks the dead.
    quick = ["--lease", "1"] if database.kind == "sqlite" else ["--stalled-after", "1"]
    stuck = spawn("work", "--block", *quick)
    rescuer = spawn("work", "--hold", *quick)
    stuck.expect("ready")
    async with database.store.transaction() as tx:
        await tx.defer_job(Job(TASK, {"key": "order-1"}), at=datetime.now(UTC))
    stuck.expect("started")
    stuck.kill()

    rescuer.go()
    rescuer.expect("ready")
    await until(lambda: has_effects(database, 1), "run again")
    await until(database.settled, "settled")
    assert rescuer.runs() == 1
    assert await database.marks("effect") == ["order-1"]
    assert await database.marks("repeat") == []
    if database.kind == "sqlite":
        assert await database.jobs() == [("succeeded", 2)]  # the killed run counts as one
    else:
        assert await database.jobs() == []  # succeeded, so deleted


async def test_a_rolled_back_transaction_leaves_no_job(database: Database) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with database.store.transaction() as tx:
            await tx.record_attempt(attempt("order-1"))
            assert await tx.defer_job(Job(TASK, {"key": "order-1"}), at=datetime.now(UTC))
            raise RuntimeError("changed my mind")

    assert await database.jobs() == []
    assert await database.store.attempts(SHOP) == []
    stats = await database.store.job_stats(now=datetime.now(UTC))
    assert (stats.queued, stats.running, stats.failed) == (0, 0, 0)


async def has_effects(database: Database, count: int) -> bool:
    return len(await database.marks("effect")) >= count
