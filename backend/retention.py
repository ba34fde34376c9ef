"""Retention: attempts and notes older than `RETENTION_DAYS` go, once a day (a chore), with the
webhook deliveries' log and the expired first-seen marks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from backend.store.base import Store

logger = logging.getLogger(__name__)

TASK = "retention"
EVERY = timedelta(days=1)


class Retention:
    def __init__(self, store: Store, keep: timedelta, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._keep = keep
        self._clock = clock

    async def run(self, args: dict[str, Any] | None = None) -> int:
        """Delete what is past retention; how many rows went."""
        now = self._clock()
        deleted = await self._store.delete_older_than(now - self._keep, now=now)
        logger.info("retention: deleted %d rows older than %s", deleted, now - self._keep)
        return deleted
