"""Fulfilment holds end to end (issue 12): devshop's Shopify, its warehouse, our jobs."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import httpx
import pytest

from backend.holds import HOLD, ReleaseWhy
from backend.holds.holding import RELEASE_ATTEMPTS
from backend.orders import HOLD_HANDLE
from backend.policy import ShopPolicy
from backend.services import Services, running_services
from backend.store.base import HoldRecord, HoldState, Job
from devshop import order_actions
from devshop.warehouse import Warehouse
from devshop.world import Order, WorldEvent
from tests.conftest import ADA, Stack, cancel, running_stack
from tests.stores import postgres_store, sqlite_store

SHOP = "demo-shop"
HOLDING = ShopPolicy(window_minutes=60, hold_fulfillment=True)


async def place(stack: Stack, policy: ShopPolicy | None = HOLDING) -> Order:
    """A checkout now, routed, with every webhook and job it causes handled."""
    if policy is not None:
        await stack.store.save_policy(SHOP, policy)
    order = order_actions.create_order(stack.world, customer_id=ADA)
    await stack.settle()
    await later(stack, seconds=1)  # routing
    return order


async def later(stack: Stack, **delta: float) -> None:
    stack.clock.advance(**delta)
    stack.world.settle_jobs()
    await stack.settle()


async def records(stack: Stack, order: Order) -> list[HoldRecord]:
    return await stack.store.holds_of_order(SHOP, f"gid://shopify/Order/{order.id}")


def holds(order: Order) -> list[tuple[str, bool]]:
    return [(h.handle, h.by_app) for fo in order.fulfillment_orders for h in fo.holds]


async def test_without_the_hold_the_warehouse_outruns_the_cancel(stack: Stack) -> None:
    Warehouse(stack.world, delay=5 * 60)
    order = await place(stack, ShopPolicy(window_minutes=60))
    await later(stack, minutes=10)

    async with stack.shopper() as ada:
        result = await cancel(ada, order.id)

    assert result["__typename"] == "CancelOrderRefused"
    assert result["code"] == "FULFILLMENT_STARTED"
    assert order.display_fulfillment_status == "FULFILLED"


async def test_with_the_hold_every_cancel_in_the_window_succeeds(stack: Stack) -> None:
    warehouse = Warehouse(stack.world, delay=5 * 60)
    cancelled, kept = await place(stack), await place(stack)
    assert holds(cancelled) == holds(kept) == [(HOLD_HANDLE, True)]
    await later(stack, minutes=10)
    assert sorted(warehouse.blocked) == sorted([cancelled.id, kept.id])

    async with stack.shopper() as ada:
        result = await cancel(ada, cancelled.id)
    await later(stack, seconds=1)

    assert result["__typename"] == "CancelOrderSuccess", result
    assert cancelled.cancelled_at is not None
    assert [r.state for r in await records(stack, cancelled)] == [HoldState.ENDED_WITH_CANCEL]
    assert stack.admin_calls("fulfillmentOrderReleaseHold") == 0  # none needed

    await later(stack, minutes=50)  # the window of `kept` closes
    await later(stack, seconds=1)  # the warehouse hears of the release

    assert [(r.state, r.reason) for r in await records(stack, kept)] == [
        (HoldState.RELEASED, ReleaseWhy.DEADLINE.value)
    ]
    assert kept.display_fulfillment_status == "FULFILLED"
    assert warehouse.shipped == [kept.id]
    assert stack.admin_calls("fulfillmentOrderHold") == 2
    assert stack.admin_calls("fulfillmentOrderReleaseHold") == 1


async def test_the_storefront_shows_a_held_order_as_cancellable(stack: Stack) -> None:
    from tests.conftest import ORDER_QUERY, graphql

    order = await place(stack)
    async with stack.shopper() as ada:
        shown = (await graphql(ada, ORDER_QUERY, {"id": str(order.id)})).json()["data"]["order"]

    assert order.fulfillment_orders[0].status == "ON_HOLD"
    assert (shown["cancellable"], shown["blockedBy"]) == (True, None)


@pytest.mark.parametrize(
    ("placed", "release", "policy"),
    [
        # Spring forward: 02:30 does not exist in Amsterdam on 2026-03-29; the cutoff falls
        # when the clock would have shown it, 03:30 CEST.
        (
            "2026-03-28T23:00:00+00:00",
            "2026-03-29T01:30:00+00:00",
            ShopPolicy(window_minutes=None, cutoff=time(2, 30)),
        ),
        # Fall back: 02:30 happens twice on 2026-10-25; the first one (CEST) closes the window.
        (
            "2026-10-24T23:00:00+00:00",
            "2026-10-25T00:30:00+00:00",
            ShopPolicy(window_minutes=None, cutoff=time(2, 30)),
        ),
        # A 60-minute window across the spring-forward hour: 60 real minutes, not wall-clock.
        ("2026-03-29T00:30:00+00:00", "2026-03-29T01:30:00+00:00", ShopPolicy(window_minutes=60)),
        # Window and cutoff both set: whichever closes first.
        (
            "2026-10-25T00:00:00+00:00",
            "2026-10-25T00:30:00+00:00",
            ShopPolicy(window_minutes=60, cutoff=time(2, 30)),
        ),
    ],
    ids=["cutoff-spring-forward", "cutoff-fall-back", "window-spring-forward", "earliest"],
)
async def test_the_hold_is_released_when_the_policy_closes_the_order(
    stack: Stack, placed: str, release: str, policy: ShopPolicy
) -> None:
    stack.clock.offset = datetime.fromisoformat(placed) - datetime.now(UTC)
    order = await place(stack, replace(policy, hold_fulfillment=True))
    due = datetime.fromisoformat(release)
    [record] = await records(stack, order)
    assert (record.state, record.release_at) == (HoldState.HELD, due)

    # A minute early (the tests' drain runs what is due within 30 s): still held.
    await later(stack, seconds=(due - stack.clock()).total_seconds() - 60)
    assert order.fulfillment_orders[0].status == "ON_HOLD"
    await later(stack, seconds=61)

    assert order.fulfillment_orders[0].status == "OPEN"
    assert [r.state for r in await records(stack, order)] == [HoldState.RELEASED]


async def test_the_merchants_own_hold_survives_our_release(stack: Stack) -> None:
    order = await place(stack)
    merchant = order_actions.place_hold(stack.world, order, "INCORRECT_ADDRESS")
    await stack.settle()

    await later(stack, minutes=61)

    fulfillment_order = order.fulfillment_orders[0]
    assert [h.id for h in fulfillment_order.holds] == [merchant.id]
    assert fulfillment_order.status == "ON_HOLD"
    assert [r.state for r in await records(stack, order)] == [HoldState.RELEASED]


async def test_turning_the_rule_off_releases_every_held_order(stack: Stack) -> None:
    orders = [await place(stack) for _ in range(3)]
    assert all(o.fulfillment_orders[0].status == "ON_HOLD" for o in orders)

    await stack.store.save_policy(SHOP, ShopPolicy(window_minutes=60))
    released = await stack.backend.state.services.holds.rule_turned_off(SHOP)
    await stack.settle()

    assert released == 3
    assert [o.fulfillment_orders[0].status for o in orders] == ["OPEN"] * 3
    for order in orders:
        assert [(r.state, r.reason) for r in await records(stack, order)] == [
            (HoldState.RELEASED, ReleaseWhy.RULE_OFF.value)
        ]


async def test_an_edit_that_closes_self_cancel_releases_the_hold(stack: Stack) -> None:
    order = await place(stack)

    order_actions.set_tags(stack.world, order, ["non-cancellable"])
    await stack.settle()
    await later(stack, seconds=1)

    assert order.fulfillment_orders[0].status == "OPEN"
    assert [(r.state, r.reason) for r in await records(stack, order)] == [
        (HoldState.RELEASED, ReleaseWhy.NOT_CANCELLABLE.value)
    ]


async def test_duplicate_order_webhooks_place_one_hold(stack: Stack) -> None:
    stack.devshop.state.webhooks.configure(duplicate=True, reorder=True, seed=3)
    order = await place(stack)
    stack.devshop.state.webhooks.release()
    await stack.settle()

    assert holds(order) == [(HOLD_HANDLE, True)]
    assert [r.state for r in await records(stack, order)] == [HoldState.HELD]


async def test_a_crash_after_the_hold_call_is_reconciled_from_fulfillment_holds(
    stack: Stack,
) -> None:
    # Shopify places the hold, but we hear a 502: the job fails after the hold exists.
    stack.faults.fail_after_execute(502, field="fulfillmentOrderHold")
    order = await place(stack)
    await later(stack, seconds=5)  # the job's retry

    assert holds(order) == [(HOLD_HANDLE, True)]
    [record] = await records(stack, order)
    assert record.state is HoldState.HELD
    assert (
        record.hold_id == f"gid://shopify/FulfillmentHold/{order.fulfillment_orders[0].holds[0].id}"
    )


async def test_shopify_failing_the_release_ends_in_an_alert(stack: Stack) -> None:
    order = await place(stack)
    stack.faults.fail(503, field="fulfillmentOrderReleaseHold", times=None)

    await later(stack, minutes=61)
    for _ in range(RELEASE_ATTEMPTS):
        await later(stack, minutes=10)

    [record] = await records(stack, order)
    assert record.state is HoldState.RELEASE_FAILED
    assert order.fulfillment_orders[0].status == "ON_HOLD"  # still ours to release
    attempts = [c for c in stack.world.calls_for("fulfillmentOrderReleaseHold")]
    assert len(attempts) >= RELEASE_ATTEMPTS

    stack.faults.clear()
    await stack.backend.state.services.holds.defer_release(
        SHOP, record.order_id, ReleaseWhy.MERCHANT
    )
    await stack.settle()

    assert order.fulfillment_orders[0].status == "OPEN"
    assert [r.state for r in await records(stack, order)] == [HoldState.RELEASED]


async def test_two_workers_on_postgresql_place_one_hold_per_fulfillment_order(
    tmp_path: Path, postgres_url: str
) -> None:
    """Two backends' procrastinate workers on one PostgreSQL, duplicated and shuffled webhooks,
    and hold jobs deferred twice more past the queueing lock: one hold each, one record each."""
    async with (
        running_stack(tmp_path, store=postgres_store(postgres_url)) as stack,
        running_services(
            stack.settings,
            clock=stack.clock,
            admin_transport=httpx.ASGITransport(app=stack.served_devshop),
            store=postgres_store(postgres_url),
            worker=True,
        ),
    ):
        await stack.store.save_policy(SHOP, HOLDING)
        stack.devshop.state.webhooks.configure(duplicate=True, reorder=True, seed=5)
        orders = [order_actions.create_order(stack.world, customer_id=ADA) for _ in range(8)]
        stack.world.advance(1)  # routing
        stack.devshop.state.webhooks.release()
        now = stack.clock()
        for order in orders:
            for _ in range(2):
                args = {"shop": SHOP, "order_id": f"gid://shopify/Order/{order.id}"}
                await stack.store.defer_job(Job(HOLD, args), at=now)
        await stack.settle()
        await stack.settle()

        assert [holds(order) for order in orders] == [[(HOLD_HANDLE, True)]] * len(orders)
        for order in orders:
            assert [r.state for r in await records(stack, order)] == [HoldState.HELD]


async def test_only_own_locations_leaves_a_fulfilment_service_order_unheld(stack: Stack) -> None:
    def at_a_fulfilment_service(event: WorldEvent) -> None:
        if event.topic == "fulfillment_orders/order_routing_complete" and event.order in third:
            for fo in event.order.fulfillment_orders:
                fo.at_fulfillment_service = True

    third: list[Order] = []
    stack.world.on_event.insert(0, at_a_fulfilment_service)
    policy = ShopPolicy(window_minutes=60, hold_fulfillment=True, hold_own_locations_only=True)
    await stack.store.save_policy(SHOP, policy)
    service = order_actions.create_order(stack.world, customer_id=ADA)
    third.append(service)
    own = order_actions.create_order(stack.world, customer_id=ADA)
    await stack.settle()
    await later(stack, seconds=1)

    assert holds(own) == [(HOLD_HANDLE, True)]
    assert holds(service) == []
    assert [(r.state, r.reason) for r in await records(stack, service)] == [
        (HoldState.SKIPPED, "FULFILLMENT_SERVICE_LOCATION")
    ]


async def test_a_hold_job_that_finds_the_order_at_a_fulfilment_service_records_why(
    stack: Stack,
) -> None:
    await stack.store.save_policy(SHOP, HOLDING)
    order = order_actions.create_order(stack.world, customer_id=ADA)
    stack.world.advance(1)  # routed, and the 3PL request goes out before our hold job runs
    order_actions.submit_fulfillment_request(stack.world, order)
    args = {"shop": SHOP, "order_id": f"gid://shopify/Order/{order.id}"}
    await stack.store.defer_job(Job(HOLD, args), at=stack.clock())
    await stack.settle()

    assert holds(order) == []
    assert [(r.state, r.reason) for r in await records(stack, order)] == [
        (HoldState.SKIPPED, "AT_FULFILLMENT_SERVICE")
    ]


async def test_a_release_due_while_every_backend_was_down_runs_when_a_worker_is_up(
    tmp_path: Path,
) -> None:
    """The web backend runs no jobs; a worker holds the order and stops; the deadline passes
    with no worker anywhere; the next worker to start releases it."""
    path = tmp_path / "shared.sqlite3"
    async with running_stack(tmp_path, store=sqlite_store(path), in_process_worker=False) as stack:

        def worker() -> AbstractAsyncContextManager[Services]:
            return running_services(
                stack.settings,
                clock=stack.clock,
                admin_transport=httpx.ASGITransport(app=stack.served_devshop),
                store=sqlite_store(path),
                worker=True,
            )

        async def settle(services: Services) -> None:
            for _ in range(3):
                await stack.devshop.state.webhooks.drain()
                await services.runner.drain()

        await stack.store.save_policy(SHOP, HOLDING)
        async with worker() as services:
            order = order_actions.create_order(stack.world, customer_id=ADA)
            await settle(services)
            stack.world.advance(1)  # routing
            await settle(services)
            assert order.fulfillment_orders[0].status == "ON_HOLD"

        stack.clock.advance(hours=2)  # the deadline passes while nothing runs jobs
        stack.world.settle_jobs()
        assert order.fulfillment_orders[0].status == "ON_HOLD"

        async with worker() as services:
            await settle(services)

        assert order.fulfillment_orders[0].status == "OPEN"
        assert [(r.state, r.reason) for r in await records(stack, order)] == [
            (HoldState.RELEASED, ReleaseWhy.DEADLINE.value)
        ]
