"""The runner on PostgreSQL: procrastinate's worker, with our tasks registered by name.

Jobs were deferred on our own connection (backend/store/jobs.py); procrastinate's worker
fetches them with `SELECT … FOR UPDATE SKIP LOCKED`, so any number of workers on any number of
machines run each job once. A worker that dies (SIGKILL, a lost machine) stops its heartbeat;
every `stalled_check` seconds each runner retries the jobs of workers silent for longer than
`stalled_after`, which is safe because tasks are idempotent. Workers beat six times per
`stalled_after`, so a live worker is never taken for a dead one. Stopping waits `grace` seconds
for the jobs under way, then aborts them; procrastinate retries those a moment later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import procrastinate

from backend.jobs.tasks import MAX_ATTEMPTS, Retry, TaskFn, Tasks
from backend.store.base import Job
from backend.store.sql import SQLStore

logger = logging.getLogger(__name__)

STALLED_AFTER = 30.0  # seconds without a heartbeat
STALLED_CHECK = 15.0
POLL = 1.0  # seconds between looks for due jobs besides LISTEN/NOTIFY (retries, run_at)
GRACE = 10.0  # seconds a stop waits for running jobs: less than a platform's wait before SIGKILL


class ProcrastinateRunner:
    def __init__(
        self,
        conninfo: str,
        store: SQLStore,
        tasks: Tasks | None = None,
        *,
        clock: Callable[[], datetime],
        concurrency: int = 4,
        poll: float = POLL,
        stalled_after: float = STALLED_AFTER,
        stalled_check: float = STALLED_CHECK,
        grace: float = GRACE,
    ) -> None:
        self._store = store
        self._clock = clock
        self._concurrency = concurrency
        self._poll = poll
        self._stalled_after = stalled_after
        self._stalled_check = stalled_check
        self._grace = grace
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(
                conninfo=conninfo, min_size=1, max_size=concurrency + 2
            )
        )
        self.register(tasks or {})

    def register(self, tasks: Tasks) -> None:
        retry = procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS - 1, exponential_wait=2)
        for name, task in tasks.items():
            self.app.task(name=name, retry=retry, pass_context=False)(self._run(name, task))

    def _run(self, name: str, task: TaskFn) -> Callable[..., Any]:
        async def run(**args: Any) -> None:
            try:
                await task(args)
            except Retry as again:
                now = self._clock()
                later = Job(
                    name,
                    args if again.args_ is None else again.args_,
                    now + timedelta(seconds=again.after),
                )
                await self._store.defer_job(later, at=now)

        return run

    async def drain(self, *, within: timedelta = timedelta(seconds=30)) -> None:
        """Wait until no job is due now or within `within`, nor running (tests)."""
        while True:
            # The waiting job first, then the running ones: a job a worker takes between the
            # two reads is then seen running, where the other order missed it in both.
            next_at = await self._store.next_job_at()
            stats = await self._store.job_stats(now=self._clock())
            soon = next_at is not None and next_at <= self._clock() + within
            if not stats.running and not soon:
                return
            await asyncio.sleep(0.02)

    def wake(self) -> None:
        """Nothing to do: procrastinate's workers hear of new jobs through LISTEN/NOTIFY."""

    async def _retry_stalled(self) -> None:
        while True:
            await asyncio.sleep(self._stalled_check)
            try:
                stalled = await self.app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=self._stalled_after
                )
                for job in stalled:
                    logger.warning(
                        "retrying job %s (%s): its worker went silent", job.id, job.task_name
                    )
                    await self.app.job_manager.retry_job(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("could not look for stalled jobs; trying again later")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.app.open_async():
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    concurrency=self._concurrency,
                    wait=True,
                    install_signal_handlers=False,
                    update_heartbeat_interval=self._stalled_after / 6,
                    stalled_worker_timeout=self._stalled_after,
                    fetch_job_polling_interval=self._poll,
                    # Unbounded, one stuck job would hold SIGTERM (and the app's shutdown).
                    shutdown_graceful_timeout=self._grace,
                    delete_jobs="successful",  # args are ids only, but nothing to keep
                )
            )
            stalled = asyncio.create_task(self._retry_stalled())
            try:
                yield
            finally:
                stalled.cancel()
                worker.cancel()
                await asyncio.gather(stalled, worker, return_exceptions=True)
