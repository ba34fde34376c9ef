"""The attempts as CSV, for a spreadsheet: one row per attempt, the shop's own words.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, and a customer
writes the note: such cells (and those starting with a tab or carriage return, which some
spreadsheets skip before looking) get a leading `'` so they stay text.

The rows stream: the store reads a page of attempts at a time, so a large shop's export never
sits in memory whole, and no database cursor stays open while a slow client reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence

from backend.admin.insights import reason_label
from backend.orders import legacy_id
from backend.policy import ShopPolicy
from backend.store.base import Attempt

COLUMNS = ("time_utc", "order", "outcome", "refused_because", "reason_code", "reason", "note")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_lines(rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerows([list(map(safe_cell, row)) for row in rows])
    return out.getvalue()


def attempts_csv(attempts: Sequence[Attempt], policy: ShopPolicy) -> str:
    return _csv_lines([COLUMNS, *(_row(attempt, policy) for attempt in attempts)])


async def stream_attempts_csv(
    pages: AsyncIterator[list[Attempt]], policy: ShopPolicy
) -> AsyncIterator[str]:
    """The header, then one chunk of rows per page of attempts."""
    yield _csv_lines([COLUMNS])
    async for page in pages:
        yield _csv_lines(_row(attempt, policy) for attempt in page)


def _row(attempt: Attempt, policy: ShopPolicy) -> Iterable[str]:
    return (
        attempt.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        legacy_id(attempt.order_id),
        attempt.outcome.value,
        attempt.block.value if attempt.block else "",
        attempt.reason_code,
        reason_label(policy, attempt.reason_code),
        attempt.note or "",
    )
