"""The runner on SQLite: the `jobs` table of the same file, worked by this process.

Each of `concurrency` loops claims the oldest due job (a lease, so a job whose worker died is
due again once the lease runs out), runs its task, and finishes, retries or fails it. A job cut
short by a stop is handed back at once. Idle
loops sleep until the next job falls due, `poll` seconds at most, or until `wake()`: the code
that defers a job in this process wakes them once its transaction has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from backend.jobs.tasks import MAX_ATTEMPTS, Retry, TaskFn, Tasks, backoff
from backend.store.base import Job, QueuedJob
from backend.store.sql import SQLStore

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


class LocalRunner:
    def __init__(
        self,
        store: SQLStore,
        tasks: Tasks | None = None,
        *,
        clock: Callable[[], datetime],
        concurrency: int = 4,
        poll: float = 1.0,
        lease: timedelta = LEASE,
    ) -> None:
        self._store = store
        self._tasks: dict[str, TaskFn] = dict(tasks or {})
        self._clock = clock
        self._concurrency = concurrency
        self._poll = poll
        self._lease = lease
        # One permit per wake-up: a new job wakes one idle loop, not all of them to race for it.
        self._wake = asyncio.Semaphore(0)
        self._stopping = False

    def register(self, tasks: Tasks) -> None:
        self._tasks.update(tasks)

    def wake(self) -> None:
        if self._wake.locked():  # a loop is waiting (or will): give it one permit
            self._wake.release()

    async def run_one(self) -> bool:
        """Run the oldest due job, if any; whether there was one."""
        job = await self._store.claim_job(now=self._clock(), lease=self._lease)
        if job is None:
            return False
        await self._execute(job)
        return True

    async def _execute(self, job: QueuedJob) -> None:
        task = self._tasks.get(job.task)
        if task is None:
            logger.error("job %s: no task called %r", job.id, job.task)
            await self._store.fail_job(job.id, at=self._clock(), error="unknown task")
            return
        try:
            await task(job.args)
        except asyncio.CancelledError:
            # Stopped mid-run (SIGTERM, the app's shutdown): hand the job back now; left leased,
            # it would wait out the lease before any worker ran it again. Should the store fail
            # here, the lease does that; the stop must go on (`_loop` would swallow the error).
            with contextlib.suppress(Exception):
                await self._store.retry_job(job.id, at=self._clock(), error="interrupted")
            raise
        except Retry as again:
            now = self._clock()
            async with self._store.transaction() as tx:
                later = Job(
                    job.task,
                    job.args if again.args_ is None else again.args_,
                    now + timedelta(seconds=again.after),
                )
                await tx.defer_job(later, at=now)
                await tx.finish_job(job.id, at=now)
        except Exception as error:
            now, runs = self._clock(), job.attempts + 1
            if runs >= MAX_ATTEMPTS:
                logger.exception(
                    "job %s (%s) failed for good after %d runs", job.id, job.task, runs
                )
                await self._store.fail_job(job.id, at=now, error=repr(error)[:2000])
            else:
                logger.warning("job %s (%s) failed, run %d: %r", job.id, job.task, runs, error)
                await self._store.retry_job(
                    job.id, at=now + backoff(runs), error=repr(error)[:2000]
                )
        else:
            await self._store.finish_job(job.id, at=self._clock())

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                while not self._stopping and await self.run_one():
                    pass
                if not self._stopping:
                    await self._sleep()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The store itself failed (unavailable, say): the jobs wait in the table.
                logger.exception("job runner: store failed; trying again shortly")
                await asyncio.sleep(self._poll)

    async def _sleep(self) -> None:
        next_at = await self._store.next_job_at()
        wait = self._poll
        if next_at is not None:
            wait = min(wait, max((next_at - self._clock()).total_seconds(), 0.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.acquire(), timeout=wait)

    @contextlib.asynccontextmanager
    async def running(self, *, grace: float = 10.0) -> AsyncIterator[None]:
        """The loops, stopped at the end: each finishes the job or query in hand (a query
        cancelled half-way would leave SQLite's thread answering a loop that is gone), and only
        a job still running after `grace` seconds is cancelled and handed back."""
        self._stopping = False
        loops = [asyncio.create_task(self._loop()) for _ in range(self._concurrency)]
        try:
            yield
        finally:
            self._stopping = True
            for _ in loops:
                self._wake.release()
            _, late = await asyncio.wait(loops, timeout=grace)
            for loop in late:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    async def drain(self, *, within: timedelta = timedelta(seconds=30)) -> None:
        """Run every job due now or within `within`, waiting for those not due yet and for
        those other loops are running (tests)."""
        while True:
            while await self.run_one():
                pass
            if (await self._store.job_stats(now=self._clock())).running:
                await asyncio.sleep(0.01)
                continue
            next_at = await self._store.next_job_at()
            if next_at is None or next_at > self._clock() + within:
                return
            await asyncio.sleep(max((next_at - self._clock()).total_seconds(), 0.005))
