"""At least once, in any order: retries, duplicates, reordering and delay, and their controls."""

from __future__ import annotations

import asyncio
import random

from devshop import order_actions as actions
from devshop.seed import DemoCustomers
from devshop.world import Order, WorldEvent
from tests.devshop.conftest import Shopify


def new_order(shopify: Shopify) -> Order:
    return actions.create_order(shopify.world, customer_id=DemoCustomers.ADA)


async def test_a_failed_delivery_is_retried_with_the_same_webhook_id(shopify: Shopify) -> None:
    shopify.receiver.statuses = [500, 503]
    new_order(shopify)
    received = await shopify.settled()

    assert received.topics() == ["orders/create"] * 3
    assert len({r.webhook_id for r in received.received}) == 1
    assert [(d.attempt, d.status) for d in shopify.sender.deliveries] == [
        (1, 500),
        (2, 503),
        (3, 200),
    ]


async def test_retries_give_up_after_the_last_delay(shopify: Shopify) -> None:
    shopify.receiver.statuses = [500] * 10
    new_order(shopify)
    received = await shopify.settled()

    assert len(received.received) == 1 + len(shopify.sender.behaviour.retry_delays)
    assert not any(d.ok for d in shopify.sender.deliveries)


async def test_duplicate_sends_each_webhook_twice_with_one_webhook_id(shopify: Shopify) -> None:
    shopify.sender.configure(duplicate=True)
    order = new_order(shopify)
    actions.route(shopify.world, order)
    received = await shopify.settled()

    assert received.topics() == [
        "orders/create",
        "orders/create",
        "fulfillment_orders/order_routing_complete",
        "fulfillment_orders/order_routing_complete",
    ]
    first, again = received.of("orders/create")
    assert first.webhook_id == again.webhook_id and first.payload == again.payload


async def test_reorder_sends_in_an_order_shuffled_by_the_seed(shopify: Shopify) -> None:
    published: list[int] = []

    def note(event: WorldEvent) -> None:
        published.append(event.order.id)

    shopify.world.on_event.append(note)
    shopify.sender.configure(reorder=True, seed=7, reorder_window=60)
    for _ in range(8):
        new_order(shopify)
    await asyncio.sleep(0.05)
    assert shopify.receiver.received == []  # held until released
    received = await shopify.settled()

    expected = list(published)
    random.Random(7).shuffle(expected)
    arrived = [r.payload["id"] for r in received.received]
    assert arrived == expected != published


async def test_reorder_releases_by_itself_after_the_window(shopify: Shopify) -> None:
    shopify.sender.configure(reorder=True, reorder_window=0.05)
    new_order(shopify)
    for _ in range(100):
        if shopify.receiver.received:
            break
        await asyncio.sleep(0.01)

    assert shopify.receiver.topics() == ["orders/create"]


async def test_delay_holds_the_first_attempt_back(shopify: Shopify) -> None:
    shopify.sender.configure(delay=1.0)
    new_order(shopify)
    await asyncio.sleep(0.05)
    assert shopify.receiver.received == []

    assert (await shopify.settled()).topics() == ["orders/create"]


async def test_the_behaviour_over_http(shopify: Shopify) -> None:
    url = "/_devshop/webhooks/behaviour"
    changed = await shopify.client.post(url, json={"duplicate": True, "seed": 3, "delay": 0.5})
    assert changed.status_code == 200
    assert (await shopify.client.get(url)).json() == {
        "duplicate": True,
        "reorder": False,
        "seed": 3,
        "delay": 0.5,
        "reorder_window": 0.5,
        "retry_delays": [0.01, 0.01],
    }
    for nonsense in ({"duplicate": "yes"}, {"delay": -1}, {"loud": True}, {"retry_delays": 3}):
        assert (await shopify.client.post(url, json=nonsense)).status_code == 400


async def test_release_and_drain_over_http(shopify: Shopify) -> None:
    await shopify.client.post("/_devshop/webhooks/behaviour", json={"reorder": True})
    new_order(shopify)
    new_order(shopify)

    released = await shopify.client.post("/_devshop/webhooks/release")
    drained = await shopify.client.post("/_devshop/webhooks/drain")

    assert released.json() == {"released": 2}
    assert drained.json() == {"deliveries": 2}
    listed = await shopify.client.get("/_devshop/webhooks", params={"topic": "orders/create"})
    assert [d["status"] for d in listed.json()["deliveries"]] == [200, 200]


async def test_reset_restores_shopifys_behaviour_and_empties_the_log(shopify: Shopify) -> None:
    shopify.sender.configure(duplicate=True, reorder=True)
    new_order(shopify)
    await shopify.settled()

    await shopify.client.post("/_devshop/reset")

    assert shopify.sender.deliveries == []
    assert not shopify.sender.behaviour.duplicate and not shopify.sender.behaviour.reorder
