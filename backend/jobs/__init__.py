"""Durable work for later: deferred in the transaction of the data it acts on, run by workers.

Two runners behind one API (`Runner`): procrastinate on PostgreSQL (workers on any number of
machines, queueing locks, retries with backoff, stalled jobs of dead workers retried) and, on
SQLite, `LocalRunner` over the `jobs` table of the same file. Workers run inside the backend
by default, or alone as `python -m backend worker`. Every task is idempotent: running a job twice
changes nothing the second time, which is what makes retries and stalled-job recovery safe.
"""

from backend.jobs.tasks import MAX_ATTEMPTS, Retry, TaskFn, Tasks, backoff

__all__ = ["MAX_ATTEMPTS", "Retry", "TaskFn", "Tasks", "backoff"]
