"""Migrations: a first-release file upgrades without losing a row, the migrated schema is the
one the code declares, on SQLite and PostgreSQL, and two processes never both migrate."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from backend.policy import CancelBlock, ShopPolicy
from backend.store.base import Attempt, FlightState, Outcome, ShopToken
from backend.store.codec import dumps, encode_datetime, encode_policy, encode_token
from backend.store.migrate import head
from backend.store.schema import metadata
from backend.store.sql import SQLStore
from tests.store.racers import race
from tests.stores import make_store, sqlite_store

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
SHOP = "alpha"

# The first release's SQLite store made its file with exactly these statements
# (backend/store/sqlite.py before the SQL store replaced it).
FIRST_RELEASE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS policies (shop TEXT PRIMARY KEY, policy TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (shop TEXT PRIMARY KEY, token TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS cancellations (
        shop TEXT NOT NULL, order_id TEXT NOT NULL, customer_id TEXT, state TEXT NOT NULL,
        reason_code TEXT NOT NULL, note TEXT, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, job_id TEXT, message TEXT, PRIMARY KEY (shop, order_id)
    )""",
    """CREATE TABLE IF NOT EXISTS attempts (
        id INTEGER PRIMARY KEY, shop TEXT NOT NULL, order_id TEXT NOT NULL, customer_id TEXT,
        reason_code TEXT NOT NULL, note TEXT, outcome TEXT NOT NULL, at TEXT NOT NULL, block TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS attempts_by_shop_at ON attempts (shop, at)",
    """CREATE TABLE IF NOT EXISTS claims (
        shop TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, expires_at TEXT NOT NULL,
        PRIMARY KEY (shop, kind, key)
    )""",
    "CREATE INDEX IF NOT EXISTS claims_by_expiry ON claims (expires_at)",
)
TOKEN = ShopToken(
    "shpat_first_release", T0 + timedelta(hours=1), "shprt_first", T0 + timedelta(days=90)
)
POLICY = ShopPolicy(window_minutes=45, excluded_product_tags=frozenset({"preorder"}))
ATTEMPTS = 120


def first_release_file(path: Path) -> None:
    """A file as the first release left it: its schema, its JSON, its text timestamps."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in FIRST_RELEASE_SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO policies VALUES (?, ?)", (SHOP, dumps(encode_policy(POLICY))))
        conn.execute("INSERT INTO tokens VALUES (?, ?)", (SHOP, dumps(encode_token(TOKEN))))
        conn.execute(
            "INSERT INTO cancellations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                SHOP,
                "gid://shopify/Order/1",
                "gid://shopify/Customer/7",
                "PENDING",
                "CHANGED_MIND",
                "Sorry!",
                encode_datetime(T0),
                encode_datetime(T0 + timedelta(seconds=2)),
                "gid://shopify/Job/1",
                None,
            ),
        )
        conn.executemany(
            "INSERT INTO attempts (shop, order_id, customer_id, reason_code, note, outcome, at,"
            " block) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    SHOP,
                    f"gid://shopify/Order/{n}",
                    "gid://shopify/Customer/7",
                    "OTHER",
                    f"note {n}",
                    "REFUSED",
                    encode_datetime(T0 + timedelta(minutes=n)),
                    "WINDOW_CLOSED",
                )
                for n in range(ATTEMPTS)
            ],
        )
        conn.execute(
            "INSERT INTO claims VALUES (?, 'webhook', 'wh-1', ?)",
            (SHOP, encode_datetime(T0 + timedelta(days=1))),
        )
    conn.close()


