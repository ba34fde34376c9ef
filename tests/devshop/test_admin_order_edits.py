"""devshop's order editing on the real Admin schema: a session stages changes on a calculated
order, nothing moves until the commit, the commit is one edit with its staff note, and what
Shopify refuses is refused with nothing staged."""

from __future__ import annotations

from typing import Any

import httpx

from backend.shopify import documents
from devshop.seed import DemoCustomers, DemoProducts
from devshop.world import Order, World
from tests.devshop.conftest import admin_data

CALCULATED = """
query Order($id: ID!) {
  order(id: $id) {
    currentTotalPriceSet { shopMoney { amount } }
    totalOutstandingSet { shopMoney { amount } }
    lineItems(first: 10) { nodes { id currentQuantity quantity } }
  }
}
"""

STAGED = """
mutation Staged($id: ID!, $line: ID!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: 1, restock: true) {
    calculatedOrder {
      committed
      stagedChanges(first: 5) {
        nodes {
          __typename
          ... on OrderStagedChangeDecrementItem { delta restock lineItem { id } }
        }
      }
      totalPriceSet { shopMoney { amount } presentmentMoney { amount currencyCode } }
    }
    userErrors { field message }
  }
}
"""


def two_shirts_and_a_print(world: World) -> Order:
    products = [
        world.products[DemoProducts.LINEN_SHIRT],
        world.products[DemoProducts.MADE_TO_ORDER_PRINT],
    ]
    return world.add_order(
        customer_id=DemoCustomers.ADA, products=products, quantities=[2, 1], shipping_price="4.95"
    )


async def begin(client: httpx.AsyncClient, order: Order) -> str:
    data = await admin_data(
        client,
        documents.load(documents.ORDER_EDIT_BEGIN),
        {"id": f"gid://shopify/Order/{order.id}"},
    )
    assert data["orderEditBegin"]["userErrors"] == []
    calculated: str = data["orderEditBegin"]["calculatedOrder"]["id"]
    return calculated


async def set_quantity(
    client: httpx.AsyncClient, calculated: str, line_item_id: int, quantity: int
) -> dict[str, Any]:
    data = await admin_data(
        client,
        documents.load(documents.ORDER_EDIT_SET_QUANTITY),
        {
            "id": calculated,
            "lineItemId": f"gid://shopify/CalculatedLineItem/{line_item_id}",
            "quantity": quantity,
            "restock": True,
        },
    )
    result: dict[str, Any] = data["orderEditSetQuantity"]
    return result


async def commit(client: httpx.AsyncClient, calculated: str) -> dict[str, Any]:
    data = await admin_data(
        client,
        documents.load(documents.ORDER_EDIT_COMMIT),
        {"id": calculated, "notifyCustomer": True, "staffNote": "Cancelled by the customer"},
    )
    result: dict[str, Any] = data["orderEditCommit"]
    return result


