"""One async SQLAlchemy engine, on SQLite (aiosqlite) or PostgreSQL (psycopg 3).

`DATABASE_URL` comes as hosting platforms hand it out (`postgres://user:pw@host/db`,
`postgresql://…`, with or without a password); `database_url()` adds the driver.

SQLite. The file is in WAL mode, so readers never wait for the writer. The pool holds one
connection: a process then never contends with itself for SQLite's write lock (its busy handler
sleeps, which would cost every concurrent cancel milliseconds), calls run in the order made, and
other processes wait up to `busy_timeout` for the lock. pysqlite's own transaction handling is
off; we say `BEGIN` ourselves, and `BEGIN IMMEDIATE` for writes, which takes the write lock up
front: a deferred transaction that reads first and writes later could fail with SQLITE_BUSY at
the write instead of waiting.

PostgreSQL. A pool per process; a connection that fails (the server restarted) invalidates the
pool, so the next checkout reconnects and service comes back by itself. Every statement has a
time limit, so a stuck server answers 503 rather than holding requests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

WRITE = {"cancel_button_write": True}


def database_url(database_url: str | None, sqlite_path: Path) -> URL:
    """The engine's URL: `DATABASE_URL` with its driver, else the SQLite file."""
    if not database_url:
        return URL.create("sqlite+aiosqlite", database=str(sqlite_path))
    url = make_url(database_url)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"DATABASE_URL must be a postgres:// or postgresql:// URL, not {url.drivername}://"
    )


def create_engine(url: URL, *, timeout: float, busy_timeout: float = 5.0) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout)
    millis = max(1, int(timeout * 1000))
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_timeout=timeout,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": max(1, round(timeout)),
            "options": f"-c statement_timeout={millis} -c lock_timeout={millis}"
            " -c idle_in_transaction_session_timeout=60000",
            "application_name": "cancel-button",
        },
    )


def _sqlite_engine(url: URL, busy_timeout: float) -> AsyncEngine:
    if url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        pool_size=1,
        max_overflow=0,
        pool_timeout=30,
        connect_args={"timeout": busy_timeout},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            mode = _enable_wal(cursor, busy_timeout)
            if mode != "wal":
                raise RuntimeError(f"{url.database}: WAL unavailable (got {mode!r})")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("cancel_button_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _enable_wal(cursor: Any, patience: float) -> str:
    """Switch to WAL. On a new file another process may be doing the same: switching the
    journal mode ignores the busy timeout and fails at once with "locked", so wait here."""
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            (mode,) = cursor.fetchone()
            return str(mode)
        except Exception as error:  # sqlite3.OperationalError, through the async adapter
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
