"""The edit use case: the cancel's path (fresh read, ownership, policy, single flight, Shopify,
record), changing the order instead of cancelling it.

Single flight per order, shared with the cancel: an edit takes the order's `EDIT_FLIGHT` mark
(a `claims` row that expires on its own if this process dies), then checks that no cancel of the
order is under way or done; a cancel takes its own claim and then checks for the mark. Of an
edit and a cancel racing on one order at least one sees the other and stops, so both never run.
Two edits of one order: the second finds the mark and is told to try again.

An address edit is idempotent at Shopify (orderUpdate overwrites the address), so a retry after
a lost answer or a crash sends the same address again and nothing is done twice.

A quantity edit is recorded (IN_FLIGHT, with the price difference it makes) before Shopify is
asked. Committed, it is EDITED; a lower total is refunded by the `settle_edit` job, deferred in
the same transaction, whose refund plan (amount, payment, idempotency key from our record) is
saved before `refundCreate` is sent, so every retry sends the same refund with the same key and
Shopify moves the money once. A commit whose answer was lost is recognised on the retry: the
line item already has the quantity asked for and our record of that change is unsettled.

Every edit that succeeds defers the "edited" Shopify Flow trigger in the transaction that
records it, keyed on that record: one trigger per edit, however often its answer is retried.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.approvals.flow import EditFacts, FlowEvent, defer_trigger
from backend.auth.viewer import Viewer
from backend.cancellation import STALE_FLIGHT, Cancellations, OrderView
from backend.edit.address import Address, FieldError, FieldProblem, check_address
from backend.edit.order_editing import EditableItem, EditRejected, ItemRead, OrderEditing
from backend.edit.policy import decide_edit
from backend.edit.rules import MADE_BY_THE_APP, EditType
from backend.edit.zones import destinations
from backend.jobs import Retry
from backend.money import rounded
from backend.orders import OrderSnapshot, legacy_id, order_gid
from backend.policy import RefundMethod, ShopPolicy
from backend.shopify.client import AmbiguousOutcome, ShopifyUnavailable
from backend.shopify.gateway import STAFF_NOTE_LIMIT, AdminGateway
from backend.store.base import (
    OPEN_REQUEST_STATES,
    EditAttempt,
    EditOutcome,
    FlightState,
    Job,
    Store,
)
from backend.store.edits import EDIT_FLIGHT

logger = logging.getLogger(__name__)


MAX_QUANTITY = 50  # of one line item; more is a typo or a reseller, not a fix
SETTLE = "settle_edit"  # the job that refunds what an edit took off the order


class EditBlock(enum.StrEnum):
    """Why an edit was refused: the cancel's policy codes, then the edit's own."""

    NOT_FOUND = "NOT_FOUND"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"  # the customer asked the shop to cancel it (issue 14)
    WINDOW_CLOSED = "WINDOW_CLOSED"
    CUTOFF_PASSED = "CUTOFF_PASSED"
    FULFILLMENT_STARTED = "FULFILLMENT_STARTED"
    EXCLUDED_PRODUCT = "EXCLUDED_PRODUCT"
    EXCLUDED_ORDER = "EXCLUDED_ORDER"
    PAYMENT_STATE = "PAYMENT_STATE"
    RISK_REVIEW = "RISK_REVIEW"
    DISABLED = "DISABLED"  # the merchant does not offer this kind of edit
    INVALID_REASON = "INVALID_REASON"  # `reason` is not one of the merchant's cancel reasons
    INVALID_INPUT = "INVALID_INPUT"  # not exactly one edit, or one this shop cannot make
    INVALID_ADDRESS = "INVALID_ADDRESS"  # see `field_errors`
    NO_SHIPPING_ADDRESS = "NO_SHIPPING_ADDRESS"  # nothing to change: the order is not shipped
    UNKNOWN_LINE_ITEM = "UNKNOWN_LINE_ITEM"  # not a line item of this order
    INVALID_QUANTITY = "INVALID_QUANTITY"  # below 1, above MAX_QUANTITY, or unchanged
    OUT_OF_STOCK = "OUT_OF_STOCK"  # not enough in stock for the units added
    UNKNOWN_VARIANT = "UNKNOWN_VARIANT"  # not another size or colour of this item's product
    CANCEL_UNDER_WAY = "CANCEL_UNDER_WAY"  # the customer is cancelling this order
    EDIT_UNDER_WAY = "EDIT_UNDER_WAY"  # another edit of this order is running
    REJECTED_BY_SHOPIFY = "REJECTED_BY_SHOPIFY"
    TRY_AGAIN = "TRY_AGAIN"  # Shopify unreachable; nothing was changed


MESSAGES: dict[EditBlock, str] = {
    EditBlock.NOT_FOUND: "We couldn't find that order.",
    EditBlock.ALREADY_CANCELLED: "This order has been cancelled.",
    EditBlock.AWAITING_APPROVAL: "You asked the shop to cancel this order; they will answer soon.",
    EditBlock.WINDOW_CLOSED: "The time to change this order online has passed.",
    EditBlock.CUTOFF_PASSED: "This order is already being prepared for today's dispatch.",
    EditBlock.FULFILLMENT_STARTED: "Your order is already being packed or has shipped.",
    EditBlock.EXCLUDED_PRODUCT: "This order contains an item that can't be changed online.",
    EditBlock.EXCLUDED_ORDER: "This order can't be changed online.",
    EditBlock.PAYMENT_STATE: "This order's payment doesn't allow changes online.",
    EditBlock.RISK_REVIEW: "This order is being reviewed by the shop; please contact them.",
    EditBlock.DISABLED: "This shop doesn't offer this change online.",
    EditBlock.INVALID_REASON: "Please choose one of the reasons offered.",
    EditBlock.INVALID_INPUT: "Please choose one change to make.",
    EditBlock.INVALID_ADDRESS: "Please check the address.",
    EditBlock.NO_SHIPPING_ADDRESS: "This order isn't being shipped, so it has no address.",
    EditBlock.UNKNOWN_LINE_ITEM: "That item isn't part of this order.",
    EditBlock.INVALID_QUANTITY: f"Please choose a new quantity from 1 to {MAX_QUANTITY}.",
    EditBlock.OUT_OF_STOCK: "There aren't enough of this item in stock.",
    EditBlock.UNKNOWN_VARIANT: "Please choose another size or colour of this item.",
    EditBlock.CANCEL_UNDER_WAY: "This order is being cancelled.",
    EditBlock.EDIT_UNDER_WAY: "This order is being changed just now; please try again.",
    EditBlock.REJECTED_BY_SHOPIFY: "The shop couldn't change this order; please contact them.",
    EditBlock.TRY_AGAIN: (
        "We couldn't reach the shop just now. Nothing was changed; please try again."
    ),
}

_OUTCOMES = {
    EditBlock.REJECTED_BY_SHOPIFY: EditOutcome.REJECTED,
    EditBlock.TRY_AGAIN: EditOutcome.FAILED,
}

_LINE_ITEM_GID = "gid://shopify/LineItem/"
_VARIANT_GID = "gid://shopify/ProductVariant/"


def _gid(prefix: str, value: str) -> str | None:
    number = value.strip().removeprefix(prefix)
    if number.isdigit() and not number.startswith("0") and len(number) <= 20:
        return prefix + number
    return None


def line_item_gid(value: str) -> str | None:
    return _gid(_LINE_ITEM_GID, value)


def variant_gid(value: str) -> str | None:
    return _gid(_VARIANT_GID, value)


@dataclass(frozen=True, slots=True)
class QuantityChange:
    line_item_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class VariantChange:
    line_item_id: str
    variant_id: str  # another variant of the same product: a size, a colour


@dataclass(frozen=True, slots=True)
class EditRequest:
    """One edit of one order: exactly one of the changes is given."""

    order_id: str
    reason: str | None = None  # the cancel reason that led here, for the merchant's insights
    address: Address | None = None
    quantity: QuantityChange | None = None
    variant: VariantChange | None = None

    def kinds(self) -> list[EditType]:
        given = [
            (EditType.ADDRESS, self.address),
            (EditType.VARIANT, self.variant),
            (EditType.QUANTITY, self.quantity),
        ]
        return [kind for kind, change in given if change is not None]


@dataclass(frozen=True, slots=True)
class Difference:
    """What an edit did to the order's total, in the shop's currency."""

    amount: Decimal  # positive: the customer owes it; negative: it is refunded to them
    currency: str
    payment_url: str | None = None  # Shopify's link to pay what is owed


@dataclass(frozen=True, slots=True)
class Edited:
    kind: EditType
    view: OrderView
    difference: Difference | None = None


@dataclass(frozen=True, slots=True)
class EditRefused:
    code: EditBlock
    message: str
    field_errors: tuple[FieldError, ...] = ()


def most_of(item: EditableItem) -> int:
    """The largest quantity a customer may ask for: what stock allows, at most MAX_QUANTITY."""
    if not item.for_sale:
        return min(item.quantity, MAX_QUANTITY)
    if item.stock is None:
        return MAX_QUANTITY
    return max(min(item.quantity + item.stock, MAX_QUANTITY), 1)


def variant_note(title: str, before: str, after: str) -> str:
    text = f"Changed by the customer instead of cancelling: {title}, {before} → {after}."
    return text if len(text) <= STAFF_NOTE_LIMIT else text[: STAFF_NOTE_LIMIT - 1] + "…"


def quantity_note(title: str, before: int, after: int) -> str:
    text = f"Changed by the customer instead of cancelling: {title}, quantity {before} → {after}."
    return text if len(text) <= STAFF_NOTE_LIMIT else text[: STAFF_NOTE_LIMIT - 1] + "…"


class _Try:
    """One edit attempt: whose, of which order, of what kind; records how it ends, once."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        viewer: Viewer,
        order_id: str,
        kind: EditType | None,
        reason: str | None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.viewer = viewer
        self.order_id = order_id
        self.kind = kind
        self.reason = reason
        self.row: EditAttempt | None = None  # once recorded IN_FLIGHT

    def attempt(self, outcome: EditOutcome, block: EditBlock | None = None) -> EditAttempt:
        return EditAttempt(
            shop=self.viewer.shop,
            order_id=self.order_id,
            customer_id=self.viewer.customer_id,
            kind=str(self.kind) if self.kind else "NONE",
            reason_code=self.reason,
            outcome=outcome,
            at=self.clock(),
            block=None if block is None else block.value,
        )

    async def end(
        self,
        outcome: EditOutcome,
        block: EditBlock | None = None,
        *,
        tx: Store | None = None,
        **more: Any,
    ) -> int | None:
        """Record how the attempt ended (through `tx` when given); the record's id."""
        store = tx or self.store
        if self.row is None:
            return await store.record_edit(replace(self.attempt(outcome, block), **more))
        self.row = replace(self.row, outcome=outcome, block=block and block.value, **more)
        await store.update_edit(self.row)
        return self.row.id

    async def refuse(
        self, code: EditBlock, errors: tuple[FieldError, ...] = (), message: str | None = None
    ) -> EditRefused:
        await self.end(_OUTCOMES.get(code, EditOutcome.REFUSED), code)
        return EditRefused(code=code, message=message or MESSAGES[code], field_errors=errors)


