"""The embedded store: one SQLite file, safe to share between processes on one host.

Threads. `sqlite3` blocks, so every call runs on a single worker thread the store owns, and that
thread opened the one connection. A dedicated thread rather than `asyncio.to_thread` plus a lock:
a connection belongs to the thread that made it (no `check_same_thread=False`); the executor's
queue already serialises calls in order, so no asyncio lock is needed and calls from one process
never contend with each other for SQLite's write lock; and a slow disk occupies this thread only,
not the loop's default executor that DNS lookups and `to_thread` share. One thread is no
bottleneck, since SQLite runs one writer at a time anyway and reads take microseconds.

A call whose caller is cancelled still runs to its end on the thread: its transaction commits or
rolls back whole, never half.

Processes. The file is in WAL mode, so readers never wait for the writer, and every connection
waits up to `busy_timeout` for the write lock. `claim` is a single upsert whose conflict branch
only fires on a stale IN_FLIGHT row, run inside `BEGIN IMMEDIATE` so that the row it reports back
is the one that made it lose.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from backend.policy import ShopPolicy
from backend.store.base import Attempt, CancellationRecord, CustomerData, FlightState, ShopToken
from backend.store.codec import (
    decode_attempt,
    decode_policy,
    decode_record,
    decode_token,
    dumps,
    encode_attempt,
    encode_datetime,
    encode_policy,
    encode_record,
    encode_token,
    loads,
)

T = TypeVar("T")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS policies (shop TEXT PRIMARY KEY, policy TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (shop TEXT PRIMARY KEY, token TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS cancellations (
        shop TEXT NOT NULL,
        order_id TEXT NOT NULL,
        customer_id TEXT,
        state TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        job_id TEXT,
        message TEXT,
        PRIMARY KEY (shop, order_id)
    )""",
    """CREATE TABLE IF NOT EXISTS attempts (
        id INTEGER PRIMARY KEY,
        shop TEXT NOT NULL,
        order_id TEXT NOT NULL,
        customer_id TEXT,
        reason_code TEXT NOT NULL,
        note TEXT,
        outcome TEXT NOT NULL,
        at TEXT NOT NULL,
        block TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS attempts_by_shop_at ON attempts (shop, at)",
    # First-seen marks: webhook deliveries, spent refresh tokens. `key` is never a secret.
    """CREATE TABLE IF NOT EXISTS claims (
        shop TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (shop, kind, key)
    )""",
    "CREATE INDEX IF NOT EXISTS claims_by_expiry ON claims (expires_at)",
)

# Every table that holds a shop's data; erase_shop empties each of them for the shop.
_SHOP_TABLES = ("policies", "tokens", "cancellations", "attempts", "claims")

# A mark that has expired counts as absent: the upsert takes it over.
_CLAIM_ONCE = """
    INSERT INTO claims (shop, kind, key, expires_at) VALUES (:shop, :kind, :key, :expires_at)
    ON CONFLICT (shop, kind, key) DO UPDATE SET expires_at = excluded.expires_at
    WHERE claims.expires_at <= :at
"""

_RECORD_COLUMNS = (
    "shop, order_id, customer_id, state, reason_code, note, created_at, updated_at, job_id, message"
)
_ATTEMPT_COLUMNS = "shop, order_id, customer_id, reason_code, note, outcome, at, block"


def _placeholders(columns: str) -> str:
    return ", ".join(f":{name.strip()}" for name in columns.split(","))


# Timestamps are the codec's fixed-width UTC text, so `<` on them compares instants.
_CLAIM = f"""
    INSERT INTO cancellations ({_RECORD_COLUMNS}) VALUES ({_placeholders(_RECORD_COLUMNS)})
    ON CONFLICT (shop, order_id) DO UPDATE SET
        customer_id = excluded.customer_id, state = excluded.state,
        reason_code = excluded.reason_code, note = excluded.note,
        created_at = excluded.created_at, updated_at = excluded.updated_at,
        job_id = excluded.job_id, message = excluded.message
    WHERE cancellations.state = 'IN_FLIGHT' AND cancellations.updated_at < :stale_before
"""

# A cancelled order stays cancelled: Shopify cannot undo it, so a late PENDING from the request
# that sent orderCancel must not overwrite the CANCELLED the webhook already wrote.
_SETTLE = """
    UPDATE cancellations SET
        state = :state, updated_at = :at,
        job_id = COALESCE(:job_id, job_id), message = COALESCE(:message, message)
    WHERE shop = :shop AND order_id = :order_id AND (state != 'CANCELLED' OR :state = 'CANCELLED')
