"""What only SQLite has to show: the file's settings, processes, locks, and the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.store.base import CancellationRecord, FlightState, StoreUnavailable
from backend.store.engine import create_engine, database_url
from backend.store.sql import SQLStore
from tests.store.racers import ORDERS, race
from tests.stores import TEST_CIPHER, sqlite_store

ROOT = Path(__file__).resolve().parents[2]
SHOP = "alpha.myshopify.com"
ORDER = "gid://shopify/Order/1001"
T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def flight(customer: str = "1") -> CancellationRecord:
    return CancellationRecord(
        shop=SHOP,
        order_id=ORDER,
        customer_id=customer,
        state=FlightState.IN_FLIGHT,
        reason_code="OTHER",
        note=None,
        created_at=T0,
        updated_at=T0,
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite3"


async def test_file_is_in_wal_mode_with_the_schema_in_place(path: Path) -> None:
    store = sqlite_store(path)
    await store.open()
    await store.close()

    with sqlite3.connect(path) as conn:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert mode == "wal"
    assert {"policies", "tokens", "cancellations", "attempts", "attempts_by_shop_at"} <= names
    assert "alembic_version" in names


async def test_data_outlives_the_store_that_wrote_it(path: Path) -> None:
    first = sqlite_store(path)
    await first.open()
    await first.claim(flight(), stale_before=T0)
    await first.close()

    second = sqlite_store(path)
    await second.open()
    try:
        assert await second.get_cancellation(SHOP, ORDER) == flight()
    finally:
        await second.close()


async def test_a_write_lock_held_past_the_busy_timeout_is_store_unavailable(path: Path) -> None:
    store = SQLStore(
        create_engine(database_url(None, path), timeout=5, busy_timeout=0.2), TEST_CIPHER
    )
    await store.open()
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreUnavailable):
            await store.claim(flight(), stale_before=T0)
        blocker.execute("ROLLBACK")
        assert await store.claim(flight(), stale_before=T0) is None  # and then it works again
    finally:
        blocker.close()
        await store.close()


async def test_two_stores_on_one_file_have_one_winner(path: Path) -> None:
    stores = [sqlite_store(path), sqlite_store(path)]
    for store in stores:
        await store.open()
    try:
        results = await asyncio.gather(
            *(
                store.claim(flight(customer=str(n)), stale_before=T0)
                for n in range(25)
                for store in stores
            )
        )
    finally:
        for store in stores:
            await store.close()

    assert sum(result is None for result in results) == 1


def test_two_processes_racing_for_the_same_orders_have_one_winner_each(path: Path) -> None:
    # Both open the new file at once too, so first-time setup races as well.
    won = race("sqlite", str(path))

    assert sorted(won["process-a"] + won["process-b"]) == sorted(ORDERS)
    with sqlite3.connect(path) as conn:
        holders = dict(conn.execute("SELECT order_id, customer_id FROM cancellations"))
    conn.close()
    assert holders == {order_id: name for name in won for order_id in won[name]}


async def test_loop_keeps_running_while_a_call_waits_for_the_database(path: Path) -> None:
    store = SQLStore(
        create_engine(database_url(None, path), timeout=5, busy_timeout=10), TEST_CIPHER
    )
    await store.open()
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        # Another connection holds the write lock, so the claim must wait on its busy timeout.
        blocker.execute("BEGIN IMMEDIATE")
        claim = asyncio.create_task(store.claim(flight(), stale_before=T0))
        for _ in range(100):
            await asyncio.sleep(0)
        # Had the claim blocked the loop, it would have run its whole wait (and failed) inside
        # the first tick; here the loop ticked on while the claim still waited.
        assert not claim.done()
        blocker.execute("ROLLBACK")
        assert await claim is None
    finally:
        blocker.close()
        await store.close()
