"""The edit use case: the cancel's path (fresh read, ownership, policy, single flight, Shopify,
record), changing the order instead of cancelling it.

Single flight per order, shared with the cancel: an edit takes the order's `EDIT_FLIGHT` mark
(a `claims` row that expires on its own if this process dies), then checks that no cancel of the
order is under way or done; a cancel takes its own claim and then checks for the mark. Of an
edit and a cancel racing on one order at least one sees the other and stops, so both never run.
Two edits of one order: the second finds the mark and is told to try again.

An address edit is idempotent at Shopify (orderUpdate overwrites the address), so a retry after
a lost answer or a crash sends the same address again and nothing is done twice.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.auth.viewer import Viewer
from backend.cancellation import STALE_FLIGHT, Cancellations, OrderView
from backend.edit.address import Address, FieldError, check_address
from backend.edit.policy import decide_edit
from backend.edit.rules import MADE_BY_THE_APP, EditType
from backend.edit.zones import destinations
from backend.orders import order_gid
from backend.shopify.client import ShopifyUnavailable
from backend.shopify.gateway import AdminGateway
from backend.store.base import EditAttempt, EditOutcome, FlightState, Store
from backend.store.edits import EDIT_FLIGHT

logger = logging.getLogger(__name__)


class EditBlock(enum.StrEnum):
    """Why an edit was refused: the cancel's policy codes, then the edit's own."""

    NOT_FOUND = "NOT_FOUND"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
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
    CANCEL_UNDER_WAY = "CANCEL_UNDER_WAY"  # the customer is cancelling this order
    EDIT_UNDER_WAY = "EDIT_UNDER_WAY"  # another edit of this order is running
    REJECTED_BY_SHOPIFY = "REJECTED_BY_SHOPIFY"
    TRY_AGAIN = "TRY_AGAIN"  # Shopify unreachable; nothing was changed


MESSAGES: dict[EditBlock, str] = {
    EditBlock.NOT_FOUND: "We couldn't find that order.",
    EditBlock.ALREADY_CANCELLED: "This order has been cancelled.",
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


@dataclass(frozen=True, slots=True)
class EditRequest:
    """One edit of one order: exactly one of the changes is given."""

    order_id: str
    reason: str | None = None  # the cancel reason that led here, for the merchant's insights
    address: Address | None = None

    def kinds(self) -> list[EditType]:
        return [EditType.ADDRESS] if self.address is not None else []


@dataclass(frozen=True, slots=True)
class Edited:
    kind: EditType
    view: OrderView


@dataclass(frozen=True, slots=True)
class EditRefused:
    code: EditBlock
    message: str
    field_errors: tuple[FieldError, ...] = ()


class Edits:
    def __init__(
        self,
        gateway: AdminGateway,
        store: Store,
        cancellations: Cancellations,
        *,
        clock: Callable[[], datetime],
        stale_flight: timedelta = STALE_FLIGHT,
    ) -> None:
        self._gateway = gateway
        self._store = store
        self._cancellations = cancellations
        self._clock = clock
        self._stale_flight = stale_flight

    async def edit(self, viewer: Viewer, request: EditRequest) -> Edited | EditRefused:
        gid = order_gid(request.order_id)
        kinds = request.kinds()
        kind = kinds[0] if len(kinds) == 1 else None
        reason = request.reason[:100] if request.reason else None

        async def refuse(
            code: EditBlock, errors: tuple[FieldError, ...] = (), message: str | None = None
        ) -> EditRefused:
            await self._record(viewer, gid or request.order_id[:100], kind, reason, code)
            return EditRefused(code=code, message=message or MESSAGES[code], field_errors=errors)

        if kind is None or kind not in MADE_BY_THE_APP:
            return await refuse(EditBlock.INVALID_INPUT)
        policy = await self._cancellations.policy(viewer.shop)
        if reason is not None and policy.reason(reason) is None:
            return await refuse(EditBlock.INVALID_REASON)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return await refuse(EditBlock.NOT_FOUND)
        assert request.address is not None  # the one kind made today

        try:
            order, tz, country, zones = await self._gateway.load_order_for_address_edit(
                viewer.shop, gid
            )
        except ShopifyUnavailable:
            return await refuse(EditBlock.TRY_AGAIN)
        if order is None or not self._cancellations.owns(viewer, order):
            return await refuse(EditBlock.NOT_FOUND)
        decision = decide_edit(order, policy, kind, self._clock(), tz)
        if decision.blocked_by is not None:
            return await refuse(EditBlock(decision.blocked_by.value))
        if country is None:
            return await refuse(EditBlock.NO_SHIPPING_ADDRESS)
        allowed = destinations(zones, country, country_change=policy.edits.country_change)
        address, errors = check_address(request.address, country, allowed)
        if errors:
            return await refuse(EditBlock.INVALID_ADDRESS, tuple(errors))

        now = self._clock()
        if not await self._store.claim_once(
            viewer.shop, EDIT_FLIGHT, gid, ttl=self._stale_flight, at=now
        ):
            return await refuse(EditBlock.EDIT_UNDER_WAY)
        try:
            cancel = await self._store.get_cancellation(viewer.shop, gid)
            if cancel is not None and cancel.state is not FlightState.REJECTED:
                cancelled = cancel.state is FlightState.CANCELLED
                return await refuse(
                    EditBlock.ALREADY_CANCELLED if cancelled else EditBlock.CANCEL_UNDER_WAY
                )
            try:
                rejected = await self._gateway.update_shipping_address(
                    viewer.shop, gid, address.as_input()
                )
            except ShopifyUnavailable:
                # Perhaps it ran: a retry sends the same address, which changes nothing twice.
                return await refuse(EditBlock.TRY_AGAIN)
            if rejected is not None:
                logger.info("Shopify refused the address of %s: %s", gid, rejected.message)
                return await refuse(EditBlock.REJECTED_BY_SHOPIFY)
            await self._record(viewer, gid, kind, reason, None)
        finally:
            await self._store.drop_claim(viewer.shop, EDIT_FLIGHT, gid)
        view = await self._cancellations.view_of(viewer.shop, order, policy, tz)
        return Edited(kind=kind, view=view)

    async def _record(
        self,
        viewer: Viewer,
        order_id: str,
        kind: EditType | None,
        reason: str | None,
        block: EditBlock | None,
    ) -> None:
        outcome = EditOutcome.EDITED if block is None else _OUTCOMES.get(block, EditOutcome.REFUSED)
        await self._store.record_edit(
            EditAttempt(
                shop=viewer.shop,
                order_id=order_id,
                customer_id=viewer.customer_id,
                kind=str(kind) if kind else "NONE",
                reason_code=reason,
                outcome=outcome,
                at=self._clock(),
                block=None if block is None else block.value,
            )
        )
