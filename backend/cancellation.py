"""The use case: load the order, check who owns it, decide, cancel once, record.

Every path through `cancel` records one `Attempt`. The single flight rests on the store's
atomic `claim`: whoever claims an order calls Shopify; everyone else, in this process or
another, waits for that flight to settle and answers with its outcome.
"""

from __future__ import annotations

import asyncio
import enum
import hmac
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from backend.approvals.flow import FlowEvent, FlowFacts, defer_trigger
from backend.auth.viewer import Viewer
from backend.edit.policy import editable_kinds
from backend.edit.rules import MADE_BY_THE_APP, EditType
from backend.events.mirror import OrderMirror
from backend.fees import FeeQuote, quote, rule_of
from backend.jobs import Retry
from backend.orders import OrderSnapshot, order_gid
from backend.policy import (
    CancelBlock,
    CancelReason,
    Decision,
    ShopPolicy,
    decide,
    needs_approval,
)
from backend.refunds.gateway import OrderLines, RefundGateway
from backend.refunds.inputs import refund_input
from backend.refunds.refunding import Refunds
from backend.shopify.client import AmbiguousOutcome, ShopifyUnavailable
from backend.shopify.gateway import AdminGateway, CancelAccepted, staff_note
from backend.store.base import (
    OPEN_REQUEST_STATES,
    Attempt,
    CancellationRecord,
    CancelRequest,
    FlightState,
    Job,
    Outcome,
    RefundKind,
    RefundRecord,
    RequestState,
    Store,
)
from backend.store.codec import decode_attempt_json
from backend.store.edits import EDIT_FLIGHT

if TYPE_CHECKING:
    from backend.approvals.approving import Approvals

logger = logging.getLogger(__name__)

NOTE_LIMIT = 500
CONFIRM = "confirm_cancel"  # the job that waits for Shopify's cancel job
CONFIRM_FIRST = 0.25  # seconds before the first look, doubling after
CONFIRM_POLLS = 9
# A flight not settled after this long belongs to a process that died mid-flight.
STALE_FLIGHT = timedelta(minutes=2)

MESSAGES: dict[CancelBlock, str] = {
    CancelBlock.NOT_FOUND: "We couldn't find that order.",
    CancelBlock.ALREADY_CANCELLED: "This order has already been cancelled.",
    CancelBlock.WINDOW_CLOSED: "The time to cancel this order online has passed.",
    CancelBlock.CUTOFF_PASSED: "This order is already being prepared for today's dispatch.",
    CancelBlock.FULFILLMENT_STARTED: "Your order is already being packed or has shipped.",
    CancelBlock.EXCLUDED_PRODUCT: "This order contains an item that can't be cancelled online.",
    CancelBlock.EXCLUDED_ORDER: "This order can't be cancelled online.",
    CancelBlock.PAYMENT_STATE: "This order's payment can't be cancelled online.",
    CancelBlock.RISK_REVIEW: "This order is being reviewed by the shop; please contact them.",
    CancelBlock.INVALID_REASON: "Please choose one of the reasons offered.",
    CancelBlock.INVALID_NOTE: f"The note can be at most {NOTE_LIMIT} characters.",
    CancelBlock.DISABLED: "This shop doesn't offer online cancellation.",
    CancelBlock.PARTIAL_NOT_OFFERED: (
        "This shop doesn't offer cancelling single items; you can cancel the whole order."
    ),
    CancelBlock.INVALID_LINE_ITEMS: "Please choose items and quantities from this order.",
    CancelBlock.REJECTED_BY_SHOPIFY: "The shop couldn't cancel this order; please contact them.",
    CancelBlock.TRY_AGAIN: (
        "We couldn't reach the shop just now. Nothing was changed; please try again."
    ),
    CancelBlock.AWAITING_APPROVAL: "You asked to cancel this order; the shop will confirm.",
    CancelBlock.DECLINED_BY_SHOP: "The shop declined your request to cancel this order.",
    CancelBlock.NO_REQUEST: "There is no request to cancel this order waiting for the shop.",
}


EDIT_UNDER_WAY = "This order is being changed just now. Nothing was cancelled; please try again."

_OUTCOMES = {
    CancelBlock.REJECTED_BY_SHOPIFY: Outcome.REJECTED,
    CancelBlock.TRY_AGAIN: Outcome.FAILED,
}


