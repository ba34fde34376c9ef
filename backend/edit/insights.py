"""What the merchant learns from edits: orders a change saved from being cancelled (by the
cancel reason the customer had chosen), edits by kind, and what customers still owe.

An order is saved when a customer who had picked a cancel reason changed the order instead and
Shopify took the change; counted once per order, under the first reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.store.base import EditOutcome, Store


@dataclass(frozen=True, slots=True)
class Owed:
    order_id: str
    amount: Decimal  # in `currency`; what the customer was asked to pay after an edit
    currency: str
    at: datetime


@dataclass(frozen=True, slots=True)
class EditInsights:
    saved_by_reason: list[tuple[str, int]]  # cancel reason code, orders saved; most first
    by_kind: list[tuple[str, int]]  # EditType, edits made; most first
    owed: list[Owed]  # the latest first
    refunds_failed: int  # refunds of a lower total that Shopify refused: look at these orders

    @property
    def saved(self) -> int:
        return sum(count for _, count in self.saved_by_reason)


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


async def edit_insights(
    store: Store, shop: str, *, since: datetime, until: datetime, owed: int = 20
) -> EditInsights:
    made = [
        edit
        for edit in await store.edits(shop, since=since, until=until)
        if edit.outcome is EditOutcome.EDITED
    ]
    first_reason: dict[str, str] = {}
    for edit in made:
        if edit.reason_code:
            first_reason.setdefault(edit.order_id, edit.reason_code)
    balances = [
        Owed(edit.order_id, edit.amount, edit.currency or "", edit.at)
        for edit in reversed(made)
        if edit.amount is not None and edit.amount > 0
    ]
    return EditInsights(
        saved_by_reason=_most_first(Counter(first_reason.values())),
        by_kind=_most_first(Counter(edit.kind for edit in made)),
        owed=balances[:owed],
        refunds_failed=sum(1 for edit in made if edit.refund_state == "FAILED"),
    )
