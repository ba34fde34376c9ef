"""What the store promises the order mirror, webhook deliveries and jobs, on both databases."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from backend.orders import FulfillmentOrderState, OrderSnapshot
from backend.store.base import Job
from backend.store.sql import SQLStore

SHOP = "alpha"
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ORDER = OrderSnapshot(
    id="gid://shopify/Order/1",
    name="#1001",
    customer_id="gid://shopify/Customer/7",
    created_at=T0,
    cancelled_at=None,
    closed=False,
    financial_status="PAID",
    fulfillment_status="UNFULFILLED",
    fulfillment_orders=(FulfillmentOrderState("OPEN", "UNSUBMITTED"),),
    tags=frozenset({"gift"}),
    product_tags=frozenset({"preorder"}),
    risk_recommendation="ACCEPT",
    confirmation_number="ABC123",
    updated_at=T0,
)


def later(minutes: int, **changes: object) -> OrderSnapshot:
    return replace(ORDER, updated_at=T0 + timedelta(minutes=minutes), **changes)  # type: ignore[arg-type]


# The order mirror


async def test_a_mirrored_order_reads_back_whole_with_the_shops_zone(store: SQLStore) -> None:
    await store.save_timezone(SHOP, "Europe/Amsterdam", at=T0)
    assert await store.mirror_order(SHOP, ORDER, complete=True, at=T0) is True

    mirror = await store.mirrored_orders(SHOP, [ORDER.id, "gid://shopify/Order/404"])

    assert mirror.timezone == "Europe/Amsterdam"
    assert list(mirror.orders) == [ORDER.id]
    held = mirror.orders[ORDER.id]
    assert (held.order, held.complete, held.confirmed_at) == (ORDER, True, T0)
    assert (await store.mirrored_orders("beta", [ORDER.id])).orders == {}


async def test_an_older_snapshot_never_replaces_a_newer_one(store: SQLStore) -> None:
    newer = later(5, tags=frozenset({"newer"}))
    await store.mirror_order(SHOP, newer, complete=True, at=T0)

    kept = await store.mirror_order(SHOP, later(1, tags=frozenset({"older"})), complete=True, at=T0)

    assert kept is False
    assert (await store.mirrored_orders(SHOP, [ORDER.id])).orders[ORDER.id].order == newer


async def test_on_a_tie_a_read_wins_and_a_webhook_never_replaces_a_read(store: SQLStore) -> None:
    await store.mirror_order(SHOP, later(5), complete=True, at=T0, read=True)

    assert await store.mirror_order(SHOP, later(5), complete=False, at=T0) is False
    assert await store.mirror_order(SHOP, later(5, name="#merged"), complete=True, at=T0) is False
    assert await store.mirror_order(SHOP, later(5, name="#read"), complete=True, at=T0, read=True)
    assert await store.mirror_order(SHOP, later(6), complete=False, at=T0) is True
    assert await store.mirror_order(SHOP, later(6, name="#webhook"), complete=True, at=T0)


async def test_concurrent_deliveries_leave_the_newest_snapshot(store: SQLStore) -> None:
    versions = [later(n, name=f"#v{n}") for n in range(20)]

    await asyncio.gather(
        *(store.mirror_order(SHOP, v, complete=True, at=T0) for v in reversed(versions))
    )

    assert (await store.mirrored_orders(SHOP, [ORDER.id])).orders[ORDER.id].order.name == "#v19"


async def test_pruning_drops_old_orders_and_quiet_settled_ones_only(store: SQLStore) -> None:
    now = T0 + timedelta(days=3)
    old = replace(ORDER, id="gid://shopify/Order/old", created_at=T0 - timedelta(days=90))
    settled = replace(ORDER, id="gid://shopify/Order/done", cancelled_at=T0)
    fresh = replace(ORDER, id="gid://shopify/Order/fresh")
    for order in (old, settled, fresh):
        await store.mirror_order(SHOP, order, complete=True, at=T0)

    dropped = await store.prune_mirror(
        SHOP, created_before=now - timedelta(days=60), settled_before=now - timedelta(days=1)
    )

    assert dropped == 2
    ids = [old.id, settled.id, fresh.id]
    assert list((await store.mirrored_orders(SHOP, ids)).orders) == [fresh.id]


async def test_erasing_a_customer_or_a_shop_erases_their_mirrored_orders(store: SQLStore) -> None:
    await store.mirror_order(SHOP, ORDER, complete=True, at=T0)
    guest = replace(ORDER, id="gid://shopify/Order/2", customer_id=None)
    await store.mirror_order(SHOP, guest, complete=True, at=T0)

    await store.erase_customer(SHOP, ORDER.customer_id, [guest.id])

    assert (await store.mirrored_orders(SHOP, [ORDER.id, guest.id])).orders == {}


# Webhook deliveries


async def test_a_delivery_is_recorded_once_and_dropped_once_handled(store: SQLStore) -> None:
    first = await store.record_delivery(
        SHOP, "wh-1", "orders/updated", '{"id": 1}', triggered_at=T0, received_at=T0
    )
    again = await store.record_delivery(
        SHOP, "wh-1", "orders/updated", '{"id": 1}', triggered_at=T0, received_at=T0
    )
    assert first is not None and again is None

    delivery = await store.take_delivery(first)
    assert delivery is not None and delivery.payload == '{"id": 1}'
    await store.delivery_handled(first, at=T0)
    assert await store.take_delivery(first) is None


async def test_delivery_health_counts_and_measures_lag(store: SQLStore) -> None:
    for n in range(10):
        await store.record_delivery(
            SHOP,
            f"wh-{n}",
            "orders/updated",
            "{}",
            triggered_at=T0,
            received_at=T0 + timedelta(milliseconds=100 * (n + 1)),
        )

    health = await store.delivery_health(SHOP, since=T0, stuck_before=T0)

    assert (health.received, health.unhandled, health.stuck) == (10, 10, 0)
    assert health.last_received_at == T0 + timedelta(seconds=1)
    assert health.lag_p50 is not None and timedelta(milliseconds=500) <= health.lag_p50
    assert health.lag_p50 <= timedelta(milliseconds=600)
    assert health.lag_p99 is not None and health.lag_p99 >= timedelta(milliseconds=990)


# Jobs


async def test_a_job_deferred_in_a_rolled_back_transaction_is_gone(store: SQLStore) -> None:
    try:
        async with store.transaction() as tx:
            await tx.defer_job(Job("note", {"n": 1}), at=T0)
            raise RuntimeError("the data write failed")
    except RuntimeError:
        pass
    async with store.transaction() as tx:
        await tx.defer_job(Job("note", {"n": 2}), at=T0)

    stats = await store.job_stats(now=T0 + timedelta(seconds=1))
    assert (stats.queued, stats.due, stats.running, stats.failed) == (1, 1, 0, 0)


async def test_a_queueing_lock_keeps_one_waiting_job(store: SQLStore) -> None:
    job = Job("refresh_order", {"order_id": "1"}, queueing_lock="refresh:1")

    results = [await store.defer_job(job, at=T0) for _ in range(3)]

    assert results == [True, False, False]
    assert (await store.job_stats(now=T0)).queued == 1
