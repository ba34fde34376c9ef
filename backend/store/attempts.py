"""Attempts: each try to cancel, for the merchant's insights, counted by the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, case, func, literal, select, tuple_

from backend.policy import CancelBlock
from backend.store import schema
from backend.store.base import Attempt, AttemptSummary, Outcome
from backend.store.codec import encode_attempt_json
from backend.store.database import Database, unavailable

_CANCELLED = (Outcome.PENDING.value, Outcome.CANCELLED.value)
_ATTEMPT = schema.attempts


def attempt_row(attempt: Attempt) -> dict[str, Any]:
    """The attempt's columns: the codec's JSON, with the instant as a datetime."""
    return encode_attempt_json(attempt) | {"at": attempt.at}


def attempt_from_row(row: RowMapping) -> Attempt:
    block = row["block"]
    return Attempt(
        shop=row["shop"],
        order_id=row["order_id"],
        customer_id=row["customer_id"],
        reason_code=row["reason_code"],
        note=row["note"],
        outcome=Outcome(row["outcome"]),
        at=row["at"],
        block=None if block is None else CancelBlock(block),
    )


ATTEMPT_COLUMNS = tuple(
    _ATTEMPT.c[name]
    for name in ("shop", "order_id", "customer_id", "reason_code", "note", "outcome", "at", "block")
)


class AttemptRows(Database):
    async def record_attempt(self, attempt: Attempt) -> None:
        await self._write(_ATTEMPT.insert().values(**attempt_row(attempt)))

    async def attempts(self, shop: str, *, since: datetime | None = None) -> list[Attempt]:
        statement = select(*ATTEMPT_COLUMNS).where(_ATTEMPT.c.shop == shop)
        if since is not None:
            statement = statement.where(_ATTEMPT.c.at >= since)
        rows = await self._rows(statement.order_by(_ATTEMPT.c.at, _ATTEMPT.c.id))
        return [attempt_from_row(row) for row in rows]

    async def attempt_pages(
        self, shop: str, *, since: datetime, page_size: int = 1000
    ) -> AsyncIterator[list[Attempt]]:
        after: tuple[datetime, int] | None = None
        while True:
            statement = select(*ATTEMPT_COLUMNS, _ATTEMPT.c.id).where(_ATTEMPT.c.shop == shop)
            # Keyset paging on the index (shop, at, id): each page's scan starts where the last
            # one ended (a row value, so both databases seek to it rather than filter from
            # `since` again, which made a large export quadratic).
            if after is None:
                statement = statement.where(_ATTEMPT.c.at >= since)
            else:
                statement = statement.where(
                    tuple_(_ATTEMPT.c.at, _ATTEMPT.c.id)
                    > tuple_(literal(after[0], _ATTEMPT.c.at.type), literal(after[1]))
                )
            rows = await self._rows(
                statement.order_by(_ATTEMPT.c.at, _ATTEMPT.c.id).limit(page_size)
            )
            if not rows:
                return
            yield [attempt_from_row(row) for row in rows]
            if len(rows) < page_size:
                return
            after = (rows[-1]["at"], rows[-1]["id"])

    async def summarize_attempts(
        self,
        shop: str,
        *,
        since: datetime,
        until: datetime,
        day_starts: Sequence[datetime],
        notes: int,
    ) -> AttemptSummary:
        in_period = (_ATTEMPT.c.shop == shop, _ATTEMPT.c.at >= since, _ATTEMPT.c.at <= until)
        first = (
            select(
                _ATTEMPT.c.reason_code,
                _ATTEMPT.c.at,
                func.row_number()
                .over(partition_by=_ATTEMPT.c.order_id, order_by=(_ATTEMPT.c.at, _ATTEMPT.c.id))
                .label("n"),
            )
            .where(*in_period, _ATTEMPT.c.outcome.in_(_CANCELLED))
            .subquery()
        )
        # The day an instant falls on: the last day start at or before it (newest first),
        # worked out once per order's first cancel, not for every attempt nor twice per row.
        day = case(
            *(
                (first.c.at >= start, index)
                for index, start in reversed(list(enumerate(day_starts)))
            ),
            else_=0,
        ).label("day")
        firsts = select(day, first.c.reason_code).where(first.c.n == 1).subquery()
        counted = select(firsts.c.day, firsts.c.reason_code, func.count().label("orders")).group_by(
            firsts.c.day, firsts.c.reason_code
        )
        refused = (
            select(_ATTEMPT.c.block, func.count().label("attempts"))
            .where(
                *in_period,
                _ATTEMPT.c.block.is_not(None),
                _ATTEMPT.c.outcome != Outcome.DUPLICATE.value,
            )
            .group_by(_ATTEMPT.c.block)
        )
        latest = (
            select(*ATTEMPT_COLUMNS)
            .where(
                *in_period,
                _ATTEMPT.c.note.is_not(None),
                _ATTEMPT.c.note != "",
                _ATTEMPT.c.outcome != Outcome.DUPLICATE.value,
            )
            .order_by(_ATTEMPT.c.at.desc(), _ATTEMPT.c.id.desc())
            .limit(notes)
        )
        async with self._begin(write=False) as conn:
            with unavailable():
                by_day = (await conn.execute(counted)).all()
                by_cause = (await conn.execute(refused)).all()
                noted = (await conn.execute(latest)).mappings().all()
        return AttemptSummary(
            cancellations={(int(d), str(code)): int(n) for d, code, n in by_day},
            refusals={CancelBlock(block): int(n) for block, n in by_cause},
            notes=[attempt_from_row(row) for row in noted],
        )

    # First-seen marks --------------------------------------------------------------------