async def test_a_first_release_file_upgrades_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "first.sqlite3"
    first_release_file(path)

    store = sqlite_store(path)
    await store.open()
    try:
        assert await store.schema_is_current()
        assert await store.get_policy(SHOP) == POLICY
        assert await store.get_token(SHOP) == TOKEN
        record = await store.get_cancellation(SHOP, "gid://shopify/Order/1")
        attempts = await store.attempts(SHOP)
        # The old webhook mark still holds: a retry of that delivery is still a repeat.
        repeat = await store.seen_webhook(SHOP, "wh-1", ttl=timedelta(days=1), at=T0)
    finally:
        await store.close()

    assert record is not None and record.state is FlightState.PENDING
    assert (record.note, record.job_id, record.created_at) == ("Sorry!", "gid://shopify/Job/1", T0)
    assert len(attempts) == ATTEMPTS
    assert attempts[0] == Attempt(
        SHOP,
        "gid://shopify/Order/0",
        "gid://shopify/Customer/7",
        "OTHER",
        "note 0",
        Outcome.REFUSED,
        T0,
        CancelBlock.WINDOW_CLOSED,
    )
    assert repeat is True
    raw = b"".join(file.read_bytes() for file in tmp_path.glob("first.sqlite3*"))
    assert b"shpat_first_release" not in raw and b"shprt_first" not in raw


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "again.sqlite3")
    await store.open()
    await store.save_policy(SHOP, POLICY)
    await store.open()
    try:
        assert await store.get_policy(SHOP) == POLICY
    finally:
        await store.close()


async def migrated_schema_differences(store: SQLStore) -> list[object]:
    dialect = store.engine.dialect.name

    def ours(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        """Leave out the other dialect's job runner: procrastinate's tables on PostgreSQL,
        `jobs` (declared for SQLite only) elsewhere."""
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if table is None:
            return True
        if table.name.startswith("procrastinate_"):
            return dialect != "postgresql"
        dialects = table.info.get("dialects")
        return dialects is None or dialect in dialects

    async with store.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        differences = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": ours}), metadata
            )
        )
    assert version == head()
    return list(differences)


async def test_migrations_build_the_declared_schema_on_sqlite(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "schema.sqlite3")
    await store.open()
    try:
        assert await migrated_schema_differences(store) == []
    finally:
        await store.close()


async def test_migrations_build_the_declared_schema_on_postgresql(postgres_url: str) -> None:
    store = make_store("postgres", postgres_url)
    await store.open()
    try:
        assert await migrated_schema_differences(store) == []
    finally:
        await store.close()


async def test_a_first_release_file_migrates_to_the_declared_tables_columns_and_indexes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "first.sqlite3"
    first_release_file(path)
    store = sqlite_store(path)
    await store.open()
    try:
        differences = await migrated_schema_differences(store)
    finally:
        await store.close()
    # What remains is how the first release spelled types on SQLite: TEXT where the schema says
    # VARCHAR (both have TEXT affinity, the stored text is the same) and primary keys without
    # NOT NULL. Nothing is added, missing or indexed differently.
    kinds = {
        change[0]
        for group in differences
        for change in (group if isinstance(group, list) else [group])
    }
    assert kinds <= {"modify_type", "modify_nullable"}


def test_two_processes_opening_a_new_postgresql_database_migrate_it_once(
    postgres_url: str,
) -> None:
    # Both racers open (and so migrate) the new database at the same moment; a second migration
    # would fail on tables that exist, and a racer that failed would exit non-zero.
    won = race("postgres", postgres_url, rounds=1)
    assert sorted(won["process-a"] + won["process-b"]) == sorted(
        set(won["process-a"] + won["process-b"])
    )


def test_the_first_release_schema_is_what_revision_0001_declares() -> None:
    # Revision 0001 is the first release's schema: stamping a first-release file with it is
    # only honest if the two have the same tables and columns.
    first = sqlite3.connect(":memory:")
    for statement in FIRST_RELEASE_SCHEMA:
        first.execute(statement)
    tables = {
        name: [column[1] for column in first.execute(f"PRAGMA table_info({name})")]
        for (name,) in first.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    first.close()
    later_columns = {"cancellations": ["staff_note"]}
    declared = {
        table.name: [
            c.name for c in table.columns if c.name not in later_columns.get(table.name, [])
        ]
        for table in metadata.sorted_tables
        if table.name in tables  # tables of later revisions are theirs to declare
    }
    assert set(tables) == {"policies", "tokens", "cancellations", "attempts", "claims"}
    assert json.dumps(tables, sort_keys=True) == json.dumps(declared, sort_keys=True)
