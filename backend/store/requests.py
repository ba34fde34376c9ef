"""Requests to cancel (issue 14): one row per order and kind, moved by conditional UPDATEs.

`open_request` is an `INSERT … ON CONFLICT DO UPDATE … WHERE` the row was WITHDRAWN: a
customer who withdrew may ask again, and nobody else can open a second request. Every later
step (approve, decline, withdraw, the approval's outcome) is `move_request`: an UPDATE
conditional on the state it leaves, so of an approval and a withdrawal racing, one moves the
row and the other finds it moved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, select, update

from backend.store import schema
from backend.store.base import CancelRequest, RequestKind, RequestState
from backend.store.database import Database, unavailable

_REQUEST = schema.cancel_requests


def _row(request: CancelRequest) -> dict[str, Any]:
    return {
        "shop": request.shop,
        "order_id": request.order_id,
        "kind": request.kind.value,
        "order_name": request.order_name,
        "customer_id": request.customer_id,
        "state": request.state.value,
        "reason_code": request.reason_code,
        "note": request.note,
        "total": request.total,
        "currency": request.currency,
        "line_items": None if request.line_items is None else json.dumps(request.line_items),
        "requested_at": request.requested_at,
        "updated_at": request.updated_at,
        "decided_by": request.decided_by,
        "message": request.message,
        "block": request.block,
        "deadline": request.deadline,
    }


def _request(row: RowMapping) -> CancelRequest:
    return CancelRequest(
        shop=row["shop"],
        order_id=row["order_id"],
        order_name=row["order_name"],
        customer_id=row["customer_id"],
        kind=RequestKind(row["kind"]),
        state=RequestState(row["state"]),
        reason_code=row["reason_code"],
        note=row["note"],
        requested_at=row["requested_at"],
        updated_at=row["updated_at"],
        total=row["total"],
        currency=row["currency"],
        line_items=None if row["line_items"] is None else json.loads(row["line_items"]),
        decided_by=row["decided_by"],
        message=row["message"],
        block=row["block"],
        deadline=row["deadline"],
    )


class RequestRows(Database):
    async def open_request(self, request: CancelRequest) -> CancelRequest | None:
        if request.state is not RequestState.REQUESTED:
            raise ValueError(f"a new request is REQUESTED, not {request.state}")
        row = _row(request)
        statement = self._insert(_REQUEST).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["shop", "order_id", "kind"],
            set_={name: statement.excluded[name] for name in row if name not in _KEY},
            where=_REQUEST.c.state == RequestState.WITHDRAWN.value,
        )
        async with self._begin(write=True) as conn:
            with unavailable():
                if (await conn.execute(statement.returning(_REQUEST.c.order_id))).first():
                    return None
                found = await conn.execute(
                    select(_REQUEST).where(
                        _REQUEST.c.shop == request.shop,
                        _REQUEST.c.order_id == request.order_id,
                        _REQUEST.c.kind == request.kind.value,
                    )
                )
                there = found.mappings().one()
        return _request(there)

    async def move_request(
        self,
        shop: str,
        order_id: str,
        to: RequestState,
        *,
        only_from: RequestState,
        at: datetime,
        decided_by: str | None = None,
        message: str | None = None,
        block: str | None = None,
        requested_at: datetime | None = None,
        stale_before: datetime | None = None,
    ) -> bool:
        values: dict[str, Any] = {"state": to.value, "updated_at": at}
        for name, value in (("decided_by", decided_by), ("message", message), ("block", block)):
            if value is not None:
                values[name] = value
        condition = [
            _REQUEST.c.shop == shop,
            _REQUEST.c.order_id == order_id,
            _REQUEST.c.kind == RequestKind.CANCEL.value,
            _REQUEST.c.state == only_from.value,
        ]
        if requested_at is not None:
            condition.append(_REQUEST.c.requested_at == requested_at)
        if stale_before is not None:
            condition.append(_REQUEST.c.updated_at < stale_before)
        return await self._wrote(update(_REQUEST).where(and_(*condition)).values(**values))

    async def get_request(self, shop: str, order_id: str) -> CancelRequest | None:
        return (await self.get_requests(shop, [order_id])).get(order_id)

    async def get_requests(self, shop: str, order_ids: Sequence[str]) -> dict[str, CancelRequest]:
        if not order_ids:
            return {}
        rows = await self._rows(
            select(_REQUEST).where(
                _REQUEST.c.shop == shop,
                _REQUEST.c.kind == RequestKind.CANCEL.value,
                _REQUEST.c.order_id.in_(list(order_ids)),
            )
        )
        return {row["order_id"]: _request(row) for row in rows}

    async def requests(
        self, shop: str, states: Sequence[RequestState], *, limit: int = 200
    ) -> list[CancelRequest]:
        rows = await self._rows(
            select(_REQUEST)
            .where(_REQUEST.c.shop == shop, _REQUEST.c.state.in_([s.value for s in states]))
            .order_by(_REQUEST.c.requested_at, _REQUEST.c.order_id)
            .limit(limit)
        )
        return [_request(row) for row in rows]


_KEY = frozenset({"shop", "order_id", "kind"})
