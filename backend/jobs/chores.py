"""Chores: jobs that come round on their own, deferred once per period by whichever worker
looks first.

Every worker process looks every `tick` seconds; a first-seen mark per chore and period in the
store elects one of them, in any number of processes and machines, to defer the period's job.
A period missed while every worker was down is caught up at the next look.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timedelta

from backend.store.base import Job, Store

logger = logging.getLogger(__name__)

MARK_SHOP = "*"  # a chore's mark belongs to no shop


async def defer_due(store: Store, chores: Mapping[str, timedelta], now: datetime) -> list[str]:
    """Defer each chore whose current period nobody has deferred yet; their names."""
    deferred = []
    for task, every in chores.items():
        period = int(now.timestamp() // every.total_seconds())
        async with store.transaction() as tx:
            if await tx.claim_once(MARK_SHOP, "chore", f"{task}:{period}", ttl=2 * every, at=now):
                await tx.defer_job(Job(task, {}), at=now)
                deferred.append(task)
    return deferred


@contextlib.asynccontextmanager
async def running(
    store: Store,
    chores: Mapping[str, timedelta],
    clock: Callable[[], datetime],
    wake: Callable[[], None],
    *,
    tick: float = 30.0,
) -> AsyncIterator[None]:
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            try:
                if await defer_due(store, chores, clock()):
                    wake()
            except Exception:
                logger.exception("could not defer chores; trying again at the next tick")
            # Stopped while waiting, never half-way through a transaction.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=tick)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        await task
