"""Placing and releasing our fulfilment holds, exactly once each.

Placing (`hold_fulfillment` job). After a read shows an order's fulfilment orders (routing done,
or a refresh found them open), with the rule on and the order cancellable, one job per order
(a queueing lock) reads the order fresh and holds each fulfilment order that supports it. The
fresh read is the reconciliation: a hold of ours that Shopify placed but we never recorded (a
crash between its answer and our write) shows in `fulfillmentHolds` and is recorded, not placed
again; two workers racing meet Shopify's one-hold-per-handle rule, and the loser reconciles.
Fulfilment orders at a fulfilment service or in progress are skipped, with the reason kept.

Releasing (`release_fulfillment_hold` job). Scheduled at the policy's deadline (window or daily
cutoff, whichever closes first) in the same transaction as the hold's record, so a release due
while every backend was down runs when a worker is up. Also deferred at once when the merchant
turns the rule off, when a read shows the order no longer cancellable, and by "release now" in
App Home. It releases exactly our `holdIds`. A cancelled order needs none: its hold ended with
the cancel. Shopify failing is retried with backoff; after `RELEASE_ATTEMPTS` the record shows
as an alert (RELEASE_FAILED) in App Home until a release succeeds: a hold is never forgotten.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.jobs import Retry, backoff
from backend.orders import HOLD_HANDLE, FulfillmentOrderState, OrderSnapshot
from backend.policy import ShopPolicy, decide
from backend.shopify.client import AdminError
from backend.shopify.gateway import AdminGateway, HoldPlaced
from backend.store.base import OPEN_HOLD_STATES, HoldRecord, HoldState, Job, Store

logger = logging.getLogger(__name__)

HOLD = "hold_fulfillment"
RELEASE = "release_fulfillment_hold"
# Runs of one release before it becomes an alert: with backoff, about four minutes of trying.
RELEASE_ATTEMPTS = 6

_HOLDABLE = frozenset({"OPEN", "SCHEDULED", "ON_HOLD"})
_DONE = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})
_AT_SERVICE = frozenset({"SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED"})


class ReleaseWhy(enum.StrEnum):
    DEADLINE = "DEADLINE"  # self-cancel closed
    RULE_OFF = "RULE_OFF"  # the merchant turned the rule off
    NOT_CANCELLABLE = "NOT_CANCELLABLE"  # an edit (or a tag, a payment) closed self-cancel
    MERCHANT = "MERCHANT"  # "release now" in App Home


def reason_notes(deadline: datetime, tz: ZoneInfo) -> str:
    local = deadline.astimezone(tz)
    return (
        "Held by Cancel Button while the customer may still cancel; released automatically at "
        f"{local:%Y-%m-%d %H:%M} {local.tzname()}."
    )


class FulfillmentHolds:
    def __init__(
        self,
        gateway: AdminGateway,
        store: Store,
        *,
        clock: Callable[[], datetime],
        policy_of: Callable[[str], Awaitable[ShopPolicy]],
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._gateway = gateway
        self._store = store
        self._clock = clock
        self._policy_of = policy_of
        self._wake = wake_jobs

    # What a read of an order means for its holds -----------------------------------------------

    async def after_read(self, shop: str, order: OrderSnapshot, tz: ZoneInfo) -> None:
        """Called with every full Admin read the mirror keeps: hold, release or record."""
        records = await self._store.holds_of_order(shop, order.id)
        held = [r for r in records if r.state in OPEN_HOLD_STATES]
        now = self._clock()
        if order.cancelled_at is not None:
            await self._ended_with_cancel(held, now)
            return
        policy = await self._policy_of(shop)
        decision = decide(order, policy, now, tz)
        if held and not policy.hold_fulfillment:
            await self.defer_release(shop, order.id, ReleaseWhy.RULE_OFF)
        elif held and not decision.cancellable:
            await self.defer_release(shop, order.id, ReleaseWhy.NOT_CANCELLABLE)
        elif (
            policy.hold_fulfillment and decision.cancellable and _needs_hold(order, records, policy)
        ):
            await self._store.defer_job(
                Job(
                    HOLD,
                    {"shop": shop, "order_id": order.id},
                    queueing_lock=_lock(HOLD, shop, order.id),
                ),
                at=now,
            )
            self._wake()

    async def defer_release(self, shop: str, order_id: str, why: ReleaseWhy) -> None:
        now = self._clock()
        await self._store.defer_job(
            Job(
                RELEASE,
                {"shop": shop, "order_id": order_id, "why": why.value},
                queueing_lock=_lock(RELEASE, shop, f"{order_id}:{why.value}"),
            ),
            at=now,
        )
        self._wake()

    async def rule_turned_off(self, shop: str) -> int:
        """Release every order we hold in `shop` at once; how many orders."""
        orders = sorted(
            {
                r.order_id
                for r in await self._store.holds(shop, list(OPEN_HOLD_STATES), limit=100_000)
            }
        )
        for order_id in orders:
            await self.defer_release(shop, order_id, ReleaseWhy.RULE_OFF)
        return len(orders)

    # Jobs ---------------------------------------------------------------------------------------

    async def hold(self, args: dict[str, Any]) -> None:
        """`hold_fulfillment`: hold each fulfilment order of the order that supports it."""
        shop, order_id = str(args["shop"]), str(args["order_id"])
        order, tz = await self._gateway.load_order(shop, order_id)
        now = self._clock()
        if order is None or order.cancelled_at is not None:
            return
        policy = await self._policy_of(shop)
        if not policy.hold_fulfillment:
            return
        decision = decide(order, policy, now, tz)
        records = {
            r.fulfillment_order_id: r for r in await self._store.holds_of_order(shop, order_id)
        }
        if not decision.cancellable or decision.deadline is None:
            # Too late (the warehouse or a 3PL has it, the window closed) or nothing to wait
            # for: no hold, and the reason kept for each fulfilment order we never held.
            why = decision.blocked_by.value if decision.blocked_by else "NO_DEADLINE"
            for fo in order.fulfillment_orders:
                reason = _skip_reason(fo, policy) or why
                if fo.id not in records and reason != "DONE":
                    await self._save(
                        shop, order_id, fo.id, HoldState.SKIPPED, now, None, None, None, reason
                    )
            return
        deadline = decision.deadline
        placed_any = False
        for fo in order.fulfillment_orders:
            record = records.get(fo.id)
            if fo.our_holds:  # ours already, recorded or not (a crash after Shopify's answer)
                if record is None or record.state is not HoldState.HELD:
                    await self._save(
                        shop,
                        order_id,
                        fo.id,
                        HoldState.HELD,
                        now,
                        fo.our_holds[0],
                        deadline,
                        record,
                    )
                placed_any = True
                continue
            skip = _skip_reason(fo, policy)
            if skip is not None:
                if skip != "DONE" and (record is None or record.reason != skip):
                    await self._save(
                        shop, order_id, fo.id, HoldState.SKIPPED, now, None, deadline, record, skip
                    )
                continue
            result = await self._gateway.hold_fulfillment_order(
                shop, fo.id, handle=HOLD_HANDLE, notes=reason_notes(deadline, tz)
            )
            if isinstance(result, HoldPlaced):
                await self._save(
                    shop, order_id, fo.id, HoldState.HELD, now, result.hold_id, deadline, record
                )
                placed_any = True
            elif result.code == "DUPLICATE_FULFILLMENT_HOLD_HANDLE":
                # Another worker's hold landed between our read and our call: read again.
                raise Retry(1.0)
            else:
                await self._save(
                    shop,
                    order_id,
                    fo.id,
                    HoldState.SKIPPED,
                    now,
                    None,
                    deadline,
                    record,
                    result.code or result.message,
                )
        if placed_any:
            await self._store.defer_job(
                Job(
                    RELEASE,
                    {"shop": shop, "order_id": order_id, "why": ReleaseWhy.DEADLINE.value},
                    run_at=deadline,
                    queueing_lock=_lock(RELEASE, shop, f"{order_id}:{deadline.isoformat()}"),
                ),
                at=now,
            )
            self._wake()

    async def release(self, args: dict[str, Any]) -> None:
        """`release_fulfillment_hold`: release exactly our holds on the order."""
        shop, order_id = str(args["shop"]), str(args["order_id"])
        why = str(args.get("why") or ReleaseWhy.DEADLINE.value)
        attempt = int(args.get("attempt") or 0)
        held = [
            r
            for r in await self._store.holds_of_order(shop, order_id)
            if r.state in OPEN_HOLD_STATES
        ]
        if not held:
            return
        try:
            order, _ = await self._gateway.load_order(shop, order_id)
            now = self._clock()
            if order is not None and order.cancelled_at is not None:
                await self._ended_with_cancel(held, now)
                return
            found = {fo.id: fo for fo in (order.fulfillment_orders if order else ())}
            failure: str | None = None
            for record in held:
                fo = found.get(record.fulfillment_order_id)
                ours = fo.our_holds if fo is not None else ()
                if ours:
                    refused = await self._gateway.release_holds(
                        shop, record.fulfillment_order_id, ours
                    )
                    if refused is not None:
                        failure = f"{refused.code or 'ERROR'}: {refused.message}"
                        continue
                await self._save(
                    shop,
                    order_id,
                    record.fulfillment_order_id,
                    HoldState.RELEASED,
                    self._clock(),
                    record.hold_id,
                    record.release_at,
                    record,
                    why,
                )
        except AdminError as error:
            failure = f"{type(error).__name__}: {error}"
        if failure is None:
            return
        if attempt + 1 < RELEASE_ATTEMPTS:
            logger.warning(
                "release of %s in %s failed (run %d): %s", order_id, shop, attempt + 1, failure
            )
            raise Retry(backoff(attempt + 1).total_seconds(), {**args, "attempt": attempt + 1})
        logger.error("release of %s in %s failed for good: %s", order_id, shop, failure)
        now = self._clock()
        for record in await self._store.holds_of_order(shop, order_id):
            if record.state is HoldState.HELD:
                await self._save(
                    shop,
                    order_id,
                    record.fulfillment_order_id,
                    HoldState.RELEASE_FAILED,
                    now,
                    record.hold_id,
                    record.release_at,
                    record,
                    failure[:500],
                )

    # Steps --------------------------------------------------------------------------------------

    async def _ended_with_cancel(self, held: list[HoldRecord], now: datetime) -> None:
        for record in held:
            await self._save(
                record.shop,
                record.order_id,
                record.fulfillment_order_id,
                HoldState.ENDED_WITH_CANCEL,
                now,
                record.hold_id,
                record.release_at,
                record,
            )

    async def _save(
        self,
        shop: str,
        order_id: str,
        fulfillment_order_id: str,
        state: HoldState,
        now: datetime,
        hold_id: str | None,
        release_at: datetime | None,
        before: HoldRecord | None,
        reason: str | None = None,
    ) -> None:
        await self._store.save_hold(
            HoldRecord(
                shop=shop,
                order_id=order_id,
                fulfillment_order_id=fulfillment_order_id,
                state=state,
                created_at=before.created_at if before else now,
                updated_at=now,
                hold_id=hold_id,
                release_at=release_at,
                reason=reason,
            )
        )


def _lock(task: str, shop: str, key: str) -> str:
    return f"{task}:{shop}:{key}"


def _skip_reason(fo: FulfillmentOrderState, policy: ShopPolicy) -> str | None:
    """Why a fulfilment order gets no hold of ours, or None when it should get one."""
    if fo.status in _DONE:
        return "DONE"
    if fo.request_status in _AT_SERVICE:
        return "AT_FULFILLMENT_SERVICE"
    if fo.status == "IN_PROGRESS":
        return "IN_PROGRESS"
    if fo.status not in _HOLDABLE:
        return fo.status
    if fo.actions is not None and "HOLD" not in fo.actions:
        return "HOLD_NOT_SUPPORTED"
    if (
        policy.hold_own_locations_only
        and fo.actions is not None
        and ("REQUEST_FULFILLMENT" in fo.actions)
    ):
        return "FULFILLMENT_SERVICE_LOCATION"
    return None


def _needs_hold(order: OrderSnapshot, records: list[HoldRecord], policy: ShopPolicy) -> bool:
    """Whether the hold job has something to do: a fulfilment order that could take a hold we
    have not placed, or one never looked at whose reason to skip is still to be recorded."""
    known = {r.fulfillment_order_id: r for r in records}
    for fo in order.fulfillment_orders:
        if fo.our_holds:
            continue
        record, skip = known.get(fo.id), _skip_reason(fo, policy)
        if record is None and skip != "DONE":
            return True
        if record is not None and record.state is HoldState.SKIPPED and skip is None:
            return True
    return False
