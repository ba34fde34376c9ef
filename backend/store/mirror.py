"""The order mirror's rows: one snapshot per order, the newest Shopify has told us of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, literal, or_, select, update

from backend.orders import OrderSnapshot
from backend.store import schema
from backend.store.base import Mirror, MirroredOrder
from backend.store.codec import decode_snapshot, dumps, encode_snapshot, loads
from backend.store.database import Database

_SNAPSHOT = schema.order_snapshots
_SHOPS = schema.shops
_SETTLED = ("FULFILLED", "RESTOCKED")


class MirrorRows(Database):
    async def mirrored_orders(self, shop: str, order_ids: Sequence[str]) -> Mirror:
        statement = (
            select(_SNAPSHOT.c.order_id, _SNAPSHOT.c.snapshot, _SNAPSHOT.c.complete)
            .add_columns(_SNAPSHOT.c.confirmed_at)
            .where(_SNAPSHOT.c.shop == shop, _SNAPSHOT.c.order_id.in_(list(order_ids)))
        )
        zone = select(_SHOPS.c.timezone).where(_SHOPS.c.shop == shop)
        async with self._begin(write=False) as conn:
            rows = (await conn.execute(statement)).all() if order_ids else []
            timezone = (await conn.execute(zone)).scalar()
        return Mirror(
            orders={
                order_id: MirroredOrder(
                    order=decode_snapshot(loads(snapshot)),
                    complete=bool(complete),
                    confirmed_at=confirmed_at,
                )
                for order_id, snapshot, complete, confirmed_at in rows
            },
            timezone=timezone,
        )

    async def mirror_order(
        self, shop: str, order: OrderSnapshot, *, complete: bool, at: datetime, read: bool = False
    ) -> bool:
        updated_at = order.updated_at or order.created_at
        statement = self._insert(_SNAPSHOT).values(
            shop=shop,
            order_id=order.id,
            customer_id=order.customer_id,
            created_at=order.created_at,
            updated_at=updated_at,
            confirmed_at=at,
            complete=complete,
            snapshot=dumps(encode_snapshot(order)),
        )
        new = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=["shop", "order_id"],
            set_={
                name: new[name]
                for name in ("customer_id", "updated_at", "confirmed_at", "complete", "snapshot")
            },
            # Deliveries come in any order: an older one never replaces a newer snapshot. On a
            # tie a read wins (it saw the order whole at that moment), and anything beats a
            # partial snapshot; a webhook merged onto an older read never replaces a read.
            where=or_(
                _SNAPSHOT.c.updated_at < new.updated_at,
                and_(
                    _SNAPSHOT.c.updated_at == new.updated_at,
                    or_(literal(read), _SNAPSHOT.c.complete.is_(False)),
                ),
            ),
        )
        return await self._wrote(statement)

    async def save_timezone(self, shop: str, timezone: str, *, at: datetime) -> None:
        statement = self._insert(_SHOPS).values(shop=shop, timezone=timezone, updated_at=at)
        await self._write(
            statement.on_conflict_do_update(
                index_elements=["shop"],
                set_={"timezone": statement.excluded.timezone, "updated_at": at},
                where=_SHOPS.c.timezone != statement.excluded.timezone,
            )
        )

    async def order_delivered(self, shop: str, order_id: str, *, at: datetime) -> None:
        await self._write(
            update(_SNAPSHOT)
            .where(_SNAPSHOT.c.shop == shop, _SNAPSHOT.c.order_id == order_id)
            .values(delivered_at=at)
        )

    async def mirrored_shops(self) -> list[str]:
        rows = await self._rows(select(_SNAPSHOT.c.shop).distinct())
        return [row["shop"] for row in rows]

    async def forget_orders(self, shop: str, order_ids: Sequence[str]) -> None:
        if order_ids:
            await self._write(
                delete(_SNAPSHOT).where(
                    _SNAPSHOT.c.shop == shop, _SNAPSHOT.c.order_id.in_(list(order_ids))
                )
            )

    async def prune_mirror(
        self, shop: str, *, created_before: datetime, settled_before: datetime
    ) -> int:
        # Cancelled or fulfilled shows in the JSON only: the rows not heard of for a day are
        # read and judged here, a small set by then.
        old = delete(_SNAPSHOT).where(
            _SNAPSHOT.c.shop == shop, _SNAPSHOT.c.created_at < created_before
        )
        async with self._begin(write=True) as conn:
            deleted = (await conn.execute(old)).rowcount
            quiet = (
                await conn.execute(
                    select(_SNAPSHOT.c.shop, _SNAPSHOT.c.order_id, _SNAPSHOT.c.snapshot).where(
                        _SNAPSHOT.c.shop == shop, _SNAPSHOT.c.confirmed_at < settled_before
                    )
                )
            ).all()
            settled = [
                (shop, order_id)
                for shop, order_id, snapshot in quiet
                if _is_settled(decode_snapshot(loads(snapshot)))
            ]
            for shop, order_id in settled:
                await conn.execute(
                    delete(_SNAPSHOT).where(
                        _SNAPSHOT.c.shop == shop, _SNAPSHOT.c.order_id == order_id
                    )
                )
        return int(deleted) + len(settled)


def _is_settled(order: OrderSnapshot) -> bool:
    return order.cancelled_at is not None or order.fulfillment_status in _SETTLED