class CancellationStatus(enum.StrEnum):
    NONE = "NONE"
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    REQUESTED = "REQUESTED"  # the shop approves cancellations first; a request is waiting


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as its owner may see it: the snapshot, the decision and our own record."""

    order: OrderSnapshot
    decision: Decision
    status: CancellationStatus
    reasons: tuple[CancelReason, ...]
    partial_cancel: bool = False  # the shop offers cancelling some items (issue 11)
    # What the customer may change instead (issue 13), and the decision for edits in general.
    edit_kinds: tuple[EditType, ...] = ()
    edit_decision: Decision | None = None
    country_change: bool = False
    # The customer's request to cancel, where the shop approves first (issue 14).
    request: CancelRequest | None = None

    @property
    def declined(self) -> bool:
        return self.request is not None and self.request.state is RequestState.DECLINED

    @property
    def cancellable(self) -> bool:
        return (
            self.status is CancellationStatus.NONE
            and not self.declined
            and self.decision.cancellable
        )

    @property
    def blocked_by(self) -> CancelBlock | None:
        if self.status is CancellationStatus.REQUESTED:
            return CancelBlock.AWAITING_APPROVAL
        if self.status is not CancellationStatus.NONE:
            return CancelBlock.ALREADY_CANCELLED
        if self.declined:
            return CancelBlock.DECLINED_BY_SHOP
        return self.decision.blocked_by


@dataclass(frozen=True, slots=True)
class Cancelled:
    view: OrderView


@dataclass(frozen=True, slots=True)
class Requested:
    """The shop approves first: the customer's cancel is now (or already was) a request."""

    view: OrderView
    request: CancelRequest


@dataclass(frozen=True, slots=True)
class Refused:
    code: CancelBlock
    message: str


def refused(code: CancelBlock, message: str | None = None) -> Refused:
    return Refused(code=code, message=message or MESSAGES[code])


def clean_note(note: str | None) -> str | None:
    """The note without control characters and surrounding space; None when nothing is left."""
    if note is None:
        return None
    text = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in note).strip()
    return text or None


