"""Edits' rows (issue 13): each attempt for the merchant's insights, and the edit's flight mark.

The flight of an edit is a `claims` row of kind `EDIT_FLIGHT` keyed by the order: taken with the
same atomic upsert as every first-seen mark, dropped when the edit ends, and expiring on its own
should the process die mid-edit. A cancel checks it after taking its own claim, and an edit
checks for a cancel's record after taking its mark: of an edit and a cancel racing on one order,
at least one sees the other and stops.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, delete, select, update

from backend.store import schema
from backend.store.base import EditAttempt, EditOutcome
from backend.store.codec import dumps, loads
from backend.store.database import Database, unavailable

EDIT_FLIGHT = "edit-flight"
_EDIT = schema.edits
_CLAIM = schema.claims


def _values(attempt: EditAttempt) -> dict[str, Any]:
    return {
        "shop": attempt.shop,
        "order_id": attempt.order_id,
        "customer_id": attempt.customer_id,
        "kind": attempt.kind,
        "reason_code": attempt.reason_code,
        "outcome": attempt.outcome.value,
        "block": attempt.block,
        "at": attempt.at,
        "detail": attempt.detail,
        "amount": None if attempt.amount is None else str(attempt.amount),
        "currency": attempt.currency,
        "refund_state": attempt.refund_state,
        "refund_plan": None if attempt.refund_plan is None else dumps(attempt.refund_plan),
    }


def edit_from_row(row: RowMapping) -> EditAttempt:
    return EditAttempt(
        id=row["id"],
        shop=row["shop"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        kind=row["kind"],
        reason_code=row["reason_code"],
        outcome=EditOutcome(row["outcome"]),
        at=row["at"],
        block=row["block"],
        detail=row["detail"],
        amount=None if row["amount"] is None else Decimal(row["amount"]),
        currency=row["currency"],
        refund_state=row["refund_state"],
        refund_plan=None if row["refund_plan"] is None else loads(row["refund_plan"]),
    )


class EditRows(Database):
    async def record_edit(self, attempt: EditAttempt) -> int:
        async with self._begin(write=True) as conn:
            with unavailable():
                result = await conn.execute(
                    _EDIT.insert().values(**_values(attempt)).returning(_EDIT.c.id)
                )
                return int(result.scalar_one())

    async def update_edit(self, attempt: EditAttempt) -> None:
        assert attempt.id is not None
        await self._write(update(_EDIT).where(_EDIT.c.id == attempt.id).values(**_values(attempt)))

    async def get_edit(self, edit_id: int) -> EditAttempt | None:
        rows = await self._rows(select(_EDIT).where(_EDIT.c.id == edit_id))
        return edit_from_row(rows[0]) if rows else None

    async def unsettled_edit(self, shop: str, order_id: str, detail: str) -> EditAttempt | None:
        rows = await self._rows(
            select(_EDIT)
            .where(
                _EDIT.c.shop == shop,
                _EDIT.c.order_id == order_id,
                _EDIT.c.detail == detail,
                _EDIT.c.outcome.in_([EditOutcome.IN_FLIGHT.value, EditOutcome.FAILED.value]),
            )
            .order_by(_EDIT.c.id.desc())
            .limit(1)
        )
        return edit_from_row(rows[0]) if rows else None

    async def close_unsettled(self, shop: str, order_id: str, detail: str) -> None:
        await self._write(
            update(_EDIT)
            .where(
                _EDIT.c.shop == shop,
                _EDIT.c.order_id == order_id,
                _EDIT.c.detail == detail,
                _EDIT.c.outcome.in_([EditOutcome.IN_FLIGHT.value, EditOutcome.FAILED.value]),
            )
            .values(detail=None)
        )

    async def edits(
        self, shop: str, *, since: datetime, until: datetime | None = None
    ) -> list[EditAttempt]:
        query = select(_EDIT).where(_EDIT.c.shop == shop, _EDIT.c.at >= since)
        if until is not None:
            query = query.where(_EDIT.c.at <= until)
        rows = await self._rows(query.order_by(_EDIT.c.at, _EDIT.c.id))
        return [edit_from_row(row) for row in rows]

    async def drop_claim(self, shop: str, kind: str, key: str) -> None:
        await self._write(
            delete(_CLAIM).where(_CLAIM.c.shop == shop, _CLAIM.c.kind == kind, _CLAIM.c.key == key)
        )

    async def claimed(self, shop: str, kind: str, key: str, *, at: datetime) -> bool:
        rows = await self._rows(
            select(_CLAIM.c.key).where(
                _CLAIM.c.shop == shop,
                _CLAIM.c.kind == kind,
                _CLAIM.c.key == key,
                _CLAIM.c.expires_at > at,
            )
        )
        return bool(rows)
