"""`python -m backend worker` runs the backend's jobs alone and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from backend.retention import TASK as RETENTION
from backend.store.base import Job
from tests.jobs.conftest import Database, Process, until
from tests.stores import TEST_KEY


def worker_env(database: Database) -> dict[str, str]:
    # Nothing from the caller's shell that would point the worker elsewhere.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SHOPIFY_") and key not in ("DATABASE_URL", "REDIS_URL")
    }
    env |= {
        "APP_ENV": "development",
        "SHOPIFY_API_KEY": "key",
        "SHOPIFY_API_SECRET": "a-secret-of-the-app-32-bytes-long",
        "TOKEN_ENCRYPTION_KEYS": TEST_KEY,
    }
    if database.kind == "sqlite":
        return env | {"SQLITE_PATH": database.target}
    return env | {"DATABASE_URL": database.target}


async def test_the_worker_command_runs_jobs_and_stops_on_sigterm(
    database: Database, tmp_path: Path
) -> None:
    await database.store.defer_job(Job(RETENTION, {}), at=datetime.now(UTC))
    worker = Process.start(["-m", "backend", "worker"], worker_env(database), tmp_path / "err")
    try:
        worker.expect("cancel-button: worker running")
        await until(database.settled, "settled")  # ours, and the chores it defers itself
        assert all(status == "succeeded" for status, _ in await database.jobs())
        worker.stop()
        assert "Traceback" not in worker.errors()
    finally:
        worker.end()
