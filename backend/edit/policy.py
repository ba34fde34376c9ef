"""Whether the customer may edit an order: the cancel's rules, the edit's own switches.

Pure, like `backend.policy.decide`: the order snapshot, the shop's rules, the clock and the
shop's zone in; a `Decision` out. The cancel's on/off switch does not apply: a merchant may offer
edits without offering cancels.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.edit.rules import EditType
from backend.orders import OrderSnapshot
from backend.policy import CancelBlock, Decision, ShopPolicy, decide


def edit_policy(policy: ShopPolicy) -> ShopPolicy:
    """The cancel's rules as they apply to edits: always enabled, with the edits' window."""
    rules = policy.edits
    window = rules.window_minutes if rules.own_window else policy.window_minutes
    return replace(policy, enabled=True, window_minutes=window)


def decide_edit(
    order: OrderSnapshot, policy: ShopPolicy, kind: EditType, now: datetime, tz: ZoneInfo
) -> Decision:
    decision = decide(order, edit_policy(policy), now, tz)
    if order.cancelled_at is None and not policy.edits.allows(kind):
        return Decision(blocked_by=CancelBlock.DISABLED, deadline=decision.deadline)
    return decision


def editable_kinds(
    order: OrderSnapshot,
    policy: ShopPolicy,
    now: datetime,
    tz: ZoneInfo,
    supported: frozenset[EditType],
) -> tuple[list[EditType], Decision]:
    """The kinds of edit the customer may make now (of those the app can make), and the
    decision for edits in general (its deadline; why none, when none)."""
    general = decide(order, edit_policy(policy), now, tz)
    if general.blocked_by is not None:
        return [], general
    kinds = [kind for kind in EditType if kind in supported and policy.edits.allows(kind)]
    if not kinds:
        return [], Decision(blocked_by=CancelBlock.DISABLED, deadline=general.deadline)
    return kinds, general
