"""devshop's fulfilment holds on the real Admin schema: fulfillmentOrderHold, its per-app limit
and handles, fulfillmentOrderReleaseHold by holdIds, supportedActions, holds by others."""

from __future__ import annotations

from typing import Any

import httpx

from backend.shopify import documents
from devshop import order_actions
from devshop.admin_fulfillment_holds import HOLDS_PER_APP
from devshop.seed import DemoOrders
from devshop.world import World
from tests.devshop.conftest import admin_data, admin_post

FO_QUERY = """
query F($id: ID!) {
  fulfillmentOrder(id: $id) {
    status
    supportedActions { action }
    fulfillmentHolds { id handle reason reasonNotes heldByRequestingApp }
  }
}
"""


def fo_gid(world: World, order_id: int = DemoOrders.CANCELLABLE) -> str:
    return f"gid://shopify/FulfillmentOrder/{world.orders[order_id].fulfillment_orders[0].id}"


async def hold(client: httpx.AsyncClient, fo: str, handle: str) -> dict[str, Any]:
    data = await admin_data(
        client,
        documents.load(documents.FULFILLMENT_ORDER_HOLD),
        {
            "id": fo,
            "fulfillmentHold": {"reason": "OTHER", "handle": handle, "notifyMerchant": False},
        },
    )
    result: dict[str, Any] = data["fulfillmentOrderHold"]
    return result


async def release(client: httpx.AsyncClient, fo: str, hold_ids: list[str]) -> dict[str, Any]:
    data = await admin_data(
        client,
        documents.load(documents.FULFILLMENT_ORDER_RELEASE_HOLD),
        {"id": fo, "holdIds": hold_ids},
    )
    result: dict[str, Any] = data["fulfillmentOrderReleaseHold"]
    return result


async def state(client: httpx.AsyncClient, fo: str) -> dict[str, Any]:
    result: dict[str, Any] = (await admin_data(client, FO_QUERY, {"id": fo}))["fulfillmentOrder"]
    return result


async def test_a_hold_puts_the_order_on_hold_and_only_release_hold_is_left(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    fo = fo_gid(devshop_world)
    assert "HOLD" in [a["action"] for a in (await state(admin_client, fo))["supportedActions"]]

    placed = await hold(admin_client, fo, "ours")
    shown = await state(admin_client, fo)

    assert placed["userErrors"] == [] and placed["fulfillmentHold"]["handle"] == "ours"
    assert shown["status"] == "ON_HOLD"
    assert [a["action"] for a in shown["supportedActions"]] == ["HOLD", "RELEASE_HOLD"]
    assert [(h["handle"], h["heldByRequestingApp"]) for h in shown["fulfillmentHolds"]] == [
        ("ours", True)
    ]


async def test_one_handle_holds_once_and_an_app_holds_at_most_ten(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    fo = fo_gid(devshop_world)
    await hold(admin_client, fo, "h0")

    again = await hold(admin_client, fo, "h0")
    for n in range(1, HOLDS_PER_APP):
        assert (await hold(admin_client, fo, f"h{n}"))["userErrors"] == []
    over = await hold(admin_client, fo, "one-too-many")

    assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE_FULFILLMENT_HOLD_HANDLE"]
    assert [e["code"] for e in over["userErrors"]] == ["FULFILLMENT_ORDER_HOLD_LIMIT_REACHED"]
    assert len((await state(admin_client, fo))["fulfillmentHolds"]) == HOLDS_PER_APP


async def test_release_by_hold_ids_leaves_the_merchants_hold(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    order = devshop_world.orders[DemoOrders.CANCELLABLE]
    fo = fo_gid(devshop_world)
    ours = (await hold(admin_client, fo, "ours"))["fulfillmentHold"]["id"]
    merchant = order_actions.place_hold(devshop_world, order, "INCORRECT_ADDRESS")

    not_ours = await release(admin_client, fo, [f"gid://shopify/FulfillmentHold/{merchant.id}"])
    released = await release(admin_client, fo, [ours])
    shown = await state(admin_client, fo)

    assert [e["code"] for e in not_ours["userErrors"]] == ["INVALID_ACCESS"]
    assert released["userErrors"] == []
    assert shown["status"] == "ON_HOLD"  # the merchant's hold stays
    assert [(h["reason"], h["heldByRequestingApp"]) for h in shown["fulfillmentHolds"]] == [
        ("INCORRECT_ADDRESS", False)
    ]


async def test_the_last_release_reopens_the_fulfillment_order(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    fo = fo_gid(devshop_world)
    ours = (await hold(admin_client, fo, "ours"))["fulfillmentHold"]["id"]

    await release(admin_client, fo, [ours])

    assert (await state(admin_client, fo))["status"] == "OPEN"


async def test_a_fulfillment_order_in_progress_cannot_be_held(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    fo = fo_gid(devshop_world, DemoOrders.FULFILLMENT_IN_PROGRESS)

    refused = await hold(admin_client, fo, "ours")

    assert refused["fulfillmentHold"] is None and refused["userErrors"]
    assert "HOLD" not in [a["action"] for a in (await state(admin_client, fo))["supportedActions"]]


async def test_the_listing_of_fifty_orders_with_holds_stays_under_the_query_limit(
    admin_client: httpx.AsyncClient,
) -> None:
    ids = [f"gid://shopify/Order/{n}" for n in range(5001, 5051)]
    response = await admin_post(
        admin_client, documents.load(documents.ORDERS_FOR_LISTING), {"ids": ids}
    )

    body = response.json()
    assert "errors" not in body, body
    assert len(body["data"]["nodes"]) == 50
    assert 900 < body["extensions"]["cost"]["requestedQueryCost"] <= 1000, body["extensions"]
