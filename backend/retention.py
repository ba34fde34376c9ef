"""Retention: attempts and notes older than `RETENTION_DAYS` are deleted once a day.

Every backend runs this loop; a daily first-seen mark in the store lets exactly one of them do
the day's deletion. It is a small stand-in that the durable job runner will replace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from backend.store.base import Store, StoreUnavailable

logger = logging.getLogger(__name__)

CHORE_SHOP = "*"  # the mark is no shop's: retention runs across every shop
EVERY = 3600.0  # seconds between looks; the mark makes it once a day whatever this is


class Retention:
    def __init__(self, store: Store, keep: timedelta, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._keep = keep
        self._clock = clock

    async def run_once(self) -> int | None:
        """Delete what is past retention, if no backend did today; rows deleted, or None."""
        now = self._clock()
        day = now.date().isoformat()
        if not await self._store.claim_once(
            CHORE_SHOP, "retention", day, ttl=timedelta(days=2), at=now
        ):
            return None
        deleted = await self._store.delete_older_than(now - self._keep, now=now)
        logger.info("retention: deleted %d rows older than %s", deleted, now - self._keep)
        return deleted

    async def run_daily(self, every: float = EVERY) -> None:
        while True:
            try:
                await self.run_once()
            except StoreUnavailable as error:
                logger.warning("retention: store unavailable (%s); trying again later", error)
            except Exception:
                logger.exception("retention failed; trying again later")
            await asyncio.sleep(every)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(self.run_daily())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
