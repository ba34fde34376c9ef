"""Jobs in the store's own transaction: deferred with the data they act on, or not at all.

On PostgreSQL a job is procrastinate's: `procrastinate_defer_jobs_v1`, the function its own
`defer` calls, run on our connection so that it commits or rolls back with our writes; its
workers (backend/jobs/procrastinate.py) run it. On SQLite the `jobs` table is ours, and so is its
runner (backend/jobs/local.py): the rows below claim, lease, finish and retry.

A queueing lock keeps one waiting job per key on both: procrastinate's unique index on
`queueing_lock` for waiting jobs, and the same partial unique index on `jobs`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text, update

from backend.store import schema
from backend.store.base import Job, JobStats, QueuedJob
from backend.store.database import Database

_JOB = schema.jobs
QUEUE = "default"

_PROCRASTINATE_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, :queueing_lock,"
    " CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1])"
)
_PROCRASTINATE_STATS = text(
    """
    SELECT
        count(*) FILTER (WHERE status = 'todo') AS queued,
        count(*) FILTER (WHERE status = 'todo' AND coalesce(scheduled_at, now()) <= now()) AS due,
        count(*) FILTER (WHERE status = 'doing') AS running,
        count(*) FILTER (WHERE status = 'failed') AS failed,
        min(coalesce(scheduled_at, deferred.at)) FILTER (
            WHERE status = 'todo' AND coalesce(scheduled_at, now()) <= now()
        ) AS oldest_due
    FROM procrastinate_jobs
    LEFT JOIN LATERAL (
        SELECT at FROM procrastinate_events e
        WHERE e.job_id = procrastinate_jobs.id AND e.type = 'deferred'
        ORDER BY at LIMIT 1
    ) AS deferred ON TRUE
    """
)


class JobRows(Database):
    async def defer_job(self, job: Job, *, at: datetime) -> bool:
        args = json.dumps(job.args, separators=(",", ":"), sort_keys=True)
        async with self._begin(write=True) as conn:
            if self._postgres:
                try:
                    # A savepoint: a taken queueing lock aborts only this, not the caller's work.
                    async with conn.begin_nested():
                        await conn.execute(
                            _PROCRASTINATE_DEFER,
                            {
                                "queue": QUEUE,
                                "task": job.task,
                                "queueing_lock": job.queueing_lock,
                                "args": args,
                                "scheduled_at": job.run_at,
                            },
                        )
                except sa_exc.IntegrityError:
                    return False
                return True
            statement = (
                self._insert(_JOB)
                .values(
                    task=job.task,
                    args=args,
                    status="todo",
                    queueing_lock=job.queueing_lock,
                    scheduled_at=job.run_at or at,
                    created_at=at,
                )
                .on_conflict_do_nothing(
                    index_elements=["queueing_lock"], index_where=_JOB.c.status == "todo"
                )
                .returning(_JOB.c.id)
            )
            return (await conn.execute(statement)).first() is not None

    async def job_stats(self, *, now: datetime) -> JobStats:
        if self._postgres:
            rows = await self._rows(_PROCRASTINATE_STATS)
        else:
            waiting = _JOB.c.status == "todo"
            due = waiting & (_JOB.c.scheduled_at <= now)
            rows = await self._rows(
                select(
                    func.count().filter(waiting).label("queued"),
                    func.count().filter(due).label("due"),
                    func.count().filter(_JOB.c.status == "doing").label("running"),
                    func.count().filter(_JOB.c.status == "failed").label("failed"),
                    func.min(_JOB.c.scheduled_at).filter(due).label("oldest_due"),
                )
            )
        row = rows[0]
        oldest = row["oldest_due"]
        return JobStats(
            queued=int(row["queued"]),
            due=int(row["due"]),
            running=int(row["running"]),
            failed=int(row["failed"]),
            oldest_due=None if oldest is None else max(timedelta(0), now - oldest),
        )

    # The local runner's side (SQLite) --------------------------------------------------------

    async def claim_job(self, *, now: datetime, lease: timedelta) -> QueuedJob | None:
        """The oldest due job, leased to the caller until `now + lease`.

        A job whose lease ran out (its worker died, SIGKILL included) is due again: jobs are
        idempotent, so running it twice changes nothing the second time.
        """
        due = (
            select(_JOB.c.id)
            .where(
                ((_JOB.c.status == "todo") & (_JOB.c.scheduled_at <= now))
                | ((_JOB.c.status == "doing") & (_JOB.c.leased_until < now))
            )
            .order_by(_JOB.c.scheduled_at, _JOB.c.id)
            .limit(1)
            .scalar_subquery()
        )
        statement = (
            update(_JOB)
            .where(_JOB.c.id == due)
            .values(status="doing", leased_until=now + lease, attempts=_JOB.c.attempts + 1)
            .returning(_JOB.c.id, _JOB.c.task, _JOB.c.args, _JOB.c.attempts)
        )
        async with self._begin(write=True) as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            return None
        job_id, task, args, attempts = row
        return QueuedJob(id=int(job_id), task=task, args=json.loads(args), attempts=attempts - 1)

    async def finish_job(self, job_id: int, *, at: datetime) -> None:
        await self._write(
            update(_JOB)
            .where(_JOB.c.id == job_id)
            .values(status="succeeded", finished_at=at, leased_until=None, error=None)
        )

    async def retry_job(self, job_id: int, *, at: datetime, error: str | None) -> None:
        await self._write(
            update(_JOB)
            .where(_JOB.c.id == job_id)
            .values(status="todo", scheduled_at=at, leased_until=None, error=error)
        )

    async def fail_job(self, job_id: int, *, at: datetime, error: str) -> None:
        await self._write(
            update(_JOB)
            .where(_JOB.c.id == job_id)
            .values(status="failed", finished_at=at, leased_until=None, error=error)
        )

    async def next_job_at(self) -> datetime | None:
        """When the next waiting job falls due (the runner sleeps until then, or a wake-up)."""
        if self._postgres:
            rows = await self._rows(
                text(
                    "SELECT min(coalesce(scheduled_at, now())) AS next FROM procrastinate_jobs"
                    " WHERE status = 'todo'"
                )
            )
            next_due: datetime | None = rows[0]["next"]
            return next_due
        rows = await self._rows(
            select(func.min(_JOB.c.scheduled_at).label("next")).where(_JOB.c.status == "todo")
        )
        next_at: datetime | None = rows[0]["next"]
        return next_at
