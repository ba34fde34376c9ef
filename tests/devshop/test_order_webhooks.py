"""What happens to an order reaches the app as Shopify's webhooks, after the change, signed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from devshop import order_actions as actions
from devshop.seed import DemoCustomers, DemoOrders, DemoProducts
from devshop.webhook_subscriptions import read_subscriptions
from devshop.world import CancelRequest, Order
from tests.devshop.conftest import Shopify, admin_data, serving_devshop

FULFILLMENT_ORDERS = """
query($id: ID!) {
  order(id: $id) {
    updatedAt displayFulfillmentStatus
    fulfillmentOrders(first: 5) { nodes { id status requestStatus orderId } }
  }
}
"""


def new_order(shopify: Shopify, products: int = 1) -> Order:
    shirt = shopify.world.products[DemoProducts.LINEN_SHIRT]
    return actions.create_order(
        shopify.world, customer_id=DemoCustomers.ADA, products=[shirt] * products
    )


async def routed_order(shopify: Shopify, products: int = 1) -> Order:
    order = new_order(shopify, products)
    shopify.world.advance(shopify.world.routing_delay)
    await shopify.settled()
    shopify.receiver.received.clear()
    return order


async def fulfillment_orders(shopify: Shopify, order: Order) -> dict[str, object]:
    data = await admin_data(
        shopify.client, FULFILLMENT_ORDERS, {"id": f"gid://shopify/Order/{order.id}"}
    )
    found: dict[str, object] = data["order"]
    return found


async def test_a_new_order_is_created_without_fulfillment_orders_and_routed_later(
    shopify: Shopify,
) -> None:
    order = new_order(shopify)
    received = await shopify.settled()

    assert received.topics() == ["orders/create"]
    (created,) = received.of("orders/create")
    assert created.payload["id"] == order.id
    assert created.payload["admin_graphql_api_id"] == f"gid://shopify/Order/{order.id}"
    assert (await fulfillment_orders(shopify, order))["fulfillmentOrders"] == {"nodes": []}

    shopify.world.advance(shopify.world.routing_delay)
    received = await shopify.settled()

    assert received.topics() == ["orders/create", "fulfillment_orders/order_routing_complete"]
    (routed,) = received.of("fulfillment_orders/order_routing_complete")
    (fulfillment_order,) = order.fulfillment_orders
    fo_gid = f"gid://shopify/FulfillmentOrder/{fulfillment_order.id}"
    assert routed.payload == {"fulfillment_order": {"id": fo_gid, "status": "open"}}
    nodes = (await fulfillment_orders(shopify, order))["fulfillmentOrders"]
    assert nodes == {
        "nodes": [
            {
                "id": fo_gid,
                "status": "OPEN",
                "requestStatus": "UNSUBMITTED",
                "orderId": f"gid://shopify/Order/{order.id}",
            }
        ]
    }


async def test_every_webhook_is_signed_for_the_shop_with_the_app_secret(shopify: Shopify) -> None:
    order = await routed_order(shopify)
    actions.set_tags(shopify.world, order, ["vip"])
    received = await shopify.settled()

    assert received.received and all(r.verified for r in received.received)
    assert {r.shop for r in received.received} == {"demo-shop.myshopify.com"}
    assert {r.api_version for r in received.received} == {"2026-10"}
    # When the change happened (the world's time), in Shopify's format.
    assert received.of("orders/updated")[0].triggered_at == "2026-11-26T12:00:00.500000Z"


async def test_the_rest_order_carries_what_the_app_reads(shopify: Shopify) -> None:
    order = await routed_order(shopify)
    actions.set_tags(shopify.world, order, ["vip", "gift"])
    (updated,) = (await shopify.settled()).of("orders/updated")

    payload = updated.payload
    assert payload["tags"] == "vip, gift"
    assert payload["financial_status"] == "paid"
    assert payload["fulfillment_status"] is None
    assert payload["cancelled_at"] is None and payload["cancel_reason"] is None
    assert (
        payload["customer"]["admin_graphql_api_id"] == f"gid://shopify/Customer/{DemoCustomers.ADA}"
    )
    assert payload["shipping_address"] == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "address1": "Keizersgracht 123",
        "city": "Amsterdam",
        "zip": "1015 CJ",
        "country_code": "NL",
    }
    assert payload["confirmation_number"] == order.confirmation_number
    (item,) = payload["line_items"]
    assert item["product_id"] == DemoProducts.LINEN_SHIRT
    assert item["variant_id"] is not None
    assert (item["quantity"], item["fulfillable_quantity"], item["fulfillment_status"]) == (
        1,
        1,
        None,
    )
    # The shop's UTC offset, whole seconds, as Shopify writes its times.
    assert payload["created_at"] == "2026-11-26T13:00:00+01:00"


async def test_each_change_moves_updated_at_on_even_within_one_second(shopify: Shopify) -> None:
    order = await routed_order(shopify)
    for tags in (["a"], ["b"], ["c"]):
        actions.set_tags(shopify.world, order, tags)
    updates = (await shopify.settled()).of("orders/updated")

    stamps = [datetime.fromisoformat(u.payload["updated_at"]) for u in updates]
    assert len(stamps) == 3 and stamps == sorted(set(stamps))
    admin = await fulfillment_orders(shopify, order)
    assert datetime.fromisoformat(str(admin["updatedAt"]).replace("Z", "+00:00")) == stamps[-1]


async def test_fulfilling_part_then_the_rest(shopify: Shopify) -> None:
    order = await routed_order(shopify, products=2)
    first, second = order.line_items
    actions.fulfill(shopify.world, order, {first.id: 1})
    (partial,) = (await shopify.settled()).of("orders/partially_fulfilled")
    actions.fulfill(shopify.world, order)
    received = await shopify.settled()

    assert partial.payload["fulfillment_status"] == "partial"
    assert [i["fulfillable_quantity"] for i in partial.payload["line_items"]] == [0, 1]
    assert [i["fulfillment_status"] for i in partial.payload["line_items"]] == ["fulfilled", None]
    (fulfilled,) = received.of("orders/fulfilled")
    assert fulfilled.payload["fulfillment_status"] == "fulfilled"
    assert len(fulfilled.payload["fulfillments"]) == 2
    assert len(received.of("orders/updated")) == 2
    admin = await fulfillment_orders(shopify, order)
    assert admin["displayFulfillmentStatus"] == "FULFILLED"
    assert second.fulfilled_quantity == 1


async def test_a_hold_is_told_once_and_its_release_once_the_last_hold_goes(
    shopify: Shopify,
) -> None:
    order = await routed_order(shopify)
    hold = actions.place_hold(shopify.world, order, "AWAITING_PAYMENT", "bank transfer")
    actions.place_hold(shopify.world, order, "OTHER")
    held = (await shopify.settled()).of("fulfillment_orders/placed_on_hold")
    assert (await fulfillment_orders(shopify, order))["displayFulfillmentStatus"] == "ON_HOLD"
    actions.release_hold(shopify.world, order)
    received = await shopify.settled()

    (placed,) = held
    fo_gid = f"gid://shopify/FulfillmentOrder/{order.fulfillment_orders[0].id}"
    assert placed.payload["fulfillment_order"]["id"] == fo_gid
    assert placed.payload["fulfillment_order"]["status"] == "on_hold"
    assert (
        placed.payload["created_fulfillment_hold"]["id"]
        == f"gid://shopify/FulfillmentHold/{hold.id}"
    )
    assert placed.payload["created_fulfillment_hold"]["reason"] == "awaiting_payment"
    (released,) = received.of("fulfillment_orders/hold_released")
    assert released.payload == {"fulfillment_order": {"id": fo_gid, "status": "open"}}
    assert received.topics().count("orders/updated") == 2


async def test_a_fulfillment_request_submitted_then_accepted(shopify: Shopify) -> None:
    order = await routed_order(shopify)
    actions.submit_fulfillment_request(shopify.world, order, "Fragile")
    actions.accept_fulfillment_request(shopify.world, order, "Tomorrow")
    received = await shopify.settled()

    (submitted,) = received.of("fulfillment_orders/fulfillment_request_submitted")
    assert submitted.payload["original_fulfillment_order"]["request_status"] == "unsubmitted"
    assert submitted.payload["submitted_fulfillment_order"]["request_status"] == "submitted"
    assert submitted.payload["fulfillment_order_merchant_request"]["message"] == "Fragile"
    (accepted,) = received.of("fulfillment_orders/fulfillment_request_accepted")
    assert accepted.payload["fulfillment_order"]["status"] == "in_progress"
    assert accepted.payload["fulfillment_order"]["request_status"] == "accepted"
    assert accepted.payload["message"] == "Tomorrow"


async def test_a_delivery_is_a_fulfillment_event(shopify: Shopify) -> None:
    order = await routed_order(shopify)
    fulfillment = actions.fulfill(shopify.world, order)
    event = actions.add_fulfillment_event(shopify.world, order)
    received = await shopify.settled()

    (created,) = received.of("fulfillment_events/create")
    assert created.payload["id"] == event.id
    assert created.payload["status"] == "delivered"
    assert created.payload["fulfillment_id"] == fulfillment.id
    assert created.payload["order_id"] == order.id
    assert created.payload["happened_at"] == "2026-11-26T13:00:00+01:00"
    assert (
        received.of("orders/updated")[-1].payload["fulfillments"][0]["shipment_status"]
        == "delivered"
    )


async def test_a_cancel_tells_the_order_and_its_fulfillment_orders_with_one_event_id(
    shopify: Shopify,
) -> None:
    order = await routed_order(shopify)
    shopify.world.start_cancel(order, CancelRequest("STAFF", True, False, None, None))
    shopify.world.advance(1)
    received = await shopify.settled()

    assert sorted(received.topics()) == [
        "fulfillment_orders/cancelled",
        "orders/cancelled",
        "orders/updated",
    ]
    assert len({r.event_id for r in received.received}) == 1
    assert len({r.webhook_id for r in received.received}) == 3
    (cancelled,) = received.of("orders/cancelled")
    assert cancelled.payload["cancel_reason"] == "staff"
    assert cancelled.payload["cancelled_at"] is not None
    assert cancelled.payload["line_items"][0]["fulfillable_quantity"] == 0
    (fo,) = received.of("fulfillment_orders/cancelled")
    assert fo.payload["fulfillment_order"]["status"] == "cancelled"


async def test_an_order_edit_sends_its_line_item_deltas(shopify: Shopify) -> None:
    order = await routed_order(shopify, products=2)
    first, second = order.line_items
    edit = actions.commit_order_edit(shopify.world, order, {first.id: 3, second.id: 0})
    received = await shopify.settled()

    (edited,) = received.of("orders/edited")
    assert edited.payload["order_edit"]["id"] == edit.id
    assert edited.payload["order_edit"]["order_id"] == order.id
    assert edited.payload["order_edit"]["line_items"] == {
        "additions": [{"id": first.id, "delta": 2}],
        "removals": [{"id": second.id, "delta": 1}],
    }
    (updated,) = received.of("orders/updated")
    assert [i["current_quantity"] for i in updated.payload["line_items"]] == [3, 0]


async def test_a_seeded_order_tells_nobody(shopify: Shopify) -> None:
    shopify.world.add_order(customer_id=DemoCustomers.ADA)
    assert (await shopify.settled()).received == []


@pytest.mark.parametrize(
    "change",
    [
        lambda w, o: actions.fulfill(w, o),
        lambda w, o: actions.place_hold(w, o),
        lambda w, o: actions.submit_fulfillment_request(w, o),
    ],
)
async def test_an_order_not_yet_routed_has_nothing_to_fulfil_or_hold(
    shopify: Shopify, change: object
) -> None:
    order = new_order(shopify)
    with pytest.raises(actions.OrderActionError):
        change(shopify.world, order)  # type: ignore[operator]


async def test_a_cancelled_order_cannot_be_fulfilled_or_held(shopify: Shopify) -> None:
    order = shopify.world.orders[DemoOrders.ALREADY_CANCELLED]
    for change in (actions.fulfill, actions.place_hold, actions.start_fulfillment):
        with pytest.raises(actions.OrderActionError):
            change(shopify.world, order)


async def test_a_cancelled_order_is_not_routed(shopify: Shopify) -> None:
    order = new_order(shopify)
    shopify.world.start_cancel(order, CancelRequest("CUSTOMER", True, False, None, None))
    shopify.world.advance(shopify.world.routing_delay)
    received = await shopify.settled()

    assert order.fulfillment_orders == []
    assert "fulfillment_orders/order_routing_complete" not in received.topics()
    assert "orders/cancelled" in received.topics()


async def test_only_subscribed_topics_are_sent(tmp_path: Path) -> None:
    config = tmp_path / "shopify.app.toml"
    config.write_text('[[webhooks.subscriptions]]\ntopics = ["orders/create"]\nuri = "/webhooks"\n')
    async with serving_devshop(config) as shopify:
        order = new_order(shopify)
        shopify.world.advance(shopify.world.routing_delay)
        actions.set_tags(shopify.world, order, ["vip"])
        received = await shopify.settled()

    assert received.topics() == ["orders/create"]


def test_subscriptions_resolve_relative_uris_against_the_backend(tmp_path: Path) -> None:
    config = tmp_path / "shopify.app.toml"
    config.write_text(
        "[[webhooks.subscriptions]]\n"
        'topics = ["orders/create", "orders/updated"]\nuri = "/webhooks"\n'
        "[[webhooks.subscriptions]]\n"
        'topics = ["products/update"]\nuri = "https://elsewhere.example/hooks"\n'
        "[[webhooks.subscriptions]]\n"
        'topics = ["carts/create"]\nuri = "pubsub://project:topic"\n'
        "[[webhooks.subscriptions]]\n"
        'compliance_topics = ["shop/redact"]\nuri = "/webhooks"\n'
    )

    assert read_subscriptions(config, "http://127.0.0.1:8000/") == {
        "orders/create": "http://127.0.0.1:8000/webhooks",
        "orders/updated": "http://127.0.0.1:8000/webhooks",
        "products/update": "https://elsewhere.example/hooks",
        "shop/redact": "http://127.0.0.1:8000/webhooks",
    }
    assert read_subscriptions(tmp_path / "absent.toml", "http://x") == {}


def test_devshop_reads_the_projects_own_subscriptions() -> None:
    from devshop.webhook_subscriptions import APP_CONFIG

    subscribed = read_subscriptions(APP_CONFIG, "http://backend")
    assert subscribed["orders/updated"] == "http://backend/webhooks"
    assert "fulfillment_orders/order_routing_complete" in subscribed


ORDER_DETAIL = """
query($id: ID!, $fo: ID!) {
  order(id: $id) {
    displayFulfillmentStatus
    shippingAddress { countryCodeV2 }
    lineItems(first: 5) { nodes { id currentQuantity unfulfilledQuantity variant { id } } }
    fulfillments(first: 5) { id status displayStatus events(first: 5) { nodes { status } } }
    fulfillmentOrders(first: 5) { nodes { status fulfillmentHolds { id reason reasonNotes } } }
  }
  node(id: $fo) { ... on FulfillmentOrder { orderId } }
}
"""


async def test_the_admin_api_answers_what_the_webhooks_said(shopify: Shopify) -> None:
    shipped = await routed_order(shopify, products=2)
    first, second = shipped.line_items
    fulfillment = actions.fulfill(shopify.world, shipped, {first.id: 1})
    actions.add_fulfillment_event(shopify.world, shipped, "IN_TRANSIT")
    held = await routed_order(shopify)
    hold = actions.place_hold(shopify.world, held, "OTHER", "call first")
    fo_gid = f"gid://shopify/FulfillmentOrder/{held.fulfillment_orders[0].id}"
    held_gid = f"gid://shopify/Order/{held.id}"

    data = await admin_data(
        shopify.client, ORDER_DETAIL, {"id": f"gid://shopify/Order/{shipped.id}", "fo": fo_gid}
    )
    held_data = await admin_data(shopify.client, ORDER_DETAIL, {"id": held_gid, "fo": fo_gid})

    found = data["order"]
    assert found["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert found["shippingAddress"] == {"countryCodeV2": "NL"}
    quantities = [
        (i["currentQuantity"], i["unfulfilledQuantity"]) for i in found["lineItems"]["nodes"]
    ]
    assert quantities == [(1, 0), (1, 1)]
    assert found["lineItems"]["nodes"][1]["variant"]["id"].startswith(
        "gid://shopify/ProductVariant/"
    )
    assert found["fulfillments"] == [
        {
            "id": f"gid://shopify/Fulfillment/{fulfillment.id}",
            "status": "SUCCESS",
            "displayStatus": "IN_TRANSIT",
            "events": {"nodes": [{"status": "IN_TRANSIT"}]},
        }
    ]
    assert [fo["status"] for fo in found["fulfillmentOrders"]["nodes"]] == ["IN_PROGRESS"]
    assert held_data["order"]["displayFulfillmentStatus"] == "ON_HOLD"
    assert held_data["order"]["fulfillmentOrders"]["nodes"] == [
        {
            "status": "ON_HOLD",
            "fulfillmentHolds": [
                {
                    "id": f"gid://shopify/FulfillmentHold/{hold.id}",
                    "reason": "OTHER",
                    "reasonNotes": "call first",
                }
            ],
        }
    ]
    # A fulfillment_orders/* webhook names only the fulfillment order: this finds its order.
    assert data["node"] == {"orderId": held_gid}
    assert second.fulfilled_quantity == 0
