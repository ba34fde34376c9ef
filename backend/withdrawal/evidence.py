"""How long a withdrawal is kept: its own period, not `RETENTION_DAYS`.

The statement, its submission time and the acknowledgement's delivery are the merchant's proof
that a withdrawal arrived on time and was acknowledged (Directive 2011/83/EU, Articles 11a and
9-16; the burden of proof of having informed and acknowledged lies with the trader). Claims
about the contract can be brought for years: the regular limitation period is three years from
the end of the year the claim arose in Germany (BGB 195, 199), two years in the Netherlands for
consumer sales (BW 7:28), five in France (Code civil 2224) and Spain (Codigo civil 1964.2).
We keep a withdrawal for `KEEP` (six years: the longest of those, counted from the end of a
year, with margin) and then delete it, once a day. `RETENTION_DAYS` (attempts and notes) never
touches this table; a customer's redaction leaves it too (GDPR Article 17(3)(b) and (e):
storage required by a legal obligation or for legal claims), and only the shop's redaction,
48 hours after uninstall, deletes it with everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from backend.store.base import Store

logger = logging.getLogger(__name__)

TASK = "withdrawal_evidence"
EVERY = timedelta(days=1)
KEEP = timedelta(days=6 * 366)


class Evidence:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    async def run(self, args: dict[str, Any] | None = None) -> int:
        before = self._clock() - KEEP
        deleted = await self._store.delete_withdrawals_before(before)
        if deleted:
            logger.info("withdrawal evidence: deleted %d rows submitted before %s", deleted, before)
        return deleted
