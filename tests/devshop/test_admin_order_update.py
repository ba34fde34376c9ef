"""devshop's orderUpdate (the shipping address) and deliveryProfiles (the shop's shipping zones)
on the real Admin schema, through the documents the backend sends."""

from __future__ import annotations

from typing import Any

import httpx

from backend.shopify import documents
from devshop.seed import DemoOrders
from devshop.world import World, WorldEvent
from tests.devshop.conftest import admin_data, admin_post

ORDER = f"gid://shopify/Order/{DemoOrders.CANCELLABLE}"
NEW_ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "Grote Markt 1",
    "city": "Brussel",
    "zip": "1000",
    "countryCode": "BE",
}


async def update(client: httpx.AsyncClient, order: str, address: dict[str, Any]) -> dict[str, Any]:
    data = await admin_data(
        client,
        documents.load(documents.ORDER_UPDATE_SHIPPING_ADDRESS),
        {"input": {"id": order, "shippingAddress": address}},
    )
    result: dict[str, Any] = data["orderUpdate"]
    return result


async def read(client: httpx.AsyncClient, order: str = ORDER) -> dict[str, Any]:
    return await admin_data(client, documents.load(documents.ORDER_FOR_ADDRESS_EDIT), {"id": order})


async def test_the_address_edit_read_has_the_country_and_the_default_profiles_zones(
    admin_client: httpx.AsyncClient,
) -> None:
    data = await read(admin_client)

    assert data["order"]["shippingAddress"] == {"countryCodeV2": "NL"}
    [profile] = data["deliveryProfiles"]["nodes"]
    zones = [
        (link["zone"]["name"], [c["code"]["countryCode"] for c in link["zone"]["countries"]])
        for group in profile["profileLocationGroups"]
        for link in group["locationGroupZones"]["nodes"]
    ]
    assert profile["default"] is True
    assert zones[0] == ("Benelux", ["NL", "BE", "LU"])
    assert ("Europe", ["DE", "FR", "ES", "AT", "IT"]) in zones


async def test_order_update_overwrites_the_whole_shipping_address(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    events: list[WorldEvent] = []
    devshop_world.on_event.append(events.append)
    order = devshop_world.orders[DemoOrders.CANCELLABLE]
    before = order.updated_at
    assert order.shipping_address["address1"] == "Keizersgracht 123"

    result = await update(admin_client, ORDER, NEW_ADDRESS)

    assert result["userErrors"] == [] and result["order"]["id"] == ORDER
    assert order.shipping_country_code == "BE"
    assert order.shipping_address == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "Grote Markt 1",
        "city": "Brussel",
        "zip": "1000",
    }
    assert before is not None and order.updated_at is not None and order.updated_at > before
    assert [event.topic for event in events] == ["orders/updated"]


async def test_order_update_of_another_shops_order_changes_nothing(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    result = await update(
        admin_client, f"gid://shopify/Order/{DemoOrders.OTHER_SHOP_ORDER}", NEW_ADDRESS
    )

    assert result == {
        "order": None,
        "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
    }
    assert devshop_world.orders[DemoOrders.OTHER_SHOP_ORDER].shipping_country_code == "US"


async def test_order_update_of_what_devshop_does_not_model_fails_loudly(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    response = await admin_post(
        admin_client,
        "mutation($input: OrderInput!) { orderUpdate(input: $input) { userErrors { message } } }",
        {"input": {"id": ORDER, "tags": ["vip"]}},
    )

    assert "does not model" in response.json()["errors"][0]["message"]
    assert devshop_world.orders[DemoOrders.CANCELLABLE].tags == []
