"""The partial cancel: the customer's chosen items come off the order and their money goes back.

Read top to bottom, as the whole cancel: validate the input, read the order fresh with
Shopify's suggested refund for exactly those items, check ownership and the rules item by item,
then one refund. Cancelling everything left is the whole cancel (`orderCancel`), as today.

How the items come off: one `refundCreate` with `restockType: CANCEL` for the chosen unfulfilled
units. Shopify documents CANCEL as the restock type "for unfulfilled line items": the refund
removes them from the order, restocks them, and refunds their price (Shopify's suggested refund:
the items' share after discounts) in one mutation. We chose it over an order edit
(`orderEditBegin` / `orderEditSetQuantity(restock)` / `orderEditCommit`, then a `refundCreate`
for the outstanding balance): one Admin mutation instead of four, no window between the edit
and the money where a crash leaves the order changed and the customer unpaid, and it is the one
call that carries an idempotency key, so the whole step is exactly-once. The edit session stays
the tool for changes that add items (issue 13). The fee is simply taken off the refund's amount.

Single flight: the refund's record is claimed before Shopify is asked (`backend.refunds`); a
second partial cancel of the same order finds it in flight, completes it with its recorded input
and key (a repeat of the same refund to Shopify), reads the order again and goes on with its own
request against what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from backend.auth.viewer import Viewer
from backend.cancellation import (
    NOTE_LIMIT,
    Cancellations,
    CancellationStatus,
    Cancelled,
    OrderView,
    Refused,
    Requested,
    clean_note,
    refused,
)
from backend.fees import FeeQuote, Money, quote, rule_of
from backend.orders import order_gid
from backend.partial.lines import LineChoice, choices, everything, order_decision, refuse_request
from backend.policy import CancelBlock, Decision, ShopPolicy, needs_approval
from backend.refunds.gateway import OrderLines, RefundGateway
from backend.refunds.inputs import refund_input
from backend.refunds.refunding import Busy, Refunded, Refunds
from backend.shopify.client import ShopifyUnavailable
from backend.shopify.gateway import staff_note
from backend.store.base import Attempt, Outcome, RefundKind, RefundRecord, Store

APPROVAL_FIRST = (
    "This shop confirms cancellations first: cancel the whole order to ask, or contact the shop."
)
ROUNDS = 3  # claims lost to other refunds of the order before we give up
PENDING_MESSAGE = (
    "The shop hasn't confirmed the refund yet. It will go through; check again in a minute."
)


@dataclass(frozen=True, slots=True)
class ItemsCancelled:
    view: OrderView
    refund: RefundRecord


@dataclass(frozen=True, slots=True)
class ItemsView:
    """An order's lines as its owner may cancel them, with the whole order's refund preview."""

    read: OrderLines
    decision: Decision
    lines: list[LineChoice]
    whole: FeeQuote
    policy: ShopPolicy


def line_gid(value: str) -> str | None:
    value = value.strip()
    if value.isdigit() and not value.startswith("0"):
        return f"gid://shopify/LineItem/{value}"
    prefix = "gid://shopify/LineItem/"
    if value.startswith(prefix) and value[len(prefix) :].isdigit():
        return value
    return None


def preview(policy: ShopPolicy, read: OrderLines, refundable: Money) -> FeeQuote:
    return quote(
        rule_of(policy),
        refundable,
        read.shop_currency,
        read.presentment_currency,
        shipping_country=read.shipping_country,
        financial_status=read.order.financial_status,
    )


class PartialCancellations:
    def __init__(
        self,
        gateway: RefundGateway,
        refunds: Refunds,
        cancellations: Cancellations,
        store: Store,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._gateway = gateway
        self._refunds = refunds
        self._cancellations = cancellations
        self._store = store
        self._clock = clock

    async def items(
        self, viewer: Viewer, raw_id: str, chosen: Sequence[tuple[str, int]] = ()
    ) -> ItemsView | None:
        """The order read fresh (one Admin request), if it is the viewer's."""
        gid = order_gid(raw_id)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return None
        read = await self._gateway.load_lines(viewer.shop, gid, chosen)
        if read is None or not self._cancellations.owns(viewer, read.order):
            return None
        policy = await self._cancellations.policy(viewer.shop)
        decision = order_decision(read.order, policy, self._clock(), read.tz)
        return ItemsView(
            read, decision, choices(read.lines, policy), preview(policy, read, read.net_payment),
            policy,
        )  # fmt: skip

    async def cancel_items(
        self,
        viewer: Viewer,
        raw_id: str,
        reason_code: str,
        note: str | None,
        requested: Sequence[tuple[str, int]],
    ) -> Cancelled | ItemsCancelled | Requested | Refused:
        gid = order_gid(raw_id)
        note = clean_note(note)

        async def refuse(code: CancelBlock, message: str | None = None) -> Refused:
            outcome = {
                CancelBlock.TRY_AGAIN: Outcome.FAILED,
                CancelBlock.REJECTED_BY_SHOPIFY: Outcome.REJECTED,
            }.get(code, Outcome.REFUSED)
            await self._store.record_attempt(
                Attempt(
                    shop=viewer.shop,
                    order_id=gid or raw_id[:100],
                    customer_id=viewer.customer_id,
                    reason_code=reason_code[:100],
                    note=note,
                    outcome=outcome,
                    at=self._clock(),
                    block=code,
                )
            )
            return refused(code, message)

        policy = await self._cancellations.policy(viewer.shop)
        reason = policy.reason(reason_code)
        if reason is None:
            return await refuse(CancelBlock.INVALID_REASON)
        if note is not None and len(note) > NOTE_LIMIT:
            return await refuse(CancelBlock.INVALID_NOTE)
        if not policy.partial_cancel:
            return await refuse(CancelBlock.PARTIAL_NOT_OFFERED)
        wanted: dict[str, int] = {}
        for raw_line, quantity in requested:
            line = line_gid(raw_line)
            if line is None:
                return await refuse(CancelBlock.INVALID_LINE_ITEMS)
            wanted[line] = wanted.get(line, 0) + quantity
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return await refuse(CancelBlock.NOT_FOUND)

        for _ in range(ROUNDS):
            try:
                read = await self._gateway.load_lines(viewer.shop, gid, list(wanted.items()))
            except ShopifyUnavailable:
                return await refuse(CancelBlock.TRY_AGAIN)
            if read is None or not self._cancellations.owns(viewer, read.order):
                return await refuse(CancelBlock.NOT_FOUND)
            decision = order_decision(read.order, policy, self._clock(), read.tz)
            if decision.blocked_by is not None:
                return await refuse(decision.blocked_by)
            if needs_approval(read.order, policy):
                # The shop approves cancellations of this order first (issue 14): a request is
                # for the whole order, so some items can't be cancelled on the spot.
                return await refuse(CancelBlock.PARTIAL_NOT_OFFERED, APPROVAL_FIRST)
            lines = choices(read.lines, policy)
            blocked = refuse_request(wanted, lines)
            if blocked is not None:
                return await refuse(blocked)
            if everything(wanted, lines):
                return await self._cancellations.cancel(viewer, raw_id, reason_code, note)
            shown = preview(policy, read, read.suggested)
            note_text = staff_note(reason.label, note, policy.staff_note_format, reason.code)
            outcome = await self._refunds.make(
                shop=viewer.shop,
                order_id=gid,
                kind=RefundKind.PARTIAL_CANCEL,
                customer_id=viewer.customer_id,
                lines=list(wanted.items()),
                amount=shown.refund.presentment,
                fee=shown.fee.presentment,
                fee_shop=shown.fee.shop,
                currency=read.presentment_currency,
                refund_input=refund_input(
                    read, wanted, shown.refund.presentment, policy, note_text
                ),
            )
            if isinstance(outcome, Busy):
                # Another refund of this order is in flight: finish it (same input, same key:
                # Shopify makes it at most once), then read the order again.
                await self._refunds.complete_record(outcome.holder)
                continue
            if isinstance(outcome, Refunded):
                view = OrderView(
                    order=read.order,
                    decision=decision,
                    status=CancellationStatus.NONE,
                    reasons=policy.reasons,
                    partial_cancel=True,
                )
                return ItemsCancelled(view, outcome.record)
            if outcome.pending:
                return refused(CancelBlock.TRY_AGAIN, PENDING_MESSAGE)
            return await refuse(CancelBlock.REJECTED_BY_SHOPIFY)
        return await refuse(CancelBlock.TRY_AGAIN)
