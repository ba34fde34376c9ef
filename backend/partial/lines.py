"""Which items of an order the customer may cancel, and how many of each. Pure.

The order-level rules apply as for a whole cancel (window, cutoff, order tags, payment, risk),
with two differences: an excluded product blocks only its own line, and an order whose other
items have shipped (PARTIALLY_FULFILLED) may still lose the items not yet shipped. Per line:
an excluded product's line cannot be removed (EXCLUDED_PRODUCT), nor units already fulfilled
(FULFILLMENT_STARTED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.orders import OrderSnapshot
from backend.policy import CancelBlock, Decision, ShopPolicy, decide
from backend.refunds.gateway import OrderLine


@dataclass(frozen=True, slots=True)
class LineChoice:
    line: OrderLine
    cancellable: int  # how many units may be cancelled now
    blocked_by: CancelBlock | None  # why none (or not all) of it may be


def order_decision(
    order: OrderSnapshot, policy: ShopPolicy, now: datetime, tz: ZoneInfo
) -> Decision:
    """The whole-order rules, as they apply to cancelling some of its items."""
    decision = decide(replace(order, product_tags=frozenset()), policy, now, tz)
    if (
        decision.blocked_by is CancelBlock.FULFILLMENT_STARTED
        and order.fulfillment_status == "PARTIALLY_FULFILLED"
    ):
        return Decision(blocked_by=None, deadline=decision.deadline)
    return decision


def choices(lines: Sequence[OrderLine], policy: ShopPolicy) -> list[LineChoice]:
    found = []
    for line in lines:
        if line.quantity <= 0:
            continue
        if line.product_tags & policy.excluded_product_tags:
            found.append(LineChoice(line, 0, CancelBlock.EXCLUDED_PRODUCT))
        elif line.unfulfilled < line.quantity:
            found.append(LineChoice(line, line.unfulfilled, CancelBlock.FULFILLMENT_STARTED))
        else:
            found.append(LineChoice(line, line.quantity, None))
    return found


def refuse_request(requested: Mapping[str, int], lines: Sequence[LineChoice]) -> CancelBlock | None:
    """Why these quantities cannot be cancelled, or None if every one of them can."""
    if not requested or any(quantity <= 0 for quantity in requested.values()):
        return CancelBlock.INVALID_LINE_ITEMS
    by_id = {choice.line.id: choice for choice in lines}
    for line_id, quantity in requested.items():
        choice = by_id.get(line_id)
        if choice is None or quantity > choice.line.quantity:
            return CancelBlock.INVALID_LINE_ITEMS
        if quantity > choice.cancellable:
            return choice.blocked_by or CancelBlock.INVALID_LINE_ITEMS
    return None


def everything(requested: Mapping[str, int], lines: Sequence[LineChoice]) -> bool:
    """Whether the request takes every unit left on the order: that is the whole cancel."""
    return all(requested.get(c.line.id, 0) >= c.line.quantity for c in lines)
