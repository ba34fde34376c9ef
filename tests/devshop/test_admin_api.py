"""devshop's Admin API answers as Shopify's does: who may ask, what, and what comes back."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from devshop.admin_schema import admin_schema, build_admin_schema
from devshop.seed import OTHER_ACCESS_TOKEN, OTHER_SHOP, DemoCustomers, DemoOrders
from devshop.world import World
from tests.devshop.conftest import ADMIN_PATH, admin_data, admin_post

ORDER = """
query Order($id: ID!) {
  order(id: $id) {
    id legacyResourceId name createdAt processedAt cancelledAt cancelReason closed
    displayFinancialStatus displayFulfillmentStatus confirmationNumber statusPageUrl tags
    customer { id displayName email }
    lineItems(first: 10) { nodes { id title quantity product { id tags } } }
    fulfillmentOrders(first: 10) { nodes { id status requestStatus } }
    risk { recommendation }
    totalPriceSet { shopMoney { amount currencyCode } }
    currencyCode
  }
}
"""


def gid(order_id: int) -> str:
    return f"gid://shopify/Order/{order_id}"


async def test_a_wrong_token_is_refused_with_shopifys_401(admin_client: httpx.AsyncClient) -> None:
    response = await admin_post(
        admin_client, "{ shop { name } }", headers={"X-Shopify-Access-Token": "shpat_wrong"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


async def test_a_missing_token_is_refused(admin_client: httpx.AsyncClient) -> None:
    del admin_client.headers["X-Shopify-Access-Token"]
    response = await admin_post(admin_client, "{ shop { name } }")
    assert response.status_code == 401


async def test_another_shops_token_is_refused(admin_client: httpx.AsyncClient) -> None:
    response = await admin_post(
        admin_client, "{ shop { name } }", headers={"X-Shopify-Access-Token": OTHER_ACCESS_TOKEN}
    )
    assert response.status_code == 401


async def test_unknown_shop_and_unknown_version_are_not_found(
    admin_client: httpx.AsyncClient,
) -> None:
    unknown_shop = await admin_post(
        admin_client, "{ shop { name } }", headers={"Host": "nope.myshopify.com"}
    )
    old_version = await admin_client.post(
        "/admin/api/2020-01/graphql.json", json={"query": "{ shop { name } }"}
    )
    assert unknown_shop.status_code == 404
    assert old_version.status_code == 404


async def test_a_body_without_a_query_is_a_400(admin_client: httpx.AsyncClient) -> None:
    not_json = await admin_client.post(
        ADMIN_PATH, content=b"{nope", headers={"Content-Type": "application/json"}
    )
    no_query = await admin_client.post(ADMIN_PATH, json={"variables": {}})
    assert not_json.status_code == no_query.status_code == 400
    assert no_query.json() == {"errors": {"query": "Required parameter missing or invalid"}}


async def test_a_raw_graphql_body_is_accepted(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.post(
        ADMIN_PATH, content=b"{ shop { name } }", headers={"Content-Type": "application/graphql"}
    )
    assert response.json()["data"] == {"shop": {"name": "Demo Shop"}}


async def test_a_field_shopify_lacks_fails_validation(admin_client: httpx.AsyncClient) -> None:
    response = await admin_post(admin_client, '{ order(id: "x") { id cancellable } }')
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'cancellable' doesn't exist on type 'Order'",
            "locations": [{"line": 1, "column": 23}],
            "extensions": {
                "code": "undefinedField",
                "typeName": "Order",
                "fieldName": "cancellable",
            },
        }
    ]


async def test_missing_arguments_and_syntax_errors_are_reported(
    admin_client: httpx.AsyncClient,
) -> None:
    missing = (await admin_post(admin_client, "{ order { id } }")).json()
    syntax = (await admin_post(admin_client, "{ order(id: ")).json()
    assert missing["errors"][0]["message"] == "Field 'order' is missing required arguments: id"
    assert missing["errors"][0]["extensions"]["code"] == "missingRequiredArguments"
    assert "Syntax Error" in syntax["errors"][0]["message"]


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        (
            '{ order(id: "x", nope: 1) { id } }',
            "argumentNotAccepted",
            "Field 'order' doesn't accept argument 'nope'",
        ),
        (
            '{ order(id: "x") { customer } }',
            "selectionMismatch",
            "Field must have selections (field 'customer' returns Customer but has no "
            "selections. Did you mean 'customer { ... }'?)",
        ),
        (
            "query Job($id: ID!) { shop { name } }",
            "variableNotUsed",
            "Variable $id is declared by Job but not used",
        ),
        ("{ nope }", "undefinedField", "Field 'nope' doesn't exist on type 'QueryRoot'"),
    ],
)
async def test_validation_errors_carry_shopifys_codes(
    admin_client: httpx.AsyncClient, query: str, code: str, message: str
) -> None:
    body = (await admin_post(admin_client, query)).json()
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["message"] == message


async def test_an_invalid_variable_is_an_error_not_a_crash(admin_client: httpx.AsyncClient) -> None:
    response = await admin_post(admin_client, ORDER, {"id": None})
    assert response.status_code == 200
    assert "data" not in response.json()
    assert response.json()["errors"]


async def test_the_order_query_returns_the_seeded_order(admin_client: httpx.AsyncClient) -> None:
    data = await admin_data(admin_client, ORDER, {"id": gid(DemoOrders.CANCELLABLE)})
    order = data["order"]
    assert order["id"] == "gid://shopify/Order/5001"
    assert order["legacyResourceId"] == "5001"
    assert order["name"] == "#1001"
    assert order["createdAt"] == "2026-11-26T11:55:00Z"
    assert order["processedAt"] == "2026-11-26T11:55:00Z"
    assert order["cancelledAt"] is None
    assert order["closed"] is False
    assert order["displayFinancialStatus"] == "PAID"
    assert order["displayFulfillmentStatus"] == "UNFULFILLED"
    assert order["customer"] == {
        "id": "gid://shopify/Customer/1001",
        "displayName": "Ada Lovelace",
        "email": "ada@example.com",
    }
    assert order["fulfillmentOrders"]["nodes"][0]["status"] == "OPEN"
    assert order["fulfillmentOrders"]["nodes"][0]["requestStatus"] == "UNSUBMITTED"
    assert order["lineItems"]["nodes"][0]["product"]["tags"] == ["summer"]
    assert order["risk"] == {"recommendation": "ACCEPT"}
    assert order["totalPriceSet"] == {"shopMoney": {"amount": "49.95", "currencyCode": "EUR"}}
    assert order["statusPageUrl"].startswith("https://demo-shop.myshopify.com/")
    assert len(order["confirmationNumber"]) == 9


async def test_seeded_states_read_back_as_seeded(admin_client: httpx.AsyncClient) -> None:
    async def read(order_id: int) -> Any:
        return (await admin_data(admin_client, ORDER, {"id": gid(order_id)}))["order"]

    assert (await read(DemoOrders.FULFILLED))["displayFulfillmentStatus"] == "FULFILLED"
    assert (await read(DemoOrders.WINDOW_CLOSED))["createdAt"] == "2026-11-26T09:00:00Z"
    assert (await read(DemoOrders.EXCLUDED_ORDER))["tags"] == ["non-cancellable"]
    assert (await read(DemoOrders.ALREADY_CANCELLED))["closed"] is True
    assert (await read(DemoOrders.RISK_CANCEL))["risk"] == {"recommendation": "CANCEL"}
    assert (await read(DemoOrders.BOBS_ORDER))["customer"]["id"] == (
        f"gid://shopify/Customer/{DemoCustomers.BOB}"
    )
    excluded = (await read(DemoOrders.EXCLUDED_PRODUCT))["lineItems"]["nodes"]
    assert [item["product"]["tags"] for item in excluded] == [["summer"], ["non-cancellable"]]
    (submitted,) = (await read(DemoOrders.SUBMITTED_TO_SERVICE))["fulfillmentOrders"]["nodes"]
    assert (submitted["status"], submitted["requestStatus"]) == ("OPEN", "SUBMITTED")


async def test_nodes_resolves_orders_and_nulls_the_rest(admin_client: httpx.AsyncClient) -> None:
    query = """
    query Nodes($ids: [ID!]!) {
      nodes(ids: $ids) { __typename id ... on Order { name } ... on Customer { displayName } }
    }
    """
    ids = [
        gid(DemoOrders.CANCELLABLE),
        gid(424242),
        gid(DemoOrders.OTHER_SHOP_ORDER),
        "gid://shopify/Customer/1001",
        "not-a-gid",
    ]
    data = await admin_data(admin_client, query, {"ids": ids})
    assert data["nodes"] == [
        {"__typename": "Order", "id": gid(DemoOrders.CANCELLABLE), "name": "#1001"},
        None,
        None,
        {
            "__typename": "Customer",
            "id": "gid://shopify/Customer/1001",
            "displayName": "Ada Lovelace",
        },
        None,
    ]


async def test_another_shops_order_is_invisible(admin_client: httpx.AsyncClient) -> None:
    data = await admin_data(admin_client, ORDER, {"id": gid(DemoOrders.OTHER_SHOP_ORDER)})
    assert data == {"order": None}


async def test_the_other_shop_sees_its_own_order_only(admin_client: httpx.AsyncClient) -> None:
    headers = {"Host": OTHER_SHOP, "X-Shopify-Access-Token": OTHER_ACCESS_TOKEN}
    own = await admin_post(
        admin_client, ORDER, {"id": gid(DemoOrders.OTHER_SHOP_ORDER)}, headers=headers
    )
    demo = await admin_post(
        admin_client, ORDER, {"id": gid(DemoOrders.CANCELLABLE)}, headers=headers
    )
    assert own.json()["data"]["order"]["name"] == "#2001"
    assert demo.json()["data"] == {"order": None}


async def test_shop_fields(admin_client: httpx.AsyncClient) -> None:
    data = await admin_data(
        admin_client, "{ shop { ianaTimezone name myshopifyDomain currencyCode } }"
    )
    assert data["shop"] == {
        "ianaTimezone": "Europe/Amsterdam",
        "name": "Demo Shop",
        "myshopifyDomain": "demo-shop.myshopify.com",
        "currencyCode": "EUR",
    }


async def test_connections_page_with_cursors(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    products = [devshop_world.products[7001]] * 3
    order = devshop_world.add_order(customer_id=1001, products=products)
    query = """
    query Page($id: ID!, $after: String) {
      order(id: $id) {
        lineItems(first: 2, after: $after) {
          edges { cursor node { id } } pageInfo { hasNextPage endCursor }
        }
      }
    }
    """
    first = (await admin_data(admin_client, query, {"id": gid(order.id)}))["order"]["lineItems"]
    assert len(first["edges"]) == 2
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = await admin_data(admin_client, query, {"id": gid(order.id), "after": after})
    assert len(rest["order"]["lineItems"]["edges"]) == 1
    assert rest["order"]["lineItems"]["pageInfo"]["hasNextPage"] is False


async def test_a_connection_without_first_or_last_is_an_error(
    admin_client: httpx.AsyncClient,
) -> None:
    query = '{ order(id: "gid://shopify/Order/5001") { name lineItems { nodes { id } } } }'
    body = (await admin_post(admin_client, query)).json()
    assert body["data"] == {"order": None}
    assert body["errors"][0]["message"] == "you must provide one of first or last"


async def test_a_non_null_field_devshop_does_not_model_fails_loudly(
    admin_client: httpx.AsyncClient,
) -> None:
    body = (
        await admin_post(admin_client, '{ order(id: "gid://shopify/Order/5001") { fullyPaid } }')
    ).json()
    assert body["data"] == {"order": None}
    assert body["errors"][0]["message"] == "devshop does not model Order.fullyPaid"
    assert body["errors"][0]["path"] == ["order", "fullyPaid"]


async def test_a_nullable_field_devshop_does_not_model_is_null(
    admin_client: httpx.AsyncClient,
) -> None:
    data = await admin_data(admin_client, '{ order(id: "gid://shopify/Order/5001") { note } }')
    assert data == {"order": {"note": None}}


async def test_every_request_for_a_known_shop_is_logged(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    await admin_post(admin_client, ORDER, {"id": gid(DemoOrders.CANCELLABLE)})
    await admin_post(admin_client, "{ shop { name } }", headers={"X-Shopify-Access-Token": "bad"})
    ok, refused = devshop_world.calls
    assert ok.root_fields == ("order",)
    assert ok.operation == "query" and ok.operation_name == "Order" and ok.executed
    assert ok.variables == {"id": gid(DemoOrders.CANCELLABLE)}
    assert (refused.status, refused.executed) == (401, False)


def test_the_schema_is_built_once_and_quickly() -> None:
    started = time.perf_counter()
    schema = build_admin_schema()
    elapsed = time.perf_counter() - started
    assert admin_schema() is admin_schema()
    assert schema.mutation_type is not None and "orderCancel" in schema.mutation_type.fields
    assert elapsed < 5, f"building the Admin schema took {elapsed:.2f}s"
