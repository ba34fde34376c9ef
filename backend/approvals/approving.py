"""A customer's request to cancel, and the shop's answer.

With approval mode on (`ShopPolicy.approval`), a customer's cancel that the rules allow becomes
a request (`open`). The request holds its place: approving (`approve`) runs the instant cancel's
fresh read, policy and single flight (`Cancellations.carry_out`), with the window and cutoff
judged as of the request's time and fulfilment as of the approval.

Every step is one conditional UPDATE on the request's row (`Store.move_request`):

    REQUESTED --approve--> APPROVING --cancel accepted--> APPROVED
        |                      |--rules or Shopify say no--> DECLINED (block says why)
        |                      '--Shopify unreachable--> REQUESTED (try again)
        |--decline (merchant; fulfilment started; cancelled elsewhere)--> DECLINED
        '--withdraw (customer)--> WITHDRAWN (they may ask again)

so an approval and a withdrawal racing each other: one moves the row, the other finds it moved
and says so. Each move defers its Flow trigger in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from backend.approvals.flow import FlowEvent, FlowFacts, defer_trigger
from backend.auth.viewer import Viewer
from backend.cancellation import (
    MESSAGES,
    Cancellations,
    OrderView,
    Refused,
    clean_note,
    refused,
)
from backend.jobs import Retry
from backend.orders import OrderSnapshot
from backend.policy import CancelBlock, CancelReason, ShopPolicy, fulfillment_started
from backend.store.base import (
    CancelRequest,
    Job,
    RequestKind,
    RequestState,
    Store,
)
from backend.store.codec import decode_datetime, encode_datetime

logger = logging.getLogger(__name__)

AUTO_APPROVE = "auto_approve_request"
# An approval still under way after this long belongs to a process that died mid-way.
STALE_APPROVAL = timedelta(minutes=2)
MESSAGE_LIMIT = 500

MERCHANT = "MERCHANT"
AUTO = "AUTO"
CUSTOMER = "CUSTOMER"


@dataclass(frozen=True, slots=True)
class Answered:
    """The shop's answer went through: the request is now `request.state`."""

    request: CancelRequest


@dataclass(frozen=True, slots=True)
class Withdrawn:
    view: OrderView