class Cancellations:
    def __init__(
        self,
        gateway: AdminGateway,
        store: Store,
        mirror: OrderMirror,
        *,
        clock: Callable[[], datetime],
        wake_jobs: Callable[[], None] = lambda: None,
        flight_wait: float = 15.0,
        stale_flight: timedelta = STALE_FLIGHT,
        guest_window: timedelta = timedelta(minutes=30),
        poll_interval: float = 0.02,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
        refunds: Refunds | None = None,
        lines: RefundGateway | None = None,
    ) -> None:
        self._gateway = gateway
        # The cancellation fee (issue 11): with a fee, the cancel refunds nothing and one
        # refundCreate gives back everything but the fee.
        self._refunds = refunds
        self._lines = lines
        self._store = store
        self._clock = clock
        self._mirror = mirror
        self._wake_jobs = wake_jobs
        self._flight_wait = flight_wait
        self._stale_flight = stale_flight
        self._guest_window = guest_window
        self._poll_interval = poll_interval
        self._sleep = sleep
        # Set when the services are built: where a cancel becomes a request (issue 14).
        self.approvals: Approvals | None = None

    async def policy(self, shop: str) -> ShopPolicy:
        return await self._store.get_policy(shop) or ShopPolicy()

    def owns(self, viewer: Viewer, order: OrderSnapshot) -> bool:
        """Whether `viewer` may see and cancel `order`.

        A signed-in customer owns their orders. A guest owns only the order whose id and
        confirmation number they present together, and only shortly after checkout.
        """
        if viewer.customer_id is not None:
            return order.customer_id == viewer.customer_id
        guest = viewer.guest_order
        if guest is None or guest.order_id != order.id or not order.confirmation_number:
            return False
        proven = hmac.compare_digest(
            guest.confirmation_number.strip().upper().encode(),
            order.confirmation_number.strip().upper().encode(),
        )
        return proven and self._clock() - order.created_at <= self._guest_window

    # Reads ---------------------------------------------------------------------------------

    async def view(self, viewer: Viewer, raw_id: str) -> OrderView | None:
        gid = order_gid(raw_id)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return None
        orders, tz = await self._mirror.read(viewer.shop, [gid])
        order = orders.get(gid)
        if order is None or not self.owns(viewer, order):
            return None
        policy = await self.policy(viewer.shop)
        record = await self._store.get_cancellation(viewer.shop, gid)
        request = await self._store.get_request(viewer.shop, gid)
        return await self._view(viewer.shop, order, policy, tz, record, request)

    async def views(self, viewer: Viewer, raw_ids: Sequence[str]) -> list[OrderView]:
        """The viewer's own orders among `raw_ids`, in the order asked: from the mirror, and at
        most one Admin request for what it cannot answer."""
        gids = list(dict.fromkeys(gid for gid in map(order_gid, raw_ids) if gid))
        if not gids or (viewer.customer_id is None and viewer.guest_order is None):
            return []
        orders, tz = await self._mirror.read(viewer.shop, gids)
        mine = [orders[gid] for gid in gids if gid in orders and self.owns(viewer, orders[gid])]
        policy = await self.policy(viewer.shop)
        ids = [order.id for order in mine]
        records = await self._store.get_cancellations(viewer.shop, ids)
        requests = await self._store.get_requests(viewer.shop, ids)
        return [
            await self._view(
                viewer.shop, order, policy, tz, records.get(order.id), requests.get(order.id)
            )
            for order in mine
        ]

    async def _view(
        self,
        shop: str,
        order: OrderSnapshot,
        policy: ShopPolicy,
        tz: ZoneInfo,
        record: CancellationRecord | None,
        request: CancelRequest | None = None,
    ) -> OrderView:
        status = CancellationStatus.NONE
        if order.cancelled_at is not None:
            status = CancellationStatus.CANCELLED
            if record is not None and record.state is FlightState.PENDING:
                # Shopify finished the job; the read is as good a confirmation as the webhook.
                await self._store.settle(
                    shop, order.id, FlightState.CANCELLED, at=self._clock(), job_id=record.job_id
                )
            elif record is not None:
                await self._claim_if_ours(record, order)
        elif record is not None and record.state is FlightState.CANCELLED:
            # Our record is newer than the order this answer was read from (the mirror's, or a
            # read that raced the webhook): a cancelled order never shows as cancellable again.
            status = CancellationStatus.CANCELLED
        elif record is not None and record.state in (FlightState.IN_FLIGHT, FlightState.PENDING):
            status = CancellationStatus.PENDING
        elif request is not None and request.state in OPEN_REQUEST_STATES:
            status = CancellationStatus.REQUESTED
        kinds, edit_decision = editable_kinds(order, policy, self._clock(), tz, MADE_BY_THE_APP)
        if status is not CancellationStatus.NONE:
            # Nothing to change on an order that is cancelled, being cancelled, or that the
            # customer asked the shop to cancel (until the shop answers or they withdraw).
            kinds = []
            block = (
                CancelBlock.AWAITING_APPROVAL
                if status is CancellationStatus.REQUESTED
                else CancelBlock.ALREADY_CANCELLED
            )
            edit_decision = Decision(block, edit_decision.deadline)
        return OrderView(
            order=order,
            decision=decide(order, policy, self._clock(), tz),
            status=status,
            reasons=policy.reasons,
            # Where the shop approves cancellations first, only the whole order may be asked for.
            partial_cancel=policy.partial_cancel and not needs_approval(order, policy),
            edit_kinds=tuple(kinds),
            edit_decision=edit_decision,
            country_change=policy.edits.country_change,
            request=request,
        )

    async def view_of(
        self, shop: str, order: OrderSnapshot, policy: ShopPolicy, tz: ZoneInfo
    ) -> OrderView:
        """The view of an order just read fresh (after an edit), with our record of it."""
        record = await self._store.get_cancellation(shop, order.id)
        return await self._view(shop, order, policy, tz, record)

    async def _claim_if_ours(self, record: CancellationRecord, order: OrderSnapshot) -> bool:
        """Whether the order, cancelled, carries the staff note `record` sent; if so, settle.

        Two ways we can hold a record of a cancel that happened without hearing so. REJECTED:
        Shopify refuses a cancel while its own job for an earlier one still runs, so when that
        earlier answer was lost and the job outlasted our re-read we recorded a refusal.
        IN_FLIGHT: the process that sent orderCancel died before it heard the answer. The note
        on the order's cancellation is the one we sent: the cancel was ours, and counts so.
        """
        if (
            record.state not in (FlightState.REJECTED, FlightState.IN_FLIGHT)
            or order.cancelled_at is None
            or not record.staff_note
            or order.cancellation_note != record.staff_note
        ):
            return False
        now = self._clock()
        if await self._store.settle(
            record.shop, order.id, FlightState.CANCELLED, at=now, only_from=record.state
        ):
            await self._store.record_attempt(
                Attempt(
                    shop=record.shop,
                    order_id=order.id,
                    customer_id=record.customer_id,
                    reason_code=record.reason_code,
                    note=record.note,
                    outcome=Outcome.CANCELLED,
                    at=now,
                )
            )
            logger.info("cancel of %s on %s was ours after all", order.id, record.shop)
        return True

    async def reconcile(self, shop: str, gid: str, otherwise: Attempt) -> None:
        """After `orders/cancelled` for an order we left REJECTED: read it fresh, and settle the
        record if the cancel was ours after all, else record `otherwise` (cancelled elsewhere).
        """
        record = await self._store.get_cancellation(shop, gid)
        if record is None or record.state is not FlightState.REJECTED:
            return
        try:
            order, _ = await self._gateway.load_order(shop, gid)
        except ShopifyUnavailable:
            logger.warning("could not read %s on %s to tell whose cancel it was", gid, shop)
            order = None
        if order is None or not await self._claim_if_ours(record, order):
            await self._store.record_attempt(otherwise)

    # The cancel ----------------------------------------------------------------------------

    def _recorder(
        self, shop: str, order_id: str, customer_id: str | None, reason_code: str, note: str | None
    ) -> tuple[
        Callable[..., Coroutine[Any, Any, None]], Callable[..., Coroutine[Any, Any, Refused]]
    ]:
        """`record(outcome, block)` keeps an attempt; `refuse(code, message)` keeps and says no."""

        async def record(outcome: Outcome, block: CancelBlock | None = None) -> None:
            await self._store.record_attempt(
                Attempt(
                    shop=shop,
                    order_id=order_id,
                    customer_id=customer_id,
                    reason_code=reason_code[:100],
                    note=note,
                    outcome=outcome,
                    at=self._clock(),
                    block=block,
                )
            )

        async def refuse(code: CancelBlock, message: str | None = None) -> Refused:
            await record(_OUTCOMES.get(code, Outcome.REFUSED), code)
            return refused(code, message)

        return record, refuse

    async def cancel(
        self, viewer: Viewer, raw_id: str, reason_code: str, note: str | None
    ) -> Cancelled | Requested | Refused:
        gid = order_gid(raw_id)
        note = clean_note(note)
        record, refuse = self._recorder(
            viewer.shop, gid or raw_id[:100], viewer.customer_id, reason_code, note
        )

        policy = await self.policy(viewer.shop)
        reason = policy.reason(reason_code)
        if reason is None:
            return await refuse(CancelBlock.INVALID_REASON)
        if note is not None and len(note) > NOTE_LIMIT:
            return await refuse(CancelBlock.INVALID_NOTE)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return await refuse(CancelBlock.NOT_FOUND)

        try:
            order, tz = await self._gateway.load_order(viewer.shop, gid)
        except ShopifyUnavailable:
            return await refuse(CancelBlock.TRY_AGAIN)
        if order is None or not self.owns(viewer, order):
            return await refuse(CancelBlock.NOT_FOUND)

        request = await self._store.get_request(viewer.shop, gid)
        if request is not None and request.state in OPEN_REQUEST_STATES:
            await record(Outcome.DUPLICATE)  # asked already: the same request stands
            return await self._requested(order, policy, tz, request)
        if request is not None and request.state is RequestState.DECLINED:
            return await refuse(CancelBlock.DECLINED_BY_SHOP, request.message)
        decision = decide(order, policy, self._clock(), tz)
        if decision.cancellable and self.approvals is not None and needs_approval(order, policy):
            if await self._store.get_cancellation(viewer.shop, gid) is None:
                opened = await self.approvals.open(
                    viewer.shop, order, viewer.customer_id, reason, note, policy, decision.deadline
                )
                await record(Outcome.REQUESTED)
                return await self._requested(order, policy, tz, opened)
        return await self._decide_and_fly(
            viewer.shop, viewer.customer_id, order, tz, policy, reason, note, decision
        )

    async def carry_out(self, request: CancelRequest) -> Cancelled | Refused:
        """Cancel as the shop approved `request`: the instant cancel's fresh read, policy and
        single flight, with the window and cutoff judged as of the request's time (the customer
        asked in time) and everything else (fulfilment above all) as of now."""
        shop, gid = request.shop, request.order_id
        record, refuse = self._recorder(
            shop, gid, request.customer_id, request.reason_code, request.note
        )
        policy = await self.policy(shop)
        reason = policy.reason(request.reason_code) or CancelReason(
            request.reason_code, request.reason_code
        )
        try:
            order, tz = await self._gateway.load_order(shop, gid)
        except ShopifyUnavailable:
            return await refuse(CancelBlock.TRY_AGAIN)
        if order is None:
            return await refuse(CancelBlock.NOT_FOUND)
        decision = decide(order, policy, request.requested_at, tz)
        return await self._decide_and_fly(
            shop, request.customer_id, order, tz, policy, reason, request.note, decision
        )

    async def _requested(
        self, order: OrderSnapshot, policy: ShopPolicy, tz: ZoneInfo, request: CancelRequest
    ) -> Requested:
        view = await self._view(request.shop, order, policy, tz, None, request)
        return Requested(view=view, request=request)

    async def _decide_and_fly(
        self,
        shop: str,
        customer_id: str | None,
        order: OrderSnapshot,
        tz: ZoneInfo,
        policy: ShopPolicy,
        reason: CancelReason,
        note: str | None,
        decision: Decision,
    ) -> Cancelled | Refused:
        """Steps 5 to 7 of the cancel: single flight, orderCancel, record."""
        gid = order.id
        record, refuse = self._recorder(shop, gid, customer_id, reason.code, note)
        if not decision.cancellable:
            # Perhaps because we cancelled it: a repeat gets the first outcome.
            existing = await self._store.get_cancellation(shop, gid)
            if existing is None:
                assert decision.blocked_by is not None
                return await refuse(decision.blocked_by)
            if existing.state is not FlightState.IN_FLIGHT:
                await record(Outcome.DUPLICATE)
                return await self._outcome(existing, order, policy, tz)
            dead = existing.updated_at < self._clock() - self._stale_flight
            if dead and await self._claim_if_ours(existing, order):
                # That flight's cancel went through; its process died before it could say so.
                # (A live flight records its own outcome: it is waited for below.)
                await record(Outcome.DUPLICATE)
                ours = replace(existing, state=FlightState.CANCELLED, updated_at=self._clock())
                return await self._outcome(ours, order, policy, tz)
            # A flight is under way (or died): wait for it, or take it over, below.

        now = self._clock()
        claim = CancellationRecord(
            shop=shop,
            order_id=gid,
            customer_id=customer_id,
            state=FlightState.IN_FLIGHT,
            reason_code=reason.code,
            note=note,
            created_at=now,
            updated_at=now,
            staff_note=staff_note(reason.label, note, policy.staff_note_format, reason.code),
        )
        holder = await self._store.claim(claim, stale_before=now - self._stale_flight)
        if holder is not None:
            await record(Outcome.DUPLICATE)
            settled = (
                holder
                if holder.state is not FlightState.IN_FLIGHT
                else await self._wait_for(shop, gid)
            )
            if settled is None:
                return refused(CancelBlock.TRY_AGAIN)
            return await self._outcome(settled, order, policy, tz)
        if not decision.cancellable:
            # We took over a dead flight, and the order can no longer be cancelled.
            await self._store.release(shop, gid)
            assert decision.blocked_by is not None
            return await refuse(decision.blocked_by)
        if await self._store.claimed(shop, EDIT_FLIGHT, gid, at=self._clock()):
            # The customer is changing the order this very moment (issue 13): the edit checks
            # for our claim after taking its own, so of the two at least one stops.
            await self._store.release(shop, gid)
            return await refuse(CancelBlock.TRY_AGAIN, EDIT_UNDER_WAY)
        return await self._fly(claim, order, policy, tz, record, refuse)

    async def _fly(
        self,
        claim: CancellationRecord,
        order: OrderSnapshot,
        policy: ShopPolicy,
        tz: ZoneInfo,
        record: Callable[..., Coroutine[Any, Any, None]],
        refuse: Callable[..., Coroutine[Any, Any, Refused]],
    ) -> Cancelled | Refused:
        shop = claim.shop
        assert claim.staff_note is not None
        fee_refund: RefundRecord | None = None
        try:
            fee = await self._fee(shop, order.id, policy)
            if fee is not None and self._refunds is not None:
                fee_refund = await self._claim_fee_refund(claim, fee, policy)
            result = await self._gateway.cancel_order(
                shop, order.id, policy, claim.staff_note, refund=fee is None
            )
        except ShopifyUnavailable as error:
            # Nothing is known to have happened: free the order so a retry can cancel it. If
            # Shopify did run it, the retry's fresh read or Shopify's own refusal will tell.
            await self._store.release(shop, order.id)
            if isinstance(fee_refund, RefundRecord) and not isinstance(error, AmbiguousOutcome):
                # orderCancel surely did not run: neither may its refund. (After an ambiguous
                # failure the refund's job decides, by whether the order is cancelled.)
                assert self._refunds is not None
                await self._refunds.abandon(fee_refund, "the cancel did not run")
            return await refuse(CancelBlock.TRY_AGAIN)
        except BaseException:
            await self._store.release(shop, order.id)
            raise
        now = self._clock()
        if isinstance(result, CancelAccepted) and isinstance(fee_refund, RefundRecord):
            assert self._refunds is not None
            await self._refunds.send(fee_refund)
            now = self._clock()
        if isinstance(result, CancelAccepted):
            state = FlightState.CANCELLED if result.done else FlightState.PENDING
            async with self._store.transaction() as tx:
                await tx.settle(shop, order.id, state, at=now, job_id=result.job_id)
                if state is FlightState.PENDING and result.job_id:
                    # Durable: a restart between here and Shopify's job finishing loses nothing.
                    confirm = {"shop": shop, "order_id": order.id, "job_id": result.job_id}
                    later = now + timedelta(seconds=CONFIRM_FIRST)
                    await tx.defer_job(Job(CONFIRM, confirm, run_at=later), at=now)
                reason = policy.reason(claim.reason_code)
                # In the shop's money, as Flow shows it: the fee kept comes off the refund.
                kept = fee_refund.fee_shop if isinstance(fee_refund, RefundRecord) else None
                refund = order.total
                if refund is not None and kept is not None:
                    refund -= kept
                facts = FlowFacts(
                    order_id=order.id,
                    reason_code=claim.reason_code,
                    reason_label=reason.label if reason else claim.reason_code,
                    note=claim.note,
                    refund=refund,
                    fee=kept,
                )
                await defer_trigger(tx, shop, FlowEvent.CANCELLED, order.id, facts, at=now)
            self._wake_jobs()
            await record(Outcome(state.value))
            settled = replace(claim, state=state, job_id=result.job_id, updated_at=now)
            return await self._outcome(settled, order, policy, tz)
        fresh = await self._cancelled_meanwhile(shop, order.id)
        if isinstance(fee_refund, RefundRecord) and self._refunds is not None:
            # Cancelled meanwhile (our earlier cancel, its answer lost): refund all but the fee.
            # Refused for good: nothing is to be refunded.
            if fresh is not None:
                await self._refunds.send(fee_refund)
            else:
                await self._refunds.abandon(fee_refund, result.message)
        if fresh is not None:
            now = self._clock()
            await self._store.settle(shop, order.id, FlightState.CANCELLED, at=now)
            await record(Outcome.CANCELLED)
            settled = replace(claim, state=FlightState.CANCELLED, updated_at=now)
            return await self._outcome(settled, fresh, policy, tz)
        await self._store.settle(
            shop, order.id, FlightState.REJECTED, at=now, message=result.message
        )
        logger.info("Shopify refused to cancel %s on %s: %s", order.id, shop, result.message)
        return await refuse(CancelBlock.REJECTED_BY_SHOPIFY)

    async def _claim_fee_refund(
        self,
        claim: CancellationRecord,
        fee: tuple[OrderLines, FeeQuote],
        policy: ShopPolicy,
    ) -> RefundRecord:
        """The fee's refund, recorded (with its job) before orderCancel is sent: if the cancel
        runs and its answer is lost, the job refunds all but the fee once the order shows
        cancelled; if it never ran, the job abandons the refund.

        A fee refund still in flight is an earlier cancel's whose outcome we never heard (we
        hold the order's cancel flight, so no other is running). It is abandoned for this one
        while its job is far from due: if that cancel did run, Shopify refuses ours as already
        cancelled, `_cancelled_meanwhile` sees it, and this refund is the one sent."""
        assert self._refunds is not None and claim.staff_note is not None
        read, shown = fee
        for _ in range(2):
            found = await self._refunds.claim(
                shop=claim.shop,
                order_id=claim.order_id,
                kind=RefundKind.CANCEL_FEE,
                customer_id=claim.customer_id,
                lines=(),
                amount=shown.refund.presentment,
                fee=shown.fee.presentment,
                fee_shop=shown.fee.shop,
                currency=read.presentment_currency,
                refund_input=refund_input(
                    read, {}, shown.refund.presentment, policy, claim.staff_note
                ),
            )
            if isinstance(found, RefundRecord):
                return found
            holder = found.holder
            young = holder.updated_at > self._clock() - self._stale_flight / 2
            if holder.kind is not RefundKind.CANCEL_FEE or not young:
                break
            await self._refunds.abandon(holder, "superseded by a new cancel of the order")
        raise ShopifyUnavailable("another refund of the order is under way")

    async def _fee(
        self, shop: str, gid: str, policy: ShopPolicy
    ) -> tuple[OrderLines, FeeQuote] | None:
        """The order's money and the fee to keep, when the shop has a fee and it applies (not
        for EU/EEA addresses nor orders only authorised). One more Admin read, only then."""
        if self._lines is None or not rule_of(policy).active:
            return None
        read = await self._lines.load_lines(shop, gid)
        if read is None:
            return None
        shown = quote(
            rule_of(policy),
            read.net_payment,
            read.shop_currency,
            read.presentment_currency,
            shipping_country=read.shipping_country,
            financial_status=read.order.financial_status,
        )
        return (read, shown) if shown.fee.shop > 0 else None

    async def _cancelled_meanwhile(self, shop: str, gid: str) -> OrderSnapshot | None:
        """The order, if Shopify turns out to be cancelling it already.

        Shopify refuses an order whose cancel job is still running. After an earlier attempt
        failed ambiguously (the mutation ran, the answer was lost), that job is ours: give it
        the few seconds such jobs take before calling the refusal final.
        """
        for delay in (0.0, 0.25, 0.5, 1.0):
            await self._sleep(delay)
            try:
                fresh, _ = await self._gateway.load_order(shop, gid)
            except ShopifyUnavailable:
                continue
            if fresh is not None and fresh.cancelled_at is not None:
                return fresh
        return None

    async def _outcome(
        self,
        record: CancellationRecord,
        order: OrderSnapshot,
        policy: ShopPolicy,
        tz: ZoneInfo,
    ) -> Cancelled | Refused:
        if record.state is FlightState.REJECTED:
            return refused(CancelBlock.REJECTED_BY_SHOPIFY)
        return Cancelled(await self._view(record.shop, order, policy, tz, record))

    async def _wait_for(self, shop: str, gid: str) -> CancellationRecord | None:
        """The flight's record once it settles; None if it was released or never settles."""
        waited = 0.0
        interval = self._poll_interval
        while waited < self._flight_wait:
            await self._sleep(interval)
            waited += interval
            current = await self._store.get_cancellation(shop, gid)
            if current is None:
                return None
            if current.state is not FlightState.IN_FLIGHT:
                return current
            interval = min(interval * 1.5, 0.25)
        return None

    async def confirm(self, args: dict[str, Any]) -> None:
        """`confirm_cancel`: is Shopify's cancel job done? Then the record is CANCELLED.

        Asked again after 0.25, 0.5, 1 … 8 s (about a minute in all); after that the
        `orders/cancelled` webhook will tell.
        """
        shop, gid, job_id = str(args["shop"]), str(args["order_id"]), str(args["job_id"])
        polls = int(args.get("polls", 0))
        try:
            done = await self._gateway.job_done(shop, job_id)
        except ShopifyUnavailable:
            done = False
        if done:
            await self._store.settle(
                shop, gid, FlightState.CANCELLED, at=self._clock(), job_id=job_id
            )
            return
        if polls + 1 >= CONFIRM_POLLS:
            logger.warning(
                "cancel job %s for %s on %s not done yet; the webhook will tell", job_id, gid, shop
            )
            return
        raise Retry(min(CONFIRM_FIRST * 2 ** (polls + 1), 8.0), {**args, "polls": polls + 1})

    async def reconcile_job(self, args: dict[str, Any]) -> None:
        """`reconcile_cancel`: see `reconcile`."""
        otherwise = decode_attempt_json(args["otherwise"])
        await self.reconcile(otherwise.shop, otherwise.order_id, otherwise)
