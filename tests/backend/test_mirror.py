"""The order mirror end to end: webhooks in, reads served without Shopify, and never a wrong
cancel from a stale snapshot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend.orders import order_gid
from devshop.seed import DemoOrders
from devshop.settings import DEMO_SHOP
from devshop.webhooks import order_payload
from tests.conftest import ORDER_QUERY, ORDERS_QUERY, Stack, cancel, graphql

SHOP = "demo-shop"
GID = "gid://shopify/Order/{}"


def admin_requests(stack: Stack) -> int:
    """Admin API requests devshop executed, of any kind."""
    return sum(1 for call in stack.world.calls if call.executed)


async def deliver(stack: Stack, topic: str, payload: dict[str, Any], **options: str) -> int:
    delivery = await stack.devshop.state.webhooks.send(topic, payload, shop=DEMO_SHOP, **options)
    await stack.jobs.drain()
    status: int = delivery.status
    return status


def payload(stack: Stack, order_id: int, *, minutes: int = 0, **fields: Any) -> dict[str, Any]:
    order = stack.world.orders[order_id]
    body = order_payload(stack.world, order)
    updated = order.created_at + timedelta(minutes=minutes)
    return body | {"updated_at": updated.isoformat()} | fields


async def read_order(stack: Stack, order_id: int) -> dict[str, Any]:
    async with stack.shopper() as ada:
        response = await graphql(ada, ORDER_QUERY, {"id": str(order_id)})
    order: dict[str, Any] = response.json()["data"]["order"]
    return order


async def test_an_order_told_by_webhook_is_read_without_asking_shopify(stack: Stack) -> None:
    assert await deliver(stack, "orders/create", payload(stack, DemoOrders.CANCELLABLE)) == 200
    # The payload lacks product tags and fulfilment orders: one read by a job completed it.
    assert stack.admin_calls("order") == 1
    before = admin_requests(stack)

    order = await read_order(stack, DemoOrders.CANCELLABLE)

    assert (order["cancellable"], order["blockedBy"]) == (True, None)
    assert admin_requests(stack) == before, [(c.root_fields, c.at) for c in stack.world.calls]


async def test_a_miss_is_read_once_and_then_served_from_the_mirror(stack: Stack) -> None:
    first = await read_order(stack, DemoOrders.EXCLUDED_PRODUCT)
    after_first = admin_requests(stack)
    second = await read_order(stack, DemoOrders.EXCLUDED_PRODUCT)

    assert first == second and first["blockedBy"] == "EXCLUDED_PRODUCT"
    assert after_first == 1, [c.root_fields for c in stack.world.calls]
    assert admin_requests(stack) == after_first


async def test_the_account_page_is_served_from_the_mirror(stack: Stack) -> None:
    ids = [DemoOrders.CANCELLABLE, DemoOrders.FULFILLED, DemoOrders.WINDOW_CLOSED]
    async with stack.shopper() as ada:
        first = await graphql(ada, ORDERS_QUERY, {"ids": [str(i) for i in ids]})
        after_first = admin_requests(stack)
        second = await graphql(ada, ORDERS_QUERY, {"ids": [str(i) for i in ids]})

    assert first.json() == second.json()
    assert after_first == 1  # one listing read for all three
    assert admin_requests(stack) == after_first


async def test_out_of_order_and_repeated_deliveries_leave_the_newest_state(stack: Stack) -> None:
    await read_order(stack, DemoOrders.CANCELLABLE)  # mirrored, complete
    newest = payload(stack, DemoOrders.CANCELLABLE, minutes=2, tags="")
    older = payload(stack, DemoOrders.CANCELLABLE, minutes=1, tags="non-cancellable")

    statuses = [
        await deliver(stack, "orders/updated", newest, webhook_id="wh-newest"),
        await deliver(stack, "orders/updated", older, webhook_id="wh-older"),
        await deliver(stack, "orders/updated", newest, webhook_id="wh-newest"),
        await deliver(stack, "orders/updated", older, webhook_id="wh-older"),
    ]
    before = admin_requests(stack)
    order = await read_order(stack, DemoOrders.CANCELLABLE)

    assert statuses == [200, 200, 200, 200]
    assert order["blockedBy"] is None  # the newest says: no excluding tag
    assert admin_requests(stack) == before, [(c.root_fields, c.at) for c in stack.world.calls]
    mirror = await stack.store.mirrored_orders(SHOP, [GID.format(DemoOrders.CANCELLABLE)])
    assert mirror.orders[GID.format(DemoOrders.CANCELLABLE)].order.tags == frozenset()


async def test_a_newer_delivery_changes_what_the_storefront_shows(stack: Stack) -> None:
    await read_order(stack, DemoOrders.CANCELLABLE)
    tagged = payload(stack, DemoOrders.CANCELLABLE, minutes=3, tags="gift, non-cancellable")

    await deliver(stack, "orders/updated", tagged)
    order = await read_order(stack, DemoOrders.CANCELLABLE)

    assert order["blockedBy"] == "EXCLUDED_ORDER"


async def test_a_stale_mirror_never_grants_a_cancel(stack: Stack) -> None:
    """The warehouse started without any webhook reaching us: the mirror still shows a button,
    the cancel's fresh read refuses with Shopify's state, and nothing is cancelled."""
    assert (await read_order(stack, DemoOrders.CANCELLABLE))["cancellable"] is True
    stack.world.orders[DemoOrders.CANCELLABLE].display_fulfillment_status = "IN_PROGRESS"
    assert (await read_order(stack, DemoOrders.CANCELLABLE))["cancellable"] is True  # stale

    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)

    assert result == {
        "__typename": "CancelOrderRefused",
        "code": "FULFILLMENT_STARTED",
        "message": "Your order is already being packed or has shipped.",
    }
    assert stack.admin_calls("orderCancel") == 0
    assert stack.world.orders[DemoOrders.CANCELLABLE].cancelled_at is None


async def test_a_snapshot_older_than_the_bound_is_read_again(stack: Stack) -> None:
    await read_order(stack, DemoOrders.CANCELLABLE)
    stack.world.orders[DemoOrders.CANCELLABLE].tags = ["non-cancellable"]  # a missed webhook
    bound = stack.settings.mirror_max_age_seconds

    stack.clock.advance(seconds=bound - 5)
    within = await read_order(stack, DemoOrders.CANCELLABLE)
    stack.clock.advance(seconds=10)
    beyond = await read_order(stack, DemoOrders.CANCELLABLE)

    assert within["blockedBy"] is None  # still the mirror's word
    assert beyond["blockedBy"] == "EXCLUDED_ORDER"  # read again: Shopify's word


async def test_a_delivery_event_records_when_the_order_arrived(stack: Stack) -> None:
    await read_order(stack, DemoOrders.FULFILLED)
    event = {
        "id": 1,
        "order_id": DemoOrders.FULFILLED,
        "fulfillment_id": 1,
        "status": "delivered",
        "happened_at": "2026-11-30T14:00:00+01:00",
    }

    assert await deliver(stack, "fulfillment_events/create", event) == 200

    gid = order_gid(str(DemoOrders.FULFILLED))
    assert gid is not None
    async with stack.store.engine.connect() as conn:
        from sqlalchemy import select

        from backend.store.schema import order_snapshots

        delivered = (
            await conn.execute(
                select(order_snapshots.c.delivered_at).where(order_snapshots.c.order_id == gid)
            )
        ).scalar()
    assert delivered is not None and delivered.isoformat() == "2026-11-30T13:00:00+00:00"


async def test_a_flood_of_webhooks_is_answered_and_handled_completely(stack: Stack) -> None:
    await read_order(stack, DemoOrders.CANCELLABLE)
    sender = stack.devshop.state.webhooks
    deliveries = [
        await sender.send(
            "orders/updated",
            payload(stack, DemoOrders.CANCELLABLE, minutes=n, tags=f"wave-{n}"),
            shop=DEMO_SHOP,
        )
        for n in range(1, 1001)
    ]
    await stack.jobs.drain()

    assert {d.status for d in deliveries} == {200}
    health = await stack.store.delivery_health(
        SHOP, since=stack.clock() - timedelta(hours=1), stuck_before=stack.clock()
    )
    assert (health.received, health.unhandled) == (1000, 0)
    mirror = await stack.store.mirrored_orders(SHOP, [GID.format(DemoOrders.CANCELLABLE)])
    assert mirror.orders[GID.format(DemoOrders.CANCELLABLE)].order.tags == {"wave-1000"}


# What devshop sends as Shopify does, duplicated and shuffled


async def test_shuffled_and_doubled_deliveries_of_real_changes_end_in_the_newest_state(
    stack: Stack,
) -> None:
    from devshop import order_actions

    order = stack.world.orders[DemoOrders.CANCELLABLE]
    stack.devshop.state.webhooks.configure(duplicate=True, reorder=True, seed=7)
    for tags in (["a"], ["a", "b"], ["non-cancellable"], ["c"]):
        order_actions.set_tags(stack.world, order, tags)
        stack.clock.advance(seconds=1)  # one change a second, as Shopify stamps them
    stack.devshop.state.webhooks.release()
    await stack.settle()

    mirror = await stack.store.mirrored_orders(SHOP, [GID.format(DemoOrders.CANCELLABLE)])
    assert mirror.orders[GID.format(DemoOrders.CANCELLABLE)].order.tags == {"c"}
    assert (await read_order(stack, DemoOrders.CANCELLABLE))["blockedBy"] is None


async def test_a_hold_placed_in_the_admin_reaches_the_storefront_without_a_page_read(
    stack: Stack,
) -> None:
    """fulfillment_orders/placed_on_hold names only the fulfilment order: one Admin read by
    its id finds the order, and the storefront's next view needs no read of its own. (Our rules
    count a hold as not started: issue 12's holds are exactly that.)"""
    from devshop import order_actions

    await read_order(stack, DemoOrders.CANCELLABLE)
    order = stack.world.orders[DemoOrders.CANCELLABLE]
    order_actions.place_hold(stack.world, order)
    await stack.settle()
    before = admin_requests(stack)

    await read_order(stack, DemoOrders.CANCELLABLE)

    assert admin_requests(stack) == before
    assert stack.admin_calls("fulfillmentOrder") == 1  # the refresh, by the payload's id
    mirror = await stack.store.mirrored_orders(SHOP, [GID.format(DemoOrders.CANCELLABLE)])
    held = mirror.orders[GID.format(DemoOrders.CANCELLABLE)].order
    assert [fo.status for fo in held.fulfillment_orders] == ["ON_HOLD"]