class Approvals:
    def __init__(
        self,
        cancellations: Cancellations,
        store: Store,
        *,
        clock: Callable[[], datetime],
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._cancellations = cancellations
        self._store = store
        self._clock = clock
        self._wake = wake_jobs

    # The customer ------------------------------------------------------------------------------

    async def open(
        self,
        shop: str,
        order: OrderSnapshot,
        customer_id: str | None,
        reason: CancelReason,
        note: str | None,
        policy: ShopPolicy,
        deadline: datetime | None = None,
    ) -> CancelRequest:
        """File the customer's request (or find the one there): its timer and its Flow trigger
        go with it, in one transaction."""
        now = self._clock()
        request = CancelRequest(
            shop=shop,
            order_id=order.id,
            order_name=order.name,
            customer_id=customer_id,
            kind=RequestKind.CANCEL,
            state=RequestState.REQUESTED,
            reason_code=reason.code,
            note=note,
            requested_at=now,
            updated_at=now,
            total=None if order.total is None else str(order.total),
            currency=order.currency,
            deadline=deadline,
        )
        async with self._store.transaction() as tx:
            there = await tx.open_request(request)
            if there is None:
                if policy.auto_approve_minutes is not None:
                    when = now + timedelta(minutes=policy.auto_approve_minutes)
                    args = {
                        "shop": shop,
                        "order_id": order.id,
                        "requested_at": encode_datetime(now),
                    }
                    await tx.defer_job(
                        Job(
                            AUTO_APPROVE,
                            args,
                            run_at=when,
                            queueing_lock=f"{AUTO_APPROVE}:{shop}:{order.id}:{args['requested_at']}",
                        ),
                        at=now,
                    )
                await self._trigger(tx, FlowEvent.REQUESTED, request, policy, at=now)
        self._wake()
        return there or request

    async def withdraw(self, viewer: Viewer, raw_id: str) -> Withdrawn | Refused:
        """The customer takes their request back, if the shop has not answered it yet."""
        view = await self._cancellations.view(viewer, raw_id)
        if view is None:
            return refused(CancelBlock.NOT_FOUND)
        gid, now = view.order.id, self._clock()
        request = view.request
        if request is None:
            return refused(CancelBlock.NO_REQUEST)
        async with self._store.transaction() as tx:
            moved = await tx.move_request(
                viewer.shop,
                gid,
                RequestState.WITHDRAWN,
                only_from=RequestState.REQUESTED,
                at=now,
                decided_by=CUSTOMER,
            )
            if moved:
                policy = await tx.get_policy(viewer.shop) or ShopPolicy()
                await self._trigger(tx, FlowEvent.WITHDRAWN, request, policy, at=now)
        self._wake()
        if not moved:
            current = await self._store.get_request(viewer.shop, gid)
            state = current.state if current else None
            if state is RequestState.WITHDRAWN:
                pass  # withdrawn already: the same answer again
            elif state in (RequestState.APPROVING, RequestState.APPROVED):
                return refused(CancelBlock.ALREADY_CANCELLED)
            elif state is RequestState.DECLINED:
                assert current is not None
                return refused(CancelBlock.DECLINED_BY_SHOP, current.message)
            else:
                return refused(CancelBlock.NO_REQUEST)
        fresh = await self._cancellations.view(viewer, raw_id)
        assert fresh is not None
        return Withdrawn(fresh)

    # The shop ----------------------------------------------------------------------------------

    async def approve(self, shop: str, order_id: str, *, by: str = MERCHANT) -> Answered | Refused:
        """Cancel as requested: the request moves to APPROVING (so it can no longer be
        withdrawn), then the cancel runs; its outcome settles the request."""
        now = self._clock()
        moved = await self._store.move_request(
            shop,
            order_id,
            RequestState.APPROVING,
            only_from=RequestState.REQUESTED,
            at=now,
            decided_by=by,
        )
        # An approval whose process died mid-way: take it over (the cancel's single flight
        # makes running it again safe: a cancel that went through is found, not repeated).
        moved = moved or await self._store.move_request(
            shop,
            order_id,
            RequestState.APPROVING,
            only_from=RequestState.APPROVING,
            at=now,
            decided_by=by,
            stale_before=now - STALE_APPROVAL,
        )
        if not moved:
            return await self._not_waiting(shop, order_id)
        request = await self._store.get_request(shop, order_id)
        assert request is not None
        outcome = await self._cancellations.carry_out(request)
        now = self._clock()
        policy = await self._cancellations.policy(shop)
        async with self._store.transaction() as tx:
            if not isinstance(outcome, Refused):
                await tx.move_request(
                    shop, order_id, RequestState.APPROVED, only_from=RequestState.APPROVING, at=now
                )
                await self._trigger(tx, FlowEvent.APPROVED, request, policy, at=now)
                settled = RequestState.APPROVED
            elif outcome.code is CancelBlock.TRY_AGAIN:
                # Nothing happened: the request waits again, in its place.
                await tx.move_request(
                    shop, order_id, RequestState.REQUESTED, only_from=RequestState.APPROVING, at=now
                )
                settled = RequestState.REQUESTED
            else:
                await tx.move_request(
                    shop,
                    order_id,
                    RequestState.DECLINED,
                    only_from=RequestState.APPROVING,
                    at=now,
                    decided_by=AUTO,
                    message=outcome.message,
                    block=outcome.code.value,
                )
                declined = _with(request, message=outcome.message)
                await self._trigger(tx, FlowEvent.DECLINED, declined, policy, at=now)
                settled = RequestState.DECLINED
        self._wake()
        if isinstance(outcome, Refused):
            return outcome
        return Answered(_with(request, state=settled))

    async def decline(
        self,
        shop: str,
        order_id: str,
        message: str | None,
        *,
        by: str = MERCHANT,
        block: CancelBlock | None = None,
    ) -> Answered | Refused:
        """Say no; `message` is what the customer reads."""
        words = clean_note(message)
        if words is not None and len(words) > MESSAGE_LIMIT:
            return refused(CancelBlock.INVALID_NOTE, f"At most {MESSAGE_LIMIT} characters.")
        now = self._clock()
        request = await self._store.get_request(shop, order_id)
        async with self._store.transaction() as tx:
            moved = await tx.move_request(
                shop,
                order_id,
                RequestState.DECLINED,
                only_from=RequestState.REQUESTED,
                at=now,
                decided_by=by,
                message=words or MESSAGES[CancelBlock.DECLINED_BY_SHOP],
                block=None if block is None else block.value,
            )
            if moved and request is not None:
                policy = await tx.get_policy(shop) or ShopPolicy()
                declined = _with(request, message=words)
                await self._trigger(tx, FlowEvent.DECLINED, declined, policy, at=now)
        self._wake()
        if not moved:
            return await self._not_waiting(shop, order_id)
        current = await self._store.get_request(shop, order_id)
        assert current is not None
        return Answered(current)

    async def pending(self, shop: str) -> list[CancelRequest]:
        """Requests waiting for the shop, oldest first."""
        return await self._store.requests(shop, [RequestState.REQUESTED, RequestState.APPROVING])

    # Rules that answer by themselves -----------------------------------------------------------

    async def auto_approve(self, args: dict[str, Any]) -> None:
        """`auto_approve_request`: nobody answered in time; approve, if still waiting."""
        shop, order_id = str(args["shop"]), str(args["order_id"])
        requested_at = decode_datetime(str(args["requested_at"]))
        request = await self._store.get_request(shop, order_id)
        if (
            request is None
            or request.state is not RequestState.REQUESTED
            or request.requested_at != requested_at
        ):
            return
        outcome = await self.approve(shop, order_id, by=AUTO)
        if isinstance(outcome, Refused) and outcome.code is CancelBlock.TRY_AGAIN:
            raise Retry(30.0)

    async def after_read(self, shop: str, order: OrderSnapshot, tz: ZoneInfo) -> None:
        """With every full read the mirror keeps: a waiting request whose order the warehouse
        has started on (or that was cancelled elsewhere) is declined at once."""
        request = await self._store.get_request(shop, order.id)
        if request is None or request.state is not RequestState.REQUESTED:
            return
        if order.cancelled_at is not None:
            block = CancelBlock.ALREADY_CANCELLED
        elif fulfillment_started(order):
            block = CancelBlock.FULFILLMENT_STARTED
        else:
            return
        await self.decline(shop, order.id, MESSAGES[block], by=AUTO, block=block)

    # Steps -------------------------------------------------------------------------------------

    async def _not_waiting(self, shop: str, order_id: str) -> Refused:
        current = await self._store.get_request(shop, order_id)
        if current is None or current.state is RequestState.WITHDRAWN:
            return refused(CancelBlock.NO_REQUEST)
        if current.state is RequestState.DECLINED:
            return refused(CancelBlock.DECLINED_BY_SHOP, current.message)
        return refused(CancelBlock.ALREADY_CANCELLED)

    async def _trigger(
        self,
        tx: Store,
        event: FlowEvent,
        request: CancelRequest,
        policy: ShopPolicy,
        *,
        at: datetime,
    ) -> None:
        reason = policy.reason(request.reason_code)
        facts = FlowFacts(
            order_id=request.order_id,
            reason_code=request.reason_code,
            reason_label=reason.label if reason else request.reason_code,
            note=request.note,
            refund=None if request.total is None else Decimal(request.total),
            message=request.message,
        )
        key = f"{request.order_id}:{encode_datetime(request.requested_at)}"
        await defer_trigger(tx, request.shop, event, key, facts, at=at)


def _with(request: CancelRequest, **changes: Any) -> CancelRequest:
    return replace(request, **changes)
