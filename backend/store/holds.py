"""Our fulfilment holds' rows: one per fulfilment order, its state and when it is due out."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, select

from backend.store import schema
from backend.store.base import HoldRecord, HoldState
from backend.store.database import Database

_HOLD = schema.fulfillment_holds


def _record(row: RowMapping) -> HoldRecord:
    return HoldRecord(
        shop=row["shop"],
        order_id=row["order_id"],
        fulfillment_order_id=row["fulfillment_order_id"],
        state=HoldState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        hold_id=row["hold_id"],
        release_at=row["release_at"],
        reason=row["reason"],
    )


class HoldRows(Database):
    async def save_hold(self, record: HoldRecord) -> None:
        values = {
            "shop": record.shop,
            "order_id": record.order_id,
            "fulfillment_order_id": record.fulfillment_order_id,
            "state": record.state.value,
            "hold_id": record.hold_id,
            "release_at": record.release_at,
            "reason": record.reason,
            "created_at": record.created_at,
            "updated_at": record.updated_at,
        }
        statement = self._insert(_HOLD).values(**values)
        changed = {k: v for k, v in values.items() if k not in {"shop", "fulfillment_order_id"}}
        changed.pop("created_at")
        await self._write(
            statement.on_conflict_do_update(
                index_elements=["shop", "fulfillment_order_id"], set_=changed
            )
        )

    async def holds_of_order(self, shop: str, order_id: str) -> list[HoldRecord]:
        rows = await self._rows(
            select(_HOLD)
            .where(_HOLD.c.shop == shop, _HOLD.c.order_id == order_id)
            .order_by(_HOLD.c.fulfillment_order_id)
        )
        return [_record(row) for row in rows]

    async def holds(
        self, shop: str, states: Sequence[HoldState], *, limit: int = 100
    ) -> list[HoldRecord]:
        rows = await self._rows(
            select(_HOLD)
            .where(_HOLD.c.shop == shop, _HOLD.c.state.in_([s.value for s in states]))
            .order_by(_HOLD.c.updated_at.desc(), _HOLD.c.fulfillment_order_id)
            .limit(limit)
        )
        return [_record(row) for row in rows]

    async def shops_with_holds(self) -> list[str]:
        rows = await self._rows(select(_HOLD.c.shop).distinct().order_by(_HOLD.c.shop))
        return [row["shop"] for row in rows]
