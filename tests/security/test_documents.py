"""Documents built to cost: alias floods, depth, size, introspection. Refused, nothing runs."""

from __future__ import annotations

from typing import Any

import pytest

from devshop.seed import DemoOrders
from tests.conftest import Stack
from tests.security.conftest import CANCELLABLE, Witness, post_signed

ADAS_CANCELLABLE = [
    DemoOrders.CANCELLABLE,
    DemoOrders.CANCELLABLE_10_MIN,
    DemoOrders.SPARE_2_MIN,
    DemoOrders.SPARE_15_MIN,
    DemoOrders.SPARE_30_MIN,
]


def assert_graphql_errors(response: Any, *words: str) -> None:
    """HTTP 200, no data, and errors that say why (validation errors are GraphQL's own)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None
    assert body["errors"]
    messages = " ".join(error["message"] for error in body["errors"])
    for word in words:
        assert word in messages


def cancels(order_ids: list[int]) -> str:
    fields = " ".join(
        f'c{i}: cancelOrder(input: {{orderId: "{order_id}", reason: "OTHER"}}) {{ __typename }}'
        for i, order_id in enumerate(order_ids)
    )
    return f"mutation {{ {fields} }}"


@pytest.mark.parametrize("count", [11, 50, 500])
async def test_an_alias_flood_is_refused(prod: Stack, witness: Witness, count: int) -> None:
    aliases = " ".join(f"a{i}: order(id: {CANCELLABLE}) {{ name }}" for i in range(count))
    response = await post_signed(prod, json={"query": f"{{ {aliases} }}"})
    if count * 11 + 2 > 600:  # 11 tokens an alias: the token limit answers first
        assert_graphql_errors(response)
    else:
        assert_graphql_errors(response, "aliases")
    await witness.nothing_ran()


@pytest.mark.parametrize(
    "order_ids", [[CANCELLABLE] * 10, ADAS_CANCELLABLE * 2], ids=["same order", "five orders"]
)
async def test_ten_aliased_cancels_do_not_make_ten_attempts(
    prod: Stack, witness: Witness, order_ids: list[int]
) -> None:
    # Contract item 7: refused outright (400 ONE_CANCEL_PER_REQUEST) or counted as ten
    # attempts against the 5-a-minute cancel limit (429); either way nothing runs.
    response = await post_signed(prod, json={"query": cancels(order_ids)})
    assert response.status_code in (400, 429), response.text
    code = {400: "ONE_CANCEL_PER_REQUEST", 429: "RATE_LIMITED"}[response.status_code]
    assert response.json()["errors"][0]["extensions"] == {"code": code}
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1
    await witness.nothing_ran()


DEEP = {
    "nested unknown fields": "{ " + "a { " * 8 + "b" + " }" * 8 + " }",
    "deep fragments": (
        "query { order(id: 5001) { ...A } } "
        "fragment A on OrderCancellation { reasons { ...B } } "
        "fragment B on CancelReasonOption { code x { y { z { w { v } } } } }"
    ),
    "self-referencing fragment": (
        "query { order(id: 5001) { ...A } } fragment A on OrderCancellation { id ...A }"
    ),
}


@pytest.mark.parametrize("case", DEEP)
async def test_deep_documents_are_refused(prod: Stack, witness: Witness, case: str) -> None:
    response = await post_signed(prod, json={"query": DEEP[case]})
    assert_graphql_errors(response)
    await witness.nothing_ran()


async def test_a_document_over_600_tokens_is_refused(prod: Stack, witness: Witness) -> None:
    names = " ".join(["name"] * 700)
    response = await post_signed(prod, json={"query": f"{{ order(id: 5001) {{ {names} }} }}"})
    assert_graphql_errors(response, "600")
    await witness.nothing_ran()


async def test_a_huge_document_under_the_body_cap_is_refused(prod: Stack, witness: Witness) -> None:
    padding = "#" + "x" * 50_000 + "\n"  # comments are not tokens, but they are bytes
    names = " ".join(["__typename"] * 601)
    query = f"{padding}{{ {names} }}"
    response = await post_signed(prod, json={"query": query})
    assert_graphql_errors(response, "600")
    await witness.nothing_ran()


INTROSPECTION = {
    "__schema": "{ __schema { types { name fields { name } } } }",
    "__type": '{ __type(name: "CancelOrderInput") { inputFields { name } } }',
    "aliased __schema": "{ s: __schema { queryType { name } } }",
    "in a fragment": "{ ...F } fragment F on Query { __schema { mutationType { name } } }",
}


@pytest.mark.parametrize("case", INTROSPECTION)
async def test_introspection_is_refused_in_production(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post_signed(prod, json={"query": INTROSPECTION[case]})
    assert_graphql_errors(response, "introspection has been disabled")
    assert "CancelOrderInput" not in response.text.replace(INTROSPECTION[case], "")
    await witness.nothing_ran()


async def test_typename_alone_is_not_introspection(prod: Stack, witness: Witness) -> None:
    response = await post_signed(prod, json={"query": "{ __typename }"})
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})
    await witness.nothing_ran()
