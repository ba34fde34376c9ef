"""The storefront endpoint's HTTP answers, in the contract's order: the first failing check wins.

Every refusal here happens before the schema runs: no Admin API call, no attempt recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CANCEL_MUTATION, Stack, running_stack
from tests.signed_proxy import post_signed, signed_url


def refusal(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def cancel_body(order_id: str = "5001") -> dict[str, Any]:
    return {
        "query": CANCEL_MUTATION,
        "variables": {"input": {"orderId": order_id, "reason": "OTHER"}},
    }


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, app_env="production") as running:
        yield running


async def nothing_ran(stack: Stack) -> bool:
    return stack.world.calls == [] and await stack.store.attempts("demo-shop") == []


# 1. Method


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_methods_other_than_post_are_405_even_unsigned(stack: Stack, method: str) -> None:
    async with stack.direct() as client:
        response = await client.request(method, "/proxy/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == refusal("Use POST.", "METHOD_NOT_ALLOWED")


async def test_graphiql_is_served_to_a_signed_browser_in_development(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.get(signed_url(), headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_graphiql_still_needs_a_signature(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.get("/proxy/graphql", headers={"accept": "text/html"})
    assert response.status_code == 401


async def test_production_never_serves_graphiql(production: Stack) -> None:
    async with production.direct() as client:
        response = await client.get(signed_url(), headers={"accept": "text/html"})
    assert response.status_code == 405


# 3-4. Signature before content type


async def test_unsigned_request_with_a_wrong_content_type_is_401(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.post(
            "/proxy/graphql", content=b"{}", headers={"content-type": "text/plain"}
        )
    assert response.status_code == 401
    assert response.json() == refusal("Unauthorized", "UNAUTHENTICATED")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql", ""]
)
async def test_content_types_other_than_json_are_415(stack: Stack, content_type: str) -> None:
    async with stack.direct() as client:
        response = await client.post(
            signed_url(),
            content=b'{"query":"{__typename}"}',
            headers={"content-type": content_type},
        )
    assert response.status_code == 415
    assert response.json() == refusal("Send application/json.", "UNSUPPORTED_MEDIA_TYPE")
    assert await nothing_ran(stack)


async def test_json_with_a_charset_is_accepted(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.post(
            signed_url(),
            content=b'{"query":"{__typename}"}',
            headers={"content-type": "Application/JSON; charset=utf-8"},
        )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# 5. Body


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The body must be JSON."),
        (b'{"query": "\xff"}', "The body must be JSON."),
        (b"[" * 5000 + b"]" * 5000, "The body must be JSON."),
        (b'"{ __typename }"', "The body must be a JSON object."),
        (b"{}", "`query` must be a string."),
        (b'{"query": 42}', "`query` must be a string."),
        (b'{"query": "{__typename}", "variables": [1]}', "`variables` must be an object."),
        (b'{"query": "{__typename}", "operationName": 7}', "`operationName` must be a string."),
        (b'{"query": "{__typename}", "variables": {"x": NaN}}', "The body must be JSON."),
    ],
)
async def test_bodies_that_are_not_one_graphql_request_are_400(
    stack: Stack, content: bytes, message: str
) -> None:
    async with stack.direct() as client:
        response = await client.post(
            signed_url(), content=content, headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json() == refusal(message, "BAD_REQUEST")


async def test_batches_are_refused(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await post_signed(client, [cancel_body(), cancel_body("5011")])
    assert response.status_code == 400
    assert response.json() == refusal("Send one operation per request.", "BATCH_NOT_SUPPORTED")
    assert await nothing_ran(stack)


# 6. Document


async def test_a_document_that_does_not_parse_is_400(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await post_signed(client, {"query": "{ order(id: 5001) { name }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}


async def test_two_operations_in_one_document_are_refused(stack: Stack) -> None:
    query = CANCEL_MUTATION + "\nquery Other { __typename }"
    async with stack.direct() as client:
        response = await post_signed(client, {"query": query, "operationName": "Cancel"})
    assert response.status_code == 400
    assert response.json() == refusal("Send one operation per request.", "SINGLE_OPERATION_ONLY")
    assert await nothing_ran(stack)


async def test_subscriptions_are_refused(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await post_signed(client, {"query": "subscription { __typename }"})
    assert response.status_code == 400
    assert response.json() == refusal("Subscriptions are not supported.", "BAD_REQUEST")


ONE_CANCEL = refusal("Cancel one order per request.", "ONE_CANCEL_PER_REQUEST")


async def test_two_aliased_cancels_are_refused_and_nothing_is_cancelled(stack: Stack) -> None:
    query = """mutation {
      a: cancelOrder(input: {orderId: "5001", reason: "OTHER"}) { __typename }
      b: cancelOrder(input: {orderId: "5011", reason: "OTHER"}) { __typename }
    }"""
    async with stack.direct() as client:
        response = await post_signed(client, {"query": query})
    assert response.status_code == 400
    assert response.json() == ONE_CANCEL
    assert await nothing_ran(stack)


async def test_cancels_hidden_in_fragments_are_counted(stack: Stack) -> None:
    query = """mutation { ...Twice ... on Mutation { c: cancelOrder(input: $i) { __typename } } }
    fragment Twice on Mutation { a: cancelOrder(input: $i) { __typename } }"""
    async with stack.direct() as client:
        response = await post_signed(client, {"query": query})
    assert response.json() == ONE_CANCEL
    assert await nothing_ran(stack)


# 9. Strawberry


async def test_a_document_over_the_token_cap_gets_graphqls_own_answer(stack: Stack) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(400)) + " }"
    async with stack.direct() as client:
        response = await post_signed(client, {"query": query})
    assert response.status_code == 200
    assert "more than 600 tokens" in response.json()["errors"][0]["message"]


async def test_introspection_is_refused_in_production(production: Stack) -> None:
    async with production.direct() as client:
        response = await post_signed(client, {"query": "{ __schema { types { name } } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
