"""What the merchant learns from the recorded attempts: how many orders customers cancelled and
when, why they did, what they wrote, and what our rules refused. Pure: attempts in, numbers out.

A cancellation is an order some attempt cancelled (outcome PENDING or CANCELLED: Shopify
accepted it), counted once however often the customer clicked. Days are the shop's days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.policy import CancelBlock, ShopPolicy
from backend.store.base import Attempt, Outcome

PERIOD_DAYS = 30
LATEST_NOTES = 20
_CANCELLED = frozenset({Outcome.PENDING, Outcome.CANCELLED})


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    order_id: str
    reason: str
    text: str
    cancelled: bool


@dataclass(frozen=True, slots=True)
class Insights:
    since: datetime
    days: list[tuple[date, int]]  # every day of the period, oldest first, with its cancellations
    by_reason: list[tuple[str, int]]  # reason label, cancellations; most first
    refused_by_cause: list[tuple[CancelBlock, int]]  # most first
    notes: list[Note]  # latest first
    orders: int | None  # orders in the period, from Shopify; None when unknown
    orders_exact: bool = True

    @property
    def cancellations(self) -> int:
        return sum(count for _, count in self.days)

    @property
    def refused(self) -> int:
        return sum(count for _, count in self.refused_by_cause)

    @property
    def rate(self) -> float | None:
        """Cancellations ÷ orders in the period; None without orders to divide by."""
        if not self.orders:
            return None
        return self.cancellations / self.orders


def period_start(now: datetime, days: int = PERIOD_DAYS) -> datetime:
    """The period is the last `days` × 24 hours: the same instants for the orders Shopify
    counts and the cancellations we count, whatever the shop's zone."""
    return now - timedelta(days=days)


def reason_label(policy: ShopPolicy, code: str) -> str:
    reason = policy.reason(code)
    return reason.label if reason else code


def summarize(
    attempts: Sequence[Attempt],
    *,
    policy: ShopPolicy,
    now: datetime,
    tz: ZoneInfo,
    orders: int | None,
    orders_exact: bool = True,
    days: int = PERIOD_DAYS,
) -> Insights:
    since = period_start(now, days)
    in_period = [a for a in attempts if since <= a.at <= now]
    first_cancel: dict[str, Attempt] = {}
    for attempt in in_period:  # oldest first, as the store returns them
        if attempt.outcome in _CANCELLED and attempt.order_id not in first_cancel:
            first_cancel[attempt.order_id] = attempt
    per_day = Counter(a.at.astimezone(tz).date() for a in first_cancel.values())
    # The shop's calendar days the period touches: the first one partly.
    start, end = since.astimezone(tz).date(), now.astimezone(tz).date()
    reasons = Counter(reason_label(policy, a.reason_code) for a in first_cancel.values())
    refused = Counter(
        a.block for a in in_period if a.block is not None and a.outcome is not Outcome.DUPLICATE
    )
    with_notes = [a for a in in_period if a.note and a.outcome is not Outcome.DUPLICATE]
    notes = [
        Note(
            at=a.at,
            order_id=a.order_id,
            reason=reason_label(policy, a.reason_code),
            text=a.note or "",
            cancelled=a.outcome in _CANCELLED,
        )
        for a in reversed(with_notes[-LATEST_NOTES:])
    ]
    return Insights(
        since=since,
        days=[
            (day, per_day[day])
            for day in (start + timedelta(n) for n in range((end - start).days + 1))
        ],
        by_reason=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        refused_by_cause=sorted(refused.items(), key=lambda item: (-item[1], item[0].value)),
        notes=notes,
        orders=orders,
        orders_exact=orders_exact,
    )
