"""Edits' rows (issue 13): each attempt for the merchant's insights, and the edit's flight mark.

The flight of an edit is a `claims` row of kind `EDIT_FLIGHT` keyed by the order: taken with the
same atomic upsert as every first-seen mark, dropped when the edit ends, and expiring on its own
should the process die mid-edit. A cancel checks it after taking its own claim, and an edit
checks for a cancel's record after taking its mark: of an edit and a cancel racing on one order,
at least one sees the other and stops.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from backend.store import schema
from backend.store.base import EditAttempt, EditOutcome
from backend.store.database import Database

EDIT_FLIGHT = "edit-flight"
_EDIT = schema.edits
_CLAIM = schema.claims


class EditRows(Database):
    async def record_edit(self, attempt: EditAttempt) -> None:
        await self._write(
            _EDIT.insert().values(
                shop=attempt.shop,
                order_id=attempt.order_id,
                customer_id=attempt.customer_id,
                kind=attempt.kind,
                reason_code=attempt.reason_code,
                outcome=attempt.outcome.value,
                block=attempt.block,
                at=attempt.at,
            )
        )

    async def edits(
        self, shop: str, *, since: datetime, until: datetime | None = None
    ) -> list[EditAttempt]:
        query = select(_EDIT).where(_EDIT.c.shop == shop, _EDIT.c.at >= since)
        if until is not None:
            query = query.where(_EDIT.c.at <= until)
        rows = await self._rows(query.order_by(_EDIT.c.at, _EDIT.c.id))
        return [
            EditAttempt(
                shop=row["shop"],
                order_id=row["order_id"],
                customer_id=row["customer_id"],
                kind=row["kind"],
                reason_code=row["reason_code"],
                outcome=EditOutcome(row["outcome"]),
                at=row["at"],
                block=row["block"],
            )
            for row in rows
        ]

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
