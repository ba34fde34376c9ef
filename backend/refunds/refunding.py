"""The refund step: claim a numbered record, send `refundCreate` under its key, settle.

A record is written (with the exact input and the key) before Shopify is asked, in the same
transaction as a `complete_refund` job due once the flight would count as stale. So whatever
happens next, the refund ends the same way: the request settles it; or, if the process died or
Shopify's answer was lost, the job (or the next claim, taking the stale flight over) sends the
recorded input again under the recorded key, and Shopify answers with the refund it made, or
makes it now. The money moves once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.jobs import Retry
from backend.refunds.gateway import RefundGateway, RefundMade
from backend.shopify.client import AdminRequestFailed, ShopifyUnavailable
from backend.store.base import Job, RefundKind, RefundRecord, RefundState, Store

logger = logging.getLogger(__name__)

COMPLETE_REFUND = "complete_refund"
RETRY_PAUSE = 0.2  # seconds before the one retry a request makes itself


def key_template(shop: str, order_id: str, kind: RefundKind) -> str:
    """Our idempotency key for the order's refund number `{seq}` (filled in by the claim): the
    same for every retry of that refund, different for every other refund anywhere."""
    digest = hashlib.sha256(f"{shop}|{order_id}".encode()).hexdigest()[:32]
    return f"cancel-button-{kind.value.lower()}-{digest}-{{seq}}"


@dataclass(frozen=True, slots=True)
class Refunded:
    record: RefundRecord


@dataclass(frozen=True, slots=True)
class Busy:
    """Another refund of the order is in flight; wait for it and read the order again."""

    holder: RefundRecord


@dataclass(frozen=True, slots=True)
class RefundFailed:
    record: RefundRecord
    message: str
    # Shopify could not be reached: the record stays in flight and its job completes it.
    pending: bool


class Refunds:
    def __init__(
        self,
        gateway: RefundGateway,
        store: Store,
        *,
        clock: Callable[[], datetime],
        stale: timedelta,
        wake_jobs: Callable[[], None] = lambda: None,
        sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep,
    ) -> None:
        self._gateway = gateway
        self._store = store
        self._clock = clock
        self._stale = stale
        self._wake_jobs = wake_jobs
        self._sleep = sleep

    async def make(
        self,
        *,
        shop: str,
        order_id: str,
        kind: RefundKind,
        customer_id: str | None,
        lines: Sequence[tuple[str, int]],
        amount: Decimal,
        fee: Decimal,
        fee_shop: Decimal,
        currency: str,
        refund_input: dict[str, Any],
    ) -> Refunded | Busy | RefundFailed:
        claimed = await self.claim(
            shop=shop,
            order_id=order_id,
            kind=kind,
            customer_id=customer_id,
            lines=lines,
            amount=amount,
            fee=fee,
            fee_shop=fee_shop,
            currency=currency,
            refund_input=refund_input,
        )
        if isinstance(claimed, Busy):
            return claimed
        return await self.send(claimed)

    async def claim(
        self,
        *,
        shop: str,
        order_id: str,
        kind: RefundKind,
        customer_id: str | None,
        lines: Sequence[tuple[str, int]],
        amount: Decimal,
        fee: Decimal,
        fee_shop: Decimal,
        currency: str,
        refund_input: dict[str, Any],
    ) -> RefundRecord | Busy:
        """Record the refund (with its job) without sending it: the caller sends it once the
        step it depends on is done (a fee's refund, once `orderCancel` is accepted)."""
        now = self._clock()
        wanted = RefundRecord(
            shop=shop,
            order_id=order_id,
            seq=0,
            kind=kind,
            state=RefundState.IN_FLIGHT,
            lines=tuple(lines),
            amount=amount,
            fee=fee,
            fee_shop=fee_shop,
            currency=currency,
            idempotency_key=key_template(shop, order_id, kind),
            request=json.dumps(refund_input, sort_keys=True),
            created_at=now,
            updated_at=now,
            customer_id=customer_id,
        )
        async with self._store.transaction() as tx:
            record, claimed = await tx.claim_refund(wanted, stale_before=now - self._stale)
            if claimed:
                args = {"shop": shop, "order_id": order_id, "seq": record.seq}
                await tx.defer_job(Job(COMPLETE_REFUND, args, run_at=now + self._stale), at=now)
        if not claimed:
            return Busy(record)
        self._wake_jobs()
        if record.request != wanted.request:
            # We took over a dead flight: finish it first; the caller reads the order again.
            await self.complete_record(record)
            return Busy(record)
        return record

    async def send(self, record: RefundRecord, *, retries: int = 1) -> Refunded | RefundFailed:
        """Send the record's input under its key and settle the record by the answer."""
        refund_input = json.loads(record.request)
        for attempt in range(retries + 1):
            try:
                result = await self._gateway.create_refund(
                    record.shop, refund_input, record.idempotency_key
                )
                break
            except (ShopifyUnavailable, AdminRequestFailed) as error:
                # No answer we can trust: the refund may or may not exist. Never settle on it.
                if attempt == retries:
                    logger.warning("refund %s not confirmed: %s", record.idempotency_key, error)
                    return RefundFailed(record, str(error), pending=True)
                await self._sleep(RETRY_PAUSE)
        now = self._clock()
        if isinstance(result, RefundMade):
            await self._store.settle_refund(
                record.shop,
                record.order_id,
                record.seq,
                RefundState.DONE,
                at=now,
                refund_id=result.refund_id,
            )
            done = replace(record, state=RefundState.DONE, refund_id=result.refund_id)
            return Refunded(done)
        await self._store.settle_refund(
            record.shop, record.order_id, record.seq, RefundState.REFUSED, at=now,
            message=result.message[:500],
        )  # fmt: skip
        logger.info("Shopify refused refund %s: %s", record.idempotency_key, result.message)
        return RefundFailed(record, result.message, pending=False)

    async def wait_for(self, holder: RefundRecord, *, seconds: float) -> RefundRecord | None:
        """The holder's record once settled; None if it is still in flight after `seconds`."""
        waited, interval = 0.0, 0.02
        while waited < seconds:
            await self._sleep(interval)
            waited += interval
            for record in await self._store.refunds_of_order(holder.shop, holder.order_id):
                if record.seq == holder.seq and record.state is not RefundState.IN_FLIGHT:
                    return record
            interval = min(interval * 1.5, 0.25)
        return None

    async def complete(self, args: dict[str, Any]) -> None:
        """`complete_refund`: a refund still in flight when its job is due is sent again, same
        input and key; done or refused ones are left alone (running twice changes nothing)."""
        shop, order_id, seq = str(args["shop"]), str(args["order_id"]), int(args["seq"])
        records = await self._store.refunds_of_order(shop, order_id)
        record = next((r for r in records if r.seq == seq), None)
        if record is None or record.state is not RefundState.IN_FLIGHT:
            return
        outcome = await self.complete_record(record)
        if isinstance(outcome, RefundFailed) and outcome.pending:
            raise Retry(self._stale.total_seconds())

    async def abandon(self, record: RefundRecord, reason: str) -> None:
        """The step the refund depended on did not happen: nothing is to be refunded."""
        await self._store.settle_refund(
            record.shop, record.order_id, record.seq, RefundState.REFUSED, at=self._clock(),
            message=reason[:500],
        )  # fmt: skip

    async def complete_record(self, record: RefundRecord) -> Refunded | RefundFailed | None:
        """Finish a refund found in flight. A fee's refund goes only to an order that is
        cancelled: if the cancel it followed never happened, the refund is abandoned."""
        if record.kind is RefundKind.CANCEL_FEE:
            try:
                read = await self._gateway.load_lines(record.shop, record.order_id)
            except (ShopifyUnavailable, AdminRequestFailed) as error:
                return RefundFailed(record, str(error), pending=True)
            if read is None or read.order.cancelled_at is None:
                await self.abandon(record, "the order was not cancelled")
                return None
        return await self.send(record, retries=0)
