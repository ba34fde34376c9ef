"""What the merchant learns from the recorded attempts: how many orders customers cancelled and
when, why they did, what they wrote, and what our rules refused.

The database counts (`Store.summarize_attempts`: a few `GROUP BY`s on the index, so a shop with
hundreds of thousands of attempts costs a few milliseconds and no memory); this module says
which days to count by and turns the counts into the merchant's words.

A cancellation is an order some attempt cancelled (outcome PENDING or CANCELLED: Shopify
accepted it), counted once however often the customer clicked. Days are the shop's days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.edit.insights import EditInsights, edit_insights
from backend.policy import CancelBlock, ShopPolicy
from backend.store.base import Outcome, RefundKind, RefundState, Store

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
    edits: EditInsights | None = None  # issue 13: changes instead of cancelling
    # Issue 11. Fees are the shop money our refunds kept; Buy again counts the orders placed from
    # our link whose source order our button cancelled, wholly or in part (backend.buy_again).
    partial_cancels: int = 0
    fees_kept: Decimal = Decimal("0")
    buy_again_orders: int = 0
    buy_again_revenue: Decimal = Decimal("0")
    currency: str = ""  # the shop's, as Shopify's webhooks name it; empty when none was seen

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


def shop_days(since: datetime, now: datetime, tz: ZoneInfo) -> list[tuple[date, datetime]]:
    """Each calendar day of the shop that the period touches (the first one partly), oldest
    first, with the instant it starts."""
    start, end = since.astimezone(tz).date(), now.astimezone(tz).date()
    days = (start + timedelta(n) for n in range((end - start).days + 1))
    return [(day, datetime.combine(day, time(0), tzinfo=tz)) for day in days]


async def summarize(
    store: Store,
    shop: str,
    *,
    policy: ShopPolicy,
    now: datetime,
    tz: ZoneInfo,
    orders: int | None,
    orders_exact: bool = True,
    days: int = PERIOD_DAYS,
) -> Insights:
    since = period_start(now, days)
    calendar = shop_days(since, now, tz)
    counts = await store.summarize_attempts(
        shop,
        since=since,
        until=now,
        day_starts=[start for _, start in calendar],
        notes=LATEST_NOTES,
    )
    per_day: Counter[int] = Counter()
    reasons: Counter[str] = Counter()
    for (day, code), count in counts.cancellations.items():
        per_day[day] += count
        reasons[reason_label(policy, code)] += count
    refunds = [r for r in await store.refunds(shop, since=since) if r.state is RefundState.DONE]
    bought = await store.buy_again_orders(shop, since=since)
    notes = [
        Note(
            at=a.at,
            order_id=a.order_id,
            reason=reason_label(policy, a.reason_code),
            text=a.note or "",
            cancelled=a.outcome in _CANCELLED,
        )
        for a in counts.notes
    ]
    return Insights(
        since=since,
        days=[(day, per_day[index]) for index, (day, _) in enumerate(calendar)],
        by_reason=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        refused_by_cause=sorted(
            counts.refusals.items(), key=lambda item: (-item[1], item[0].value)
        ),
        notes=notes,
        orders=orders,
        orders_exact=orders_exact,
        edits=await edit_insights(store, shop, since=since, until=now),
        partial_cancels=sum(1 for r in refunds if r.kind is RefundKind.PARTIAL_CANCEL),
        fees_kept=sum((r.fee_shop for r in refunds), Decimal("0")),
        buy_again_orders=len(bought),
        buy_again_revenue=sum((total for _, _, total, _ in bought), Decimal("0")),
        currency=next((currency for *_, currency in bought if currency), ""),
    )