"""


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front: a deferred transaction that reads first and then
    # writes can fail with SQLITE_BUSY at the write instead of waiting for the lock.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class SQLiteStore:
    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    async def open(self) -> None:
        if self._executor is not None:
            return
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        try:
            self._conn = await asyncio.get_running_loop().run_in_executor(executor, self._connect)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        self._executor = executor

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # `timeout` is SQLite's busy timeout. isolation_level=None: no implicit transactions,
        # a write that needs one says BEGIN.
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        try:
            conn.row_factory = _dict_row
            mode = _enable_wal(conn, self.busy_timeout)
            if mode != "wal":
                raise sqlite3.OperationalError(f"{self.path}: WAL unavailable (got {mode!r})")
            conn.execute("PRAGMA synchronous = NORMAL")
            with _immediate(conn):
                for statement in _SCHEMA:
                    conn.execute(statement)
        except BaseException:
            conn.close()
            raise
        return conn

    async def close(self) -> None:
        executor, conn = self._executor, self._conn
        self._executor = self._conn = None
        if executor is None or conn is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(executor, _finish, conn)
        finally:
            # Its one thread is idle now (close was the last job queued), so this is instant.
            executor.shutdown(wait=True)

    async def _run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None or self._conn is None:
            raise RuntimeError("SQLiteStore is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, job, self._conn)

    async def ping(self) -> bool:
        try:
            row = await self._fetch_one("SELECT 1 AS ok", ())
        except (RuntimeError, sqlite3.Error):
            return False
        return row == {"ok": 1}

    async def get_policy(self, shop: str) -> ShopPolicy | None:
        row = await self._fetch_one("SELECT policy FROM policies WHERE shop = ?", (shop,))
        return None if row is None else decode_policy(loads(row["policy"]))

    async def save_policy(self, shop: str, policy: ShopPolicy) -> None:
        await self._execute(
            "INSERT INTO policies (shop, policy) VALUES (?, ?)"
            " ON CONFLICT (shop) DO UPDATE SET policy = excluded.policy",
            (shop, dumps(encode_policy(policy))),
        )

    async def get_token(self, shop: str) -> ShopToken | None:
        row = await self._fetch_one("SELECT token FROM tokens WHERE shop = ?", (shop,))
        return None if row is None else decode_token(loads(row["token"]))

    async def save_token(self, shop: str, token: ShopToken) -> None:
        await self._execute(
            "INSERT INTO tokens (shop, token) VALUES (?, ?)"
            " ON CONFLICT (shop) DO UPDATE SET token = excluded.token",
            (shop, dumps(encode_token(token))),
        )

    async def delete_token(self, shop: str) -> None:
        await self._execute("DELETE FROM tokens WHERE shop = ?", (shop,))

    async def claim(
        self, record: CancellationRecord, *, stale_before: datetime
    ) -> CancellationRecord | None:
        if record.state is not FlightState.IN_FLIGHT:
            raise ValueError(f"a claim stores an IN_FLIGHT record, not {record.state}")
        params = encode_record(record) | {"stale_before": encode_datetime(stale_before)}

        def run(conn: sqlite3.Connection) -> CancellationRecord | None:
            with _immediate(conn):
                if conn.execute(_CLAIM, params).rowcount == 1:
                    return None
                row = conn.execute(
                    f"SELECT {_RECORD_COLUMNS} FROM cancellations"
                    " WHERE shop = :shop AND order_id = :order_id",
                    params,
                ).fetchone()
            return decode_record(row)

        return await self._run(run)

    async def settle(
        self,
        shop: str,
        order_id: str,
        state: FlightState,
        *,
        at: datetime,
        job_id: str | None = None,
        message: str | None = None,
    ) -> None:
        """Move the order's record to `state`; a None `job_id` or `message` keeps the stored one.

        No record, nothing to do. A CANCELLED record never moves to another state.
        """
        await self._execute(
            _SETTLE,
            {
                "shop": shop,
                "order_id": order_id,
                "state": state.value,
                "at": encode_datetime(at),
                "job_id": job_id,
                "message": message,
            },
        )

    async def release(self, shop: str, order_id: str) -> None:
        await self._execute(
            "DELETE FROM cancellations WHERE shop = ? AND order_id = ? AND state = 'IN_FLIGHT'",
            (shop, order_id),
        )

    async def get_cancellation(self, shop: str, order_id: str) -> CancellationRecord | None:
        row = await self._fetch_one(
            f"SELECT {_RECORD_COLUMNS} FROM cancellations WHERE shop = ? AND order_id = ?",
            (shop, order_id),
        )
        return None if row is None else decode_record(row)

    async def get_cancellations(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancellationRecord]:
        if not order_ids:
            return {}
        # One bound JSON array instead of one placeholder per id: no SQLITE_MAX_VARIABLE_NUMBER
        # to mind, and the statement text stays the same for any number of ids.
        rows = await self._fetch_all(
            f"SELECT {_RECORD_COLUMNS} FROM cancellations WHERE shop = ?"
            " AND order_id IN (SELECT value FROM json_each(?))",
            (shop, json.dumps(list(order_ids))),
        )
        return {row["order_id"]: decode_record(row) for row in rows}

    async def record_attempt(self, attempt: Attempt) -> None:
        await self._execute(
            f"INSERT INTO attempts ({_ATTEMPT_COLUMNS}) VALUES ({_placeholders(_ATTEMPT_COLUMNS)})",
            encode_attempt(attempt),
        )

    async def attempts(self, shop: str, *, since: datetime | None = None) -> list[Attempt]:
        query = f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE shop = ?"
        params: tuple[str, ...] = (shop,)
        if since is not None:
            query += " AND at >= ?"
            params += (encode_datetime(since),)
        # The index (shop, at) ends in the rowid, so this order is the index's own: no sort step.
        rows = await self._fetch_all(query + " ORDER BY at, id", params)
        return [decode_attempt(row) for row in rows]

    async def seen_webhook(
        self, shop: str, webhook_id: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        return not await self._claim_once(shop, "webhook", webhook_id, ttl=ttl, at=at)

    async def claim_refresh(
        self, shop: str, refresh_token: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        digest = hashlib.sha256(refresh_token.encode()).hexdigest()
        return await self._claim_once(shop, "refresh", digest, ttl=ttl, at=at)

    async def _claim_once(
        self, shop: str, kind: str, key: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        params = {
            "shop": shop,
            "kind": kind,
            "key": key,
            "at": encode_datetime(at),
            "expires_at": encode_datetime(at + ttl),
        }

        def run(conn: sqlite3.Connection) -> bool:
            with _immediate(conn):
                # Expired marks are swept as we go, by the index: the table stays small.
                conn.execute("DELETE FROM claims WHERE expires_at <= :at", params)
                return bool(conn.execute(_CLAIM_ONCE, params).rowcount == 1)

        return await self._run(run)

    async def erase_shop(self, shop: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                for table in _SHOP_TABLES:
                    conn.execute(f"DELETE FROM {table} WHERE shop = ?", (shop,))

        await self._run(run)

    async def erase_customer(self, shop: str, customer_id: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            with _immediate(conn):
                for table in ("cancellations", "attempts"):
                    conn.execute(
                        f"DELETE FROM {table} WHERE shop = ? AND customer_id = ?",
                        (shop, customer_id),
                    )

        await self._run(run)

    async def customer_data(self, shop: str, customer_id: str) -> CustomerData:
        records = await self._fetch_all(
            f"SELECT {_RECORD_COLUMNS} FROM cancellations WHERE shop = ? AND customer_id = ?"
            " ORDER BY created_at, order_id",
            (shop, customer_id),
        )
        attempts = await self._fetch_all(
            f"SELECT {_ATTEMPT_COLUMNS} FROM attempts WHERE shop = ? AND customer_id = ?"
            " ORDER BY at, id",
            (shop, customer_id),
        )
        return CustomerData(
            shop=shop,
            customer_id=customer_id,
            cancellations=[decode_record(row) for row in records],
            attempts=[decode_attempt(row) for row in attempts],
        )

    async def _execute(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> None:
        await self._run(lambda conn: conn.execute(sql, params).close())

    async def _fetch_one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        row: dict[str, Any] | None = await self._run(
            lambda conn: conn.execute(sql, params).fetchone()
        )
        return row

    async def _fetch_all(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self._run(
            lambda conn: conn.execute(sql, params).fetchall()
        )
        return rows


def _finish(conn: sqlite3.Connection) -> None:
    # Recommended on close: lets SQLite refresh the planner statistics it found lacking.
    try:
        conn.execute("PRAGMA optimize")
    finally:
        conn.close()


def _enable_wal(conn: sqlite3.Connection, patience: float) -> str:
    """Switch to WAL. On a new file another process may be doing the same: switching the
    journal mode ignores the busy timeout and fails at once with "locked", so wait here."""
    deadline = time.monotonic() + patience
    while True:
        try:
            (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone().values()
            return str(mode)
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
