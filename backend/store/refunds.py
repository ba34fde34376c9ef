"""Our refunds' rows (issue 11): one per refundCreate, numbered per order.

The claim is the single flight: in one transaction, read the order's newest refund; if it is
in flight and alive, the caller waits for it; otherwise insert the next number. Two claims
that read the same newest number race on the primary key, and the loser's insert does nothing
(`ON CONFLICT DO NOTHING`): it reads the winner's row and waits for it.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from sqlalchemy import RowMapping, select, update

from backend.store import schema
from backend.store.base import RefundKind, RefundRecord, RefundState
from backend.store.database import Database

_REFUND = schema.order_refunds
_BUY_AGAIN = schema.buy_again_orders


def _record(row: RowMapping) -> RefundRecord:
    return RefundRecord(
        shop=row["shop"],
        order_id=row["order_id"],
        seq=int(row["seq"]),
        kind=RefundKind(row["kind"]),
        state=RefundState(row["state"]),
        lines=tuple((str(gid), int(quantity)) for gid, quantity in json.loads(row["lines"])),
        amount=Decimal(row["amount"]),
        fee=Decimal(row["fee"]),
        fee_shop=Decimal(row["fee_shop"]),
        currency=row["currency"],
        idempotency_key=row["idempotency_key"],
        request=row["request"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        customer_id=row["customer_id"],
        refund_id=row["refund_id"],
        message=row["message"],
    )


class RefundRows(Database):
    async def claim_refund(
        self, record: RefundRecord, *, stale_before: datetime
    ) -> tuple[RefundRecord, bool]:
        async with self.transaction() as tx:
            return await tx._claim_refund(record, stale_before)

    async def _claim_refund(
        self, record: RefundRecord, stale_before: datetime
    ) -> tuple[RefundRecord, bool]:
        newest = await self._newest_refund(record.shop, record.order_id)
        if newest is not None and newest.state is RefundState.IN_FLIGHT:
            if newest.updated_at >= stale_before:
                return newest, False
            taken = await self._wrote(
                update(_REFUND)
                .where(
                    _REFUND.c.shop == newest.shop,
                    _REFUND.c.order_id == newest.order_id,
                    _REFUND.c.seq == newest.seq,
                    _REFUND.c.state == RefundState.IN_FLIGHT.value,
                    _REFUND.c.updated_at == newest.updated_at,
                )
                .values(updated_at=record.created_at)
            )
            if taken:
                return newest, True
            again = await self._newest_refund(record.shop, record.order_id)
            assert again is not None
            return again, False
        seq = 1 if newest is None else newest.seq + 1
        values = {
            "shop": record.shop,
            "order_id": record.order_id,
            "seq": seq,
            "kind": record.kind.value,
            "state": RefundState.IN_FLIGHT.value,
            "customer_id": record.customer_id,
            "lines": json.dumps([[gid, quantity] for gid, quantity in record.lines]),
            "amount": str(record.amount),
            "fee": str(record.fee),
            "fee_shop": str(record.fee_shop),
            "currency": record.currency,
            "idempotency_key": record.idempotency_key.replace("{seq}", str(seq)),
            "request": record.request,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
        inserted = await self._wrote(
            self._insert(_REFUND)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["shop", "order_id", "seq"])
        )
        claimed = await self._newest_refund(record.shop, record.order_id)
        assert claimed is not None
        return claimed, inserted

    async def _newest_refund(self, shop: str, order_id: str) -> RefundRecord | None:
        rows = await self._rows(
            select(_REFUND)
            .where(_REFUND.c.shop == shop, _REFUND.c.order_id == order_id)
            .order_by(_REFUND.c.seq.desc())
            .limit(1)
        )
        return _record(rows[0]) if rows else None

    async def settle_refund(
        self,
        shop: str,
        order_id: str,
        seq: int,
        state: RefundState,
        *,
        at: datetime,
        refund_id: str | None = None,
        message: str | None = None,
    ) -> bool:
        return await self._wrote(
            update(_REFUND)
            .where(
                _REFUND.c.shop == shop,
                _REFUND.c.order_id == order_id,
                _REFUND.c.seq == seq,
                _REFUND.c.state == RefundState.IN_FLIGHT.value,
            )
            .values(state=state.value, updated_at=at, refund_id=refund_id, message=message)
        )

    async def refunds_of_order(self, shop: str, order_id: str) -> list[RefundRecord]:
        rows = await self._rows(
            select(_REFUND)
            .where(_REFUND.c.shop == shop, _REFUND.c.order_id == order_id)
            .order_by(_REFUND.c.seq)
        )
        return [_record(row) for row in rows]

    async def refunds(
        self, shop: str, *, since: datetime | None = None, limit: int = 1000
    ) -> list[RefundRecord]:
        query = select(_REFUND).where(_REFUND.c.shop == shop)
        if since is not None:
            query = query.where(_REFUND.c.created_at >= since)
        rows = await self._rows(
            query.order_by(_REFUND.c.created_at.desc(), _REFUND.c.seq.desc()).limit(limit)
        )
        return [_record(row) for row in rows]

    async def record_buy_again(
        self,
        shop: str,
        order_id: str,
        source_order_id: str,
        total: Decimal,
        currency: str,
        *,
        at: datetime,
    ) -> bool:
        """Keep an order placed from our link; False if it was kept already."""
        return await self._wrote(
            self._insert(_BUY_AGAIN)
            .values(
                shop=shop,
                order_id=order_id,
                source_order_id=source_order_id,
                total=str(total),
                currency=currency,
                created_at=at,
            )
            .on_conflict_do_nothing(index_elements=["shop", "order_id"])
        )

    async def buy_again_orders(
        self, shop: str, *, since: datetime
    ) -> list[tuple[str, str, Decimal, str]]:
        """(order, source order, total, currency) of orders from our link since `since`."""
        rows = await self._rows(
            select(_BUY_AGAIN)
            .where(_BUY_AGAIN.c.shop == shop, _BUY_AGAIN.c.created_at >= since)
            .order_by(_BUY_AGAIN.c.created_at)
        )
        return [
            (r["order_id"], r["source_order_id"], Decimal(r["total"]), r["currency"]) for r in rows
        ]
