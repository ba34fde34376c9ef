"""The store on SQLAlchemy Core: one implementation, SQLite or PostgreSQL underneath.

Atomic steps are single statements the database makes atomic, on either dialect:

- `claim`: `INSERT … ON CONFLICT (shop, order_id) DO UPDATE … WHERE` the row is a stale
  IN_FLIGHT one. One caller inserts (or takes over a dead flight); every other caller's insert
  does nothing, and it reads the row that beat it in the same transaction.
- first-seen marks (`claim_once`): `INSERT … ON CONFLICT DO UPDATE … WHERE` the mark expired.
- `settle`: a conditional `UPDATE` that never moves a CANCELLED record.

On PostgreSQL a conflicting insert waits for the transaction that holds the row and then sees
it; on SQLite writes run in `BEGIN IMMEDIATE` (engine.py), one writer at a time.

Its parts: connections and transactions (database.py), attempts and insights (attempts.py);
this module has the rest.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Delete,
    RowMapping,
    and_,
    delete,
    or_,
    select,
    update,
)

from backend.policy import ShopPolicy
from backend.store import schema
from backend.store.attempts import ATTEMPT_COLUMNS, AttemptRows, attempt_from_row
from backend.store.base import (
    CancellationRecord,
    CustomerData,
    FlightState,
    ShopToken,
)
from backend.store.codec import (
    decode_policy,
    decode_token,
    dumps,
    encode_policy,
    encode_token,
    loads,
)
from backend.store.crypto import InvalidToken
from backend.store.database import unavailable
from backend.store.deliveries import DeliveryRows
from backend.store.edits import EditRows, edit_from_row
from backend.store.holds import HoldRows
from backend.store.jobs import JobRows
from backend.store.mirror import MirrorRows
from backend.store.refunds import RefundRows
from backend.store.requests import RequestRows
from backend.store.withdrawals import WithdrawalRows

logger = logging.getLogger(__name__)

DELIVERY_LOG = timedelta(days=7)

_RECORD = schema.cancellations
_ATTEMPT = schema.attempts
_CLAIM = schema.claims


def _record_row(record: CancellationRecord) -> dict[str, Any]:
    return {
        "shop": record.shop,
        "order_id": record.order_id,
        "customer_id": record.customer_id,
        "state": record.state.value,
        "reason_code": record.reason_code,
        "note": record.note,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "job_id": record.job_id,
        "message": record.message,
        "staff_note": record.staff_note,
    }


def _record(row: RowMapping) -> CancellationRecord:
    return CancellationRecord(
        shop=row["shop"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        state=FlightState(row["state"]),
        reason_code=row["reason_code"],
        note=row["note"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        job_id=row["job_id"],
        message=row["message"],
        staff_note=row["staff_note"],
    )


class SQLStore(
    AttemptRows,
    MirrorRows,
    DeliveryRows,
    JobRows,
    HoldRows,
    RefundRows,
    EditRows,
    RequestRows,
    WithdrawalRows,
):
    """The `Store` on an async engine. `transaction()` yields one bound to a connection."""

    async def get_policy(self, shop: str) -> ShopPolicy | None:
        rows = await self._rows(
            select(schema.policies.c.policy).where(schema.policies.c.shop == shop)
        )
        return decode_policy(loads(rows[0]["policy"])) if rows else None

    async def save_policy(self, shop: str, policy: ShopPolicy) -> None:
        statement = self._insert(schema.policies).values(
            shop=shop, policy=dumps(encode_policy(policy))
        )
        await self._write(
            statement.on_conflict_do_update(
                index_elements=["shop"], set_={"policy": statement.excluded.policy}
            )
        )

    async def get_token(self, shop: str) -> ShopToken | None:
        rows = await self._rows(select(schema.tokens.c.token).where(schema.tokens.c.shop == shop))
        if not rows:
            return None
        try:
            return decode_token(loads(self._cipher.decrypt(rows[0]["token"])))
        except InvalidToken:
            # A key was dropped from TOKEN_ENCRYPTION_KEYS before `rotate-keys` ran: the shop
            # is as good as uninstalled until App Home's next token exchange replaces it.
            logger.error("the stored token of %s opens with none of the keys", shop)
            return None

    async def save_token(self, shop: str, token: ShopToken) -> None:
        sealed = self._cipher.encrypt(dumps(encode_token(token)))
        statement = self._insert(schema.tokens).values(shop=shop, token=sealed)
        await self._write(
            statement.on_conflict_do_update(
                index_elements=["shop"], set_={"token": statement.excluded.token}
            )
        )

    async def delete_token(self, shop: str) -> None:
        await self._write(delete(schema.tokens).where(schema.tokens.c.shop == shop))

    async def rotate_tokens(self) -> int:
        async with self._begin(write=True) as conn:
            with unavailable():
                rows = (await conn.execute(select(schema.tokens))).mappings().all()
                for row in rows:
                    await conn.execute(
                        update(schema.tokens)
                        .where(schema.tokens.c.shop == row["shop"])
                        .values(token=self._cipher.rotate(row["token"]))
                    )
        return len(rows)

    # Single flight -----------------------------------------------------------------------

    async def claim(
        self, record: CancellationRecord, *, stale_before: datetime
    ) -> CancellationRecord | None:
        if record.state is not FlightState.IN_FLIGHT:
            raise ValueError(f"a claim stores an IN_FLIGHT record, not {record.state}")
        row = _record_row(record)
        statement = self._insert(_RECORD).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["shop", "order_id"],
            set_={
                name: statement.excluded[name] for name in row if name not in ("shop", "order_id")
            },
            where=and_(
                _RECORD.c.state == FlightState.IN_FLIGHT.value,
                _RECORD.c.updated_at < stale_before,
            ),
        )
        async with self._begin(write=True) as conn:
            with unavailable():
                if (await conn.execute(statement.returning(_RECORD.c.order_id))).first():
                    return None
                holder = (
                    (
                        await conn.execute(
                            select(_RECORD).where(*self._order(record.shop, record.order_id))
                        )
                    )
                    .mappings()
                    .one()
                )
        return _record(holder)

    @staticmethod
    def _order(shop: str, order_id: str) -> tuple[ColumnElement[bool], ...]:
        return (_RECORD.c.shop == shop, _RECORD.c.order_id == order_id)

    async def settle(
        self,
        shop: str,
        order_id: str,
        state: FlightState,
        *,
        at: datetime,
        job_id: str | None = None,
        message: str | None = None,
        only_from: FlightState | None = None,
    ) -> bool:
        values: dict[str, Any] = {"state": state.value, "updated_at": at}
        if job_id is not None:
            values["job_id"] = job_id
        if message is not None:
            values["message"] = message
        condition = self._order(shop, order_id)
        if state is not FlightState.CANCELLED:
            # Shopify cannot undo a cancel: a late PENDING must not overwrite the webhook's word.
            condition += (_RECORD.c.state != FlightState.CANCELLED.value,)
        if only_from is not None:
            condition += (_RECORD.c.state == only_from.value,)
        return await self._wrote(update(_RECORD).where(*condition).values(**values))

    async def release(self, shop: str, order_id: str) -> None:
        await self._write(
            delete(_RECORD).where(
                *self._order(shop, order_id), _RECORD.c.state == FlightState.IN_FLIGHT.value
            )
        )

    async def get_cancellation(self, shop: str, order_id: str) -> CancellationRecord | None:
        rows = await self._rows(select(_RECORD).where(*self._order(shop, order_id)))
        return _record(rows[0]) if rows else None

    async def get_cancellations(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancellationRecord]:
        if not order_ids:
            return {}
        rows = await self._rows(
            select(_RECORD).where(_RECORD.c.shop == shop, _RECORD.c.order_id.in_(list(order_ids)))
        )
        return {row["order_id"]: _record(row) for row in rows}

    # Attempts and insights ---------------------------------------------------------------

    async def claim_once(
        self, shop: str, kind: str, key: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        statement = self._insert(_CLAIM).values(shop=shop, kind=kind, key=key, expires_at=at + ttl)
        # A mark that has expired counts as absent: the upsert takes it over.
        statement = statement.on_conflict_do_update(
            index_elements=["shop", "kind", "key"],
            set_={"expires_at": statement.excluded.expires_at},
            where=_CLAIM.c.expires_at <= at,
        )
        return await self._wrote(statement)

    async def seen_webhook(
        self, shop: str, webhook_id: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        return not await self.claim_once(shop, "webhook", webhook_id, ttl=ttl, at=at)

    async def claim_refresh(
        self, shop: str, refresh_token: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        digest = hashlib.sha256(refresh_token.encode()).hexdigest()
        return await self.claim_once(shop, "refresh", digest, ttl=ttl, at=at)

    # Erasure, export, retention ----------------------------------------------------------

    async def erase_shop(self, shop: str) -> None:
        await self._delete_all(
            [delete(table).where(table.c.shop == shop) for table in schema.SHOP_TABLES]
        )

    async def erase_customer(
        self, shop: str, customer_id: str | None, order_ids: Sequence[str] = ()
    ) -> None:
        statements = []
        for table in (
            _RECORD,
            _ATTEMPT,
            schema.order_snapshots,
            schema.edits,
            schema.cancel_requests,
        ):
            mine: list[ColumnElement[bool]] = []
            if customer_id is not None:
                mine.append(table.c.customer_id == customer_id)
            if order_ids:
                mine.append(table.c.order_id.in_(list(order_ids)))
            if mine:
                statements.append(delete(table).where(table.c.shop == shop, or_(*mine)))
        await self._delete_all(statements)

    async def customer_data(self, shop: str, customer_id: str) -> CustomerData:
        async with self._begin(write=False) as conn:
            with unavailable():
                records = await conn.execute(
                    select(_RECORD)
                    .where(_RECORD.c.shop == shop, _RECORD.c.customer_id == customer_id)
                    .order_by(_RECORD.c.created_at, _RECORD.c.order_id)
                )
                attempts = await conn.execute(
                    select(*ATTEMPT_COLUMNS)
                    .where(_ATTEMPT.c.shop == shop, _ATTEMPT.c.customer_id == customer_id)
                    .order_by(_ATTEMPT.c.at, _ATTEMPT.c.id)
                )
                edits = await conn.execute(
                    select(schema.edits)
                    .where(schema.edits.c.shop == shop, schema.edits.c.customer_id == customer_id)
                    .order_by(schema.edits.c.at, schema.edits.c.id)
                )
                data = CustomerData(
                    shop=shop,
                    customer_id=customer_id,
                    cancellations=[_record(row) for row in records.mappings()],
                    attempts=[attempt_from_row(row) for row in attempts.mappings()],
                    edits=[edit_from_row(row) for row in edits.mappings()],
                )
        # Withdrawals are legal evidence, kept past a redaction: the export shows them too.
        data.withdrawals.extend(await self.customer_withdrawals(shop, customer_id))
        return data

    async def delete_older_than(self, before: datetime, *, now: datetime) -> int:
        return await self._delete_all(
            [
                delete(_ATTEMPT).where(_ATTEMPT.c.at < before),
                delete(schema.edits).where(schema.edits.c.at < before),
                # A flight still IN_FLIGHT is someone's live lock, however old: never touch it.
                delete(_RECORD).where(
                    _RECORD.c.updated_at < before,
                    _RECORD.c.state != FlightState.IN_FLIGHT.value,
                ),
                delete(_CLAIM).where(_CLAIM.c.expires_at <= now),  # expired marks count as absent
                # A request the shop answered (or the customer withdrew) goes like an attempt;
                # one that waits, or whose approval is under way, stays.
                delete(schema.cancel_requests).where(
                    schema.cancel_requests.c.updated_at < before,
                    schema.cancel_requests.c.state.in_(["APPROVED", "DECLINED", "WITHDRAWN"]),
                ),
                # The deliveries' log serves health figures and deduplication (Shopify retries
                # for 4 hours); a week is ample. A delivery not yet handled stays.
                delete(schema.webhook_deliveries).where(
                    schema.webhook_deliveries.c.received_at < now - DELIVERY_LOG,
                    schema.webhook_deliveries.c.handled_at.is_not(None),
                ),
                *self._finished_jobs(now - DELIVERY_LOG),
            ]
        )

    def _finished_jobs(self, before: datetime) -> list[Delete]:
        if self._postgres:
            return []  # procrastinate deletes a job when it succeeds; failed ones stay to see
        return [
            delete(schema.jobs).where(
                schema.jobs.c.status == "succeeded", schema.jobs.c.finished_at < before
            )
        ]