async def test_a_staged_change_moves_nothing_until_the_commit(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    shirt = order.line_items[0]
    calculated = await begin(admin_client, order)

    staged = (
        await admin_data(
            admin_client,
            STAGED,
            {"id": calculated, "line": f"gid://shopify/CalculatedLineItem/{shirt.id}"},
        )
    )["orderEditSetQuantity"]

    assert staged["userErrors"] == []
    assert staged["calculatedOrder"]["committed"] is False
    assert staged["calculatedOrder"]["stagedChanges"]["nodes"] == [
        {
            "__typename": "OrderStagedChangeDecrementItem",
            "delta": 1,
            "restock": True,
            "lineItem": {"id": f"gid://shopify/LineItem/{shirt.id}"},
        }
    ]
    assert staged["calculatedOrder"]["totalPriceSet"]["shopMoney"]["amount"] == "54.85"
    assert shirt.current_quantity == 2  # the order has not changed


async def test_the_commit_removes_the_items_and_leaves_the_customer_owed(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    calculated = await begin(admin_client, order)
    await set_quantity(admin_client, calculated, order.line_items[0].id, 0)

    committed = await commit(admin_client, calculated)
    shown = (await admin_data(admin_client, CALCULATED, {"id": f"gid://shopify/Order/{order.id}"}))[
        "order"
    ]

    assert committed["userErrors"] == []
    assert committed["order"]["totalOutstandingSet"]["shopMoney"]["amount"] == "-49.90"
    assert shown["currentTotalPriceSet"]["shopMoney"]["amount"] == "29.90"
    assert [n["currentQuantity"] for n in shown["lineItems"]["nodes"]] == [0, 1]
    assert order.staff_note == "Cancelled by the customer" and order.customer_notified


async def test_a_committed_session_cannot_be_committed_or_changed_again(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    calculated = await begin(admin_client, order)
    await set_quantity(admin_client, calculated, order.line_items[0].id, 1)
    await commit(admin_client, calculated)

    again = await commit(admin_client, calculated)
    changed = await set_quantity(admin_client, calculated, order.line_items[0].id, 0)

    assert again["userErrors"] and again["order"] is None
    assert changed["userErrors"] and changed["calculatedOrder"] is None
    assert order.line_items[0].current_quantity == 1


async def test_a_fulfilled_unit_cannot_be_edited_away(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    order.line_items[0].fulfilled_quantity = 1
    calculated = await begin(admin_client, order)

    refused = await set_quantity(admin_client, calculated, order.line_items[0].id, 0)
    allowed = await set_quantity(admin_client, calculated, order.line_items[0].id, 1)

    assert [e["field"] for e in refused["userErrors"]] == [["quantity"]]
    assert allowed["userErrors"] == []


async def test_a_cancelled_order_cannot_be_edited(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    order.cancelled_at = devshop_world.now()

    data = await admin_data(
        admin_client,
        documents.load(documents.ORDER_EDIT_BEGIN),
        {"id": f"gid://shopify/Order/{order.id}"},
    )

    assert data["orderEditBegin"]["calculatedOrder"] is None
    assert data["orderEditBegin"]["userErrors"]


async def test_an_added_variant_becomes_a_line_item_and_the_customer_owes_its_price(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    shirt = devshop_world.products[DemoProducts.LINEN_SHIRT]
    calculated = await begin(admin_client, order)
    variables = {
        "id": calculated,
        "variantId": f"gid://shopify/ProductVariant/{shirt.id * 10 + 1}",
        "quantity": 1,
    }

    duplicate = await admin_data(
        admin_client, documents.load(documents.ORDER_EDIT_ADD_VARIANT), variables
    )
    added = await admin_data(
        admin_client,
        documents.load(documents.ORDER_EDIT_ADD_VARIANT),
        {**variables, "allowDuplicates": True},
    )
    committed = await commit(admin_client, calculated)

    assert duplicate["orderEditAddVariant"]["userErrors"]
    assert added["orderEditAddVariant"]["userErrors"] == []
    assert committed["order"]["totalOutstandingSet"]["shopMoney"]["amount"] == "24.95"
    assert [(i.title, i.current_quantity) for i in order.line_items][-1] == ("Linen shirt", 1)


async def test_a_variant_no_longer_for_sale_cannot_be_added(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = two_shirts_and_a_print(devshop_world)
    shirt = devshop_world.products[DemoProducts.LINEN_SHIRT]
    shirt.available = False
    calculated = await begin(admin_client, order)

    data = await admin_data(
        admin_client,
        documents.load(documents.ORDER_EDIT_ADD_VARIANT),
        {
            "id": calculated,
            "variantId": f"gid://shopify/ProductVariant/{shirt.id * 10 + 1}",
            "quantity": 1,
            "allowDuplicates": True,
        },
    )

    assert data["orderEditAddVariant"]["userErrors"][0]["field"] == ["variantId"]
