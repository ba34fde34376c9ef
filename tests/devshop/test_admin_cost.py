"""Query cost and the leaky bucket: `extensions.cost` on every answer, THROTTLED when empty."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devshop.admin_throttle import BucketConfig
from devshop.seed import OTHER_ACCESS_TOKEN, OTHER_SHOP, DemoOrders
from devshop.world import World
from tests.devshop.conftest import admin_post

SMALL = """
query Small($id: ID!) {
  order(id: $id) { name customer { id } lineItems(first: 5) { nodes { id } } }
}
"""
CANCEL = """
mutation {
  orderCancel(orderId: "gid://shopify/Order/5001", reason: CUSTOMER, restock: true) {
    job { id }
    orderCancelUserErrors { code }
  }
}
"""


async def cost_of(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await admin_post(client, query, variables)
    assert response.status_code == 200, response.text
    cost: dict[str, Any] = response.json()["extensions"]["cost"]
    return cost


async def small(client: httpx.AsyncClient, order_id: int = DemoOrders.CANCELLABLE) -> Any:
    return await admin_post(client, SMALL, {"id": f"gid://shopify/Order/{order_id}"})


@pytest.mark.parametrize(
    ("query", "requested", "actual"),
    [
        ("{ shop { name } }", 1, 1),
        ("{ shop { name ianaTimezone } __typename }", 1, 1),
        ('{ order(id: "gid://shopify/Order/5001") { name tags } }', 1, 1),
        ('{ order(id: "gid://shopify/Order/424242") { name customer { id } } }', 2, 0),
        (
            """{ order(id: "gid://shopify/Order/5001") {
                 name customer { id } lineItems(first: 5) { nodes { id } } } }""",
            9,
            5,
        ),
        (
            """{ nodes(ids: ["gid://shopify/Order/5001", "gid://shopify/Order/1", "x"]) {
                 ... on Order { name customer { id } } } }""",
            6,
            2,
        ),
        (
            """{ order(id: "gid://shopify/Order/5001") {
                 lineItems(first: 3) { edges { node { product { id } } } pageInfo { hasNextPage } }
               } }""",
            9,
            5,
        ),
        (CANCEL, 12, 11),
    ],
)
async def test_requested_and_actual_cost(
    admin_client: httpx.AsyncClient, query: str, requested: int, actual: int
) -> None:
    cost = await cost_of(admin_client, query)
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (requested, actual)


async def test_skipped_fields_and_variables_count_as_shopify_counts_them(
    admin_client: httpx.AsyncClient,
) -> None:
    query = """
    query Page($id: ID!, $n: Int!, $withCustomer: Boolean!) {
      order(id: $id) {
        customer @include(if: $withCustomer) { id }
        lineItems(first: $n) { nodes { ...Item } }
      }
    }
    fragment Item on LineItem { product { id } }
    """
    gid = f"gid://shopify/Order/{DemoOrders.CANCELLABLE}"
    variables = {"id": gid, "n": 10, "withCustomer": False}
    cost = await cost_of(admin_client, query, variables)
    assert cost["requestedQueryCost"] == 1 + 2 + 10 * 2


async def test_every_answer_carries_the_throttle_status(admin_client: httpx.AsyncClient) -> None:
    first = await cost_of(admin_client, "{ shop { name } }")
    second = await cost_of(admin_client, "{ shop { name } }")
    assert first["throttleStatus"] == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1999,
        "restoreRate": 100.0,
    }
    assert second["throttleStatus"]["currentlyAvailable"] == 1998


async def test_the_bucket_drains_throttles_and_restores_over_time(
    admin_client: httpx.AsyncClient, devshop_world: World, devshop_buckets: BucketConfig
) -> None:
    devshop_buckets.maximum_available = 30
    devshop_buckets.restore_rate = 10
    # Each SMALL read takes 9 points up front and gives 4 back: 30 -> 25 -> 20 -> ... -> 5.
    for expected in (25, 20, 15, 10, 5):
        response = await small(admin_client)
        assert response.json()["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == (
            expected
        )
    throttled = (await small(admin_client)).json()
    assert "data" not in throttled
    assert throttled["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert throttled["extensions"]["cost"] == {
        "requestedQueryCost": 9,
        "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 30.0, "currentlyAvailable": 5, "restoreRate": 10.0},
    }
    assert devshop_world.calls[-1].throttled and not devshop_world.calls[-1].executed

    devshop_world.advance(0.4)  # 5 + 4 = 9: just enough
    again = (await small(admin_client)).json()
    assert again["data"]["order"]["name"] == "#1001"
    devshop_world.advance(3600)
    restored = (await small(admin_client)).json()["extensions"]["cost"]["throttleStatus"]
    assert restored["currentlyAvailable"] == 25  # full (30) before this read, never beyond


async def test_a_throttled_mutation_changes_nothing(
    admin_client: httpx.AsyncClient, devshop_world: World, devshop_buckets: BucketConfig
) -> None:
    devshop_buckets.maximum_available = 11
    body = (await admin_post(admin_client, CANCEL)).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert devshop_world.jobs == {}


async def test_buckets_are_per_shop(
    admin_client: httpx.AsyncClient, devshop_buckets: BucketConfig
) -> None:
    devshop_buckets.maximum_available = 9
    await small(admin_client)
    assert (await small(admin_client)).json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    other = await admin_post(
        admin_client,
        SMALL,
        {"id": f"gid://shopify/Order/{DemoOrders.OTHER_SHOP_ORDER}"},
        headers={"Host": OTHER_SHOP, "X-Shopify-Access-Token": OTHER_ACCESS_TOKEN},
    )
    assert other.json()["data"]["order"]["name"] == "#2001"


async def test_a_query_over_1000_points_is_refused_before_it_runs(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    query = """
    { order(id: "gid://shopify/Order/5001") {
        a: lineItems(first: 250) { nodes { product { id } } }
        b: lineItems(first: 250) { nodes { product { id } } }
    } }
    """
    body = (await admin_post(admin_client, query)).json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["message"].startswith(
        "Query cost is 1005, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert (error["extensions"]["cost"], error["extensions"]["maxCost"]) == (1005, 1000)
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000
    assert not devshop_world.calls[-1].executed


async def test_a_reset_world_has_a_full_bucket(
    admin_client: httpx.AsyncClient, devshop_world: World, devshop_buckets: BucketConfig
) -> None:
    devshop_buckets.maximum_available = 9
    await small(admin_client)
    await admin_client.post("/_devshop/reset")
    assert (await small(admin_client)).json()["data"]["order"]["name"] == "#1001"