class Edits:
    def __init__(
        self,
        gateway: AdminGateway,
        editing: OrderEditing,
        store: Store,
        cancellations: Cancellations,
        *,
        clock: Callable[[], datetime],
        stale_flight: timedelta = STALE_FLIGHT,
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._gateway = gateway
        self._editing = editing
        self._store = store
        self._cancellations = cancellations
        self._clock = clock
        self._stale_flight = stale_flight
        self._wake_jobs = wake_jobs

    async def edit(self, viewer: Viewer, request: EditRequest) -> Edited | EditRefused:
        gid = order_gid(request.order_id)
        kinds = request.kinds()
        kind = kinds[0] if len(kinds) == 1 else None
        reason = request.reason[:100] if request.reason else None
        attempt = _Try(
            self._store, self._clock, viewer, gid or request.order_id[:100], kind, reason
        )

        if kind is None or kind not in MADE_BY_THE_APP:
            return await attempt.refuse(EditBlock.INVALID_INPUT)
        policy = await self._cancellations.policy(viewer.shop)
        if reason is not None and policy.reason(reason) is None:
            return await attempt.refuse(EditBlock.INVALID_REASON)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return await attempt.refuse(EditBlock.NOT_FOUND)
        if kind is EditType.ADDRESS:
            assert request.address is not None
            return await self._change_address(attempt, gid, request.address, policy)
        if kind is EditType.VARIANT:
            assert request.variant is not None
            return await self._change_variant(attempt, gid, request.variant, policy)
        assert request.quantity is not None
        return await self._change_quantity(attempt, gid, request.quantity, policy)

    async def items(self, viewer: Viewer, gid: str) -> tuple[list[EditableItem], str]:
        """The order's line items as a quantity or variant edit offers them (price, how many
        may be had, the other variants), in one Admin read; none unless the viewer owns the
        order and may change quantities or variants now."""
        read = await self._editing.read(viewer.shop, gid)
        if read is None or not self._cancellations.owns(viewer, read.order):
            return [], ""
        policy = await self._cancellations.policy(viewer.shop)
        now = self._clock()
        if all(
            decide_edit(read.order, policy, kind, now, read.tz).blocked_by is not None
            for kind in (EditType.QUANTITY, EditType.VARIANT)
        ):
            return [], read.currency
        return [item for item in read.items if item.quantity > 0], read.currency

    # Steps shared by every kind -------------------------------------------------------------

    async def _allowed(
        self, attempt: _Try, order: OrderSnapshot | None, policy: ShopPolicy, tz: Any
    ) -> EditRefused | None:
        """Refused unless the order is the viewer's and the rules allow this edit now."""
        if order is None or not self._cancellations.owns(attempt.viewer, order):
            return await attempt.refuse(EditBlock.NOT_FOUND)
        assert attempt.kind is not None
        decision = decide_edit(order, policy, attempt.kind, self._clock(), tz)
        if decision.blocked_by is not None:
            return await attempt.refuse(EditBlock(decision.blocked_by.value))
        return None

    async def _take_flight(self, attempt: _Try) -> EditRefused | None:
        """The order's edit flight, unless another edit or a cancel holds the order."""
        shop, gid = attempt.viewer.shop, attempt.order_id
        if not await self._store.claim_once(
            shop, EDIT_FLIGHT, gid, ttl=self._stale_flight, at=self._clock()
        ):
            return await attempt.refuse(EditBlock.EDIT_UNDER_WAY)
        cancel = await self._store.get_cancellation(shop, gid)
        if cancel is not None and cancel.state is not FlightState.REJECTED:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            cancelled = cancel.state is FlightState.CANCELLED
            return await attempt.refuse(
                EditBlock.ALREADY_CANCELLED if cancelled else EditBlock.CANCEL_UNDER_WAY
            )
        request = await self._store.get_request(shop, gid)
        if request is not None and request.state in OPEN_REQUEST_STATES:
            # The customer asked the shop to cancel (issue 14): the order waits for its answer.
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await attempt.refuse(EditBlock.AWAITING_APPROVAL)
        return None

    # The address ----------------------------------------------------------------------------

    async def _change_address(
        self, attempt: _Try, gid: str, given: Address, policy: ShopPolicy
    ) -> Edited | EditRefused:
        shop = attempt.viewer.shop
        try:
            order, tz, country, zones = await self._gateway.load_order_for_address_edit(shop, gid)
        except ShopifyUnavailable:
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        if refused := await self._allowed(attempt, order, policy, tz):
            return refused
        assert order is not None
        if country is None:
            return await attempt.refuse(EditBlock.NO_SHIPPING_ADDRESS)
        allowed = destinations(zones, country, country_change=policy.edits.country_change)
        if given.country_code is None:
            given = replace(given, country_code=country)  # left out: the order's own country
        address, errors = check_address(given, country, allowed)
        if errors:
            return await attempt.refuse(EditBlock.INVALID_ADDRESS, tuple(errors))
        if refused := await self._take_flight(attempt):
            return refused
        try:
            try:
                rejected = await self._gateway.update_shipping_address(
                    shop, gid, address.as_input()
                )
            except ShopifyUnavailable:
                # Perhaps it ran: a retry sends the same address, which changes nothing twice.
                return await attempt.refuse(EditBlock.TRY_AGAIN)
            if rejected is not None:
                logger.info("Shopify refused the address of %s: %s", gid, rejected.message)
                return await attempt.refuse(EditBlock.REJECTED_BY_SHOPIFY)
            now = self._clock()
            async with self._store.transaction() as tx:
                edit_id = await attempt.end(EditOutcome.EDITED, tx=tx)
                assert edit_id is not None
                await _trigger(tx, attempt, edit_id, policy, None, at=now)
            self._wake_jobs()
        finally:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
        view = await self._cancellations.view_of(shop, order, policy, tz)
        return Edited(EditType.ADDRESS, view)

    # The quantity ---------------------------------------------------------------------------

    async def _change_quantity(
        self, attempt: _Try, gid: str, change: QuantityChange, policy: ShopPolicy
    ) -> Edited | EditRefused:
        shop = attempt.viewer.shop
        line = line_item_gid(change.line_item_id)
        if line is None:
            return await attempt.refuse(EditBlock.UNKNOWN_LINE_ITEM, _field("lineItemId"))
        if not 1 <= change.quantity <= MAX_QUANTITY:
            return await attempt.refuse(EditBlock.INVALID_QUANTITY, _field("quantity"))
        try:
            read = await self._editing.read(shop, gid)
        except ShopifyUnavailable:
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        order, tz = (read.order, read.tz) if read else (None, None)
        if refused := await self._allowed(attempt, order, policy, tz):
            return refused
        assert read is not None
        item = read.item(line)
        if item is None:
            return await attempt.refuse(EditBlock.UNKNOWN_LINE_ITEM, _field("lineItemId"))
        detail = f"{legacy_id(line)}->{change.quantity}"
        if item.quantity == change.quantity:
            lost = await self._store.unsettled_edit(shop, gid, detail)
            if lost is None:
                return await attempt.refuse(EditBlock.INVALID_QUANTITY, _field("quantity"))
            # An earlier attempt of this very change was committed; its answer never came.
            attempt.row = lost
            if refused := await self._take_flight(attempt):
                return refused
            return await self._settle_up(attempt, read, policy)
        added = change.quantity - item.quantity
        if added > 0 and (not item.for_sale or (item.stock is not None and item.stock < added)):
            return await attempt.refuse(EditBlock.OUT_OF_STOCK, _field("quantity"))
        if refused := await self._take_flight(attempt):
            return refused
        amount = rounded(item.unit_price * added, read.currency)
        # Earlier failed tries of this change did not happen (the order does not show it).
        await self._store.close_unsettled(shop, gid, detail)
        row = replace(
            attempt.attempt(EditOutcome.IN_FLIGHT), detail=detail, amount=amount,
            currency=read.currency,
        )  # fmt: skip
        attempt.row = replace(row, id=await self._store.record_edit(row))
        try:
            rejected = await self._editing.set_quantity(
                shop,
                gid,
                line,
                change.quantity,
                restock=policy.restock,
                staff_note=quantity_note(item.title, item.quantity, change.quantity),
                notify=policy.notify_customer,
            )
        except AmbiguousOutcome:
            # The commit may have run: the retry finds the quantity changed and settles up.
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        except ShopifyUnavailable:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        except BaseException:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            raise
        if rejected is not None:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await self._rejected(attempt, rejected)
        return await self._settle_up(attempt, read, policy)

    # The variant ----------------------------------------------------------------------------

    async def _change_variant(
        self, attempt: _Try, gid: str, change: VariantChange, policy: ShopPolicy
    ) -> Edited | EditRefused:
        shop = attempt.viewer.shop
        line = line_item_gid(change.line_item_id)
        if line is None:
            return await attempt.refuse(EditBlock.UNKNOWN_LINE_ITEM, _field("lineItemId"))
        wanted = variant_gid(change.variant_id)
        if wanted is None:
            return await attempt.refuse(EditBlock.UNKNOWN_VARIANT, _field("variantId"))
        try:
            read = await self._editing.read(shop, gid)
        except ShopifyUnavailable:
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        order, tz = (read.order, read.tz) if read else (None, None)
        if refused := await self._allowed(attempt, order, policy, tz):
            return refused
        assert read is not None
        item = read.item(line)
        if item is None:
            return await attempt.refuse(EditBlock.UNKNOWN_LINE_ITEM, _field("lineItemId"))
        detail = f"{legacy_id(line)}=>{legacy_id(wanted)}"
        if item.quantity == 0:
            lost = await self._store.unsettled_edit(shop, gid, detail)
            swapped = any(i.variant_id == wanted and i.quantity > 0 for i in read.items)
            if lost is None or not swapped:
                return await attempt.refuse(EditBlock.UNKNOWN_LINE_ITEM, _field("lineItemId"))
            # An earlier attempt of this very swap was committed; its answer never came.
            attempt.row = lost
            if refused := await self._take_flight(attempt):
                return refused
            return await self._settle_up(attempt, read, policy)
        option = item.option(wanted)
        if option is None or wanted == item.variant_id:
            return await attempt.refuse(EditBlock.UNKNOWN_VARIANT, _field("variantId"))
        if not option.has(item.quantity):
            return await attempt.refuse(EditBlock.OUT_OF_STOCK, _field("variantId"))
        if refused := await self._take_flight(attempt):
            return refused
        amount = rounded((option.price - item.unit_price) * item.quantity, read.currency)
        await self._store.close_unsettled(shop, gid, detail)
        row = replace(
            attempt.attempt(EditOutcome.IN_FLIGHT), detail=detail, amount=amount,
            currency=read.currency,
        )  # fmt: skip
        attempt.row = replace(row, id=await self._store.record_edit(row))
        note = variant_note(item.title, item.variant_title or "", option.title)
        try:
            rejected = await self._editing.swap_variant(
                shop,
                gid,
                line,
                wanted,
                item.quantity,
                restock=policy.restock,
                staff_note=note,
                notify=policy.notify_customer,
            )
        except ShopifyUnavailable:
            # Perhaps the commit ran (an AmbiguousOutcome): the retry finds the swap and settles.
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await attempt.refuse(EditBlock.TRY_AGAIN)
        except BaseException:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            raise
        if rejected is not None:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
            return await self._rejected(attempt, rejected)
        return await self._settle_up(attempt, read, policy)

    async def _rejected(self, attempt: _Try, rejected: EditRejected) -> EditRefused:
        logger.info(
            "Shopify refused the edit of %s at %s: %s",
            attempt.order_id,
            rejected.step,
            rejected.message,
        )
        return await attempt.refuse(EditBlock.REJECTED_BY_SHOPIFY)

    async def _settle_up(self, attempt: _Try, read: ItemRead, policy: ShopPolicy) -> Edited:
        """The edit is committed: record it, and refund or ask for the difference."""
        row = attempt.row
        assert row is not None and row.id is not None and row.amount is not None
        shop, gid, edit_id = attempt.viewer.shop, attempt.order_id, row.id
        owed = row.amount < 0
        try:
            now = self._clock()
            row = replace(
                row,
                outcome=EditOutcome.EDITED,
                block=None,
                refund_state="PENDING" if owed else None,
                refund_plan={"store_credit": policy.refund_method is RefundMethod.STORE_CREDIT},
            )
            async with self._store.transaction() as tx:
                await tx.update_edit(row)
                if owed:
                    await tx.defer_job(Job(SETTLE, {"edit": row.id}, run_at=now), at=now)
                # Once per edit: a lost commit settled by the retry is the same record.
                await _trigger(tx, attempt, edit_id, policy, row.amount, at=now)
            attempt.row = row
            self._wake_jobs()
            payment_url = None
            if row.amount is not None and row.amount > 0:
                try:
                    payment_url = (await self._editing.balance(shop, gid)).payment_url
                except ShopifyUnavailable:
                    logger.warning("no payment link for %s on %s just now", gid, shop)
        finally:
            await self._store.drop_claim(shop, EDIT_FLIGHT, gid)
        view = await self._cancellations.view_of(shop, read.order, policy, read.tz)
        difference = None
        if row.amount:
            difference = Difference(row.amount, row.currency or read.currency, payment_url)
        assert attempt.kind is not None
        return Edited(attempt.kind, view, difference)

    async def settle(self, args: dict[str, Any]) -> None:
        """`settle_edit`: refund what a committed edit took off the order, exactly once.

        The plan (amount, the payment it goes back to, the key) is saved before the refund is
        sent, so every later run sends the same refund with the same key. What is refunded is
        the edit's difference, capped at what Shopify says the customer is owed now.
        """
        row = await self._store.get_edit(int(args["edit"]))
        if row is None or row.refund_state != "PENDING" or row.amount is None:
            return
        plan = dict(row.refund_plan or {})
        try:
            if "key" not in plan:
                balance = await self._editing.balance(row.shop, row.order_id)
                owed = min(-row.amount, -balance.outstanding)
                if owed <= 0:
                    await self._store.update_edit(replace(row, refund_state="NOTHING_OWED"))
                    return
                plan.update(
                    amount=str(owed),
                    currency=balance.currency,
                    to=None if plan.get("store_credit") else [list(p) for p in balance.payments],
                    key=f"cancel-button-edit-{row.shop}-{row.id}",
                )
                row = replace(row, refund_plan=plan)
                await self._store.update_edit(row)
            rejected = await self._editing.refund(
                row.shop,
                row.order_id,
                Decimal(plan["amount"]),
                str(plan["currency"]),
                key=str(plan["key"]),
                to=[(str(t), str(g)) for t, g in plan["to"]] if plan.get("to") else None,
                note="Order changed by the customer instead of cancelling.",
            )
        except ShopifyUnavailable:
            raise Retry(30.0) from None
        state = "REFUNDED" if rejected is None else "FAILED"
        if rejected is not None:
            logger.warning("refund for edit %s refused: %s", row.id, rejected.message)
        await self._store.update_edit(replace(row, refund_state=state))


async def _trigger(
    tx: Store,
    attempt: _Try,
    edit_id: int,
    policy: ShopPolicy,
    difference: Decimal | None,
    *,
    at: datetime,
) -> None:
    """The "edited" Flow trigger, deferred with the record of the edit (issue 14)."""
    assert attempt.kind is not None
    reason = policy.reason(attempt.reason) if attempt.reason else None
    facts = EditFacts(
        order_id=attempt.order_id,
        change=attempt.kind.value,
        reason_code=attempt.reason,
        reason_label=reason.label if reason else attempt.reason,
        difference=difference,
    )
    key = f"{attempt.order_id}:{edit_id}"
    await defer_trigger(tx, attempt.viewer.shop, FlowEvent.EDITED, key, facts, at=at)


def _field(name: str) -> tuple[FieldError, ...]:
    return (FieldError(name, FieldProblem.INVALID, "Please check this field."),)
