"""Webhook deliveries: received once, handled by a job, their payload dropped once handled."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from backend.store import schema
from backend.store.base import Delivery, DeliveryHealth
from backend.store.database import Database

_DELIVERY = schema.webhook_deliveries
LAG_SAMPLE = 1000  # the latest deliveries whose lag the health figures are read from


class DeliveryRows(Database):
    async def record_delivery(
        self,
        shop: str,
        webhook_id: str,
        topic: str,
        payload: str,
        *,
        triggered_at: datetime | None,
        received_at: datetime,
    ) -> int | None:
        statement = (
            self._insert(_DELIVERY)
            .values(
                shop=shop,
                webhook_id=webhook_id,
                topic=topic,
                triggered_at=triggered_at,
                received_at=received_at,
                payload=payload,
            )
            .on_conflict_do_nothing(index_elements=["shop", "webhook_id"])
            .returning(_DELIVERY.c.id)
        )
        async with self._begin(write=True) as conn:
            new_id = (await conn.execute(statement)).scalar()
        return None if new_id is None else int(new_id)

    async def take_delivery(self, delivery_id: int) -> Delivery | None:
        rows = await self._rows(
            select(_DELIVERY).where(_DELIVERY.c.id == delivery_id, _DELIVERY.c.handled_at.is_(None))
        )
        if not rows or rows[0]["payload"] is None:
            return None
        row = rows[0]
        return Delivery(
            id=int(row["id"]),
            shop=row["shop"],
            topic=row["topic"],
            payload=row["payload"],
            triggered_at=row["triggered_at"],
            received_at=row["received_at"],
        )

    async def delivery_handled(self, delivery_id: int, *, at: datetime) -> None:
        await self._write(
            update(_DELIVERY)
            .where(_DELIVERY.c.id == delivery_id)
            .values(handled_at=at, payload=None)
        )

    async def delivery_health(
        self, shop: str, *, since: datetime, stuck_before: datetime
    ) -> DeliveryHealth:
        mine = (_DELIVERY.c.shop == shop, _DELIVERY.c.received_at >= since)
        waiting = _DELIVERY.c.handled_at.is_(None)
        async with self._begin(write=False) as conn:
            received, unhandled, stuck, last = (
                await conn.execute(
                    select(
                        func.count(),
                        func.count(_DELIVERY.c.id).filter(waiting),
                        func.count(_DELIVERY.c.id).filter(
                            waiting, _DELIVERY.c.received_at < stuck_before
                        ),
                        func.max(_DELIVERY.c.received_at),
                    ).where(*mine)
                )
            ).one()
            sample = (
                await conn.execute(
                    select(_DELIVERY.c.triggered_at, _DELIVERY.c.received_at)
                    .where(*mine, _DELIVERY.c.triggered_at.is_not(None))
                    .order_by(_DELIVERY.c.received_at.desc())
                    .limit(LAG_SAMPLE)
                )
            ).all()
        lags = sorted(received_at - triggered_at for triggered_at, received_at in sample)
        return DeliveryHealth(
            last_received_at=last,
            received=int(received),
            unhandled=int(unhandled),
            stuck=int(stuck),
            lag_p50=_quantile(lags, 0.50),
            lag_p99=_quantile(lags, 0.99),
        )


def _quantile(values: list[timedelta], q: float) -> timedelta | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    seconds = statistics.quantiles([v.total_seconds() for v in values], n=100)[round(q * 100) - 1]
    return timedelta(seconds=seconds)
