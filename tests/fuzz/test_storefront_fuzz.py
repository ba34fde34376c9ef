"""Generated requests against the storefront API: never a 5xx, always a JSON GraphQL answer,
and no order cancelled except Ada's own cancellable ones by a well-formed cancel.

Documents come from the schema itself (hypothesis-graphql, valid and near-valid), alongside
hand-shaped cancels and raw garbage bodies. They are sent signed through devshop's App Proxy,
as a shopper's browser sends them, and signed straight to the backend. Bounded: a fixed number
of derandomized examples per test, so `make test` stays fast and repeatable.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from backend.graphql.schema import sdl
from devshop.seed import DemoOrders
from tests.fuzz.conftest import Fuzzed
from tests.security.conftest import post_signed

SCHEMA = sdl()
BOUNDED = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ORDER_IDS = st.one_of(
    st.sampled_from([str(order_id) for order_id in range(5000, 5017)] + ["6001"]),
    st.sampled_from([f"gid://shopify/Order/{n}" for n in (5001, 5010, 6001)]),
    st.text(max_size=30),
    st.integers().map(str),
)
REASONS = st.one_of(
    st.sampled_from(["ORDERED_BY_MISTAKE", "WRONG_ADDRESS", "OTHER", "CUSTOMER", ""]),
    st.text(max_size=40),
)
NOTES = st.one_of(st.none(), st.text(max_size=600))
CANCEL = """mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderSuccess { order { id status blockedBy } }
    ... on CancelOrderRefused { code message }
  }
}"""
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def assert_answer(response: httpx.Response) -> dict[str, Any]:
    """Never a 5xx; always a JSON object with `data` or `errors`."""
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    return body


async def through_the_proxy(fuzzed: Fuzzed, request: Any) -> httpx.Response:
    async with fuzzed.stack.shopper() as ada:
        return await ada.post("/apps/cancel/graphql", json=request)


@settings(BOUNDED, max_examples=300)
@given(document=from_schema(SCHEMA, allow_x00=True))
def test_generated_documents_through_the_proxy(fuzzed: Fuzzed, document: str) -> None:
    response = fuzzed.run(through_the_proxy(fuzzed, {"query": document}))
    assert_answer(response)
    fuzzed.assert_only_adas_cancellable_orders_changed()


@settings(BOUNDED, max_examples=300)
@given(document=from_schema(SCHEMA, mode=Mode.NEGATIVE))
def test_near_valid_documents_signed_to_the_backend(fuzzed: Fuzzed, document: str) -> None:
    response = fuzzed.run(post_signed(fuzzed.stack, json={"query": document}))
    body = assert_answer(response)
    assert body.get("errors"), body
    fuzzed.assert_only_adas_cancellable_orders_changed()


@settings(BOUNDED, max_examples=250)
@given(order_id=ORDER_IDS, reason=REASONS, note=NOTES)
def test_cancels_with_generated_inputs(
    fuzzed: Fuzzed, order_id: str, reason: str, note: str | None
) -> None:
    variables = {"input": {"orderId": order_id, "reason": reason, "note": note}}
    response = fuzzed.run(through_the_proxy(fuzzed, {"query": CANCEL, "variables": variables}))
    body = assert_answer(response)
    fuzzed.assert_only_adas_cancellable_orders_changed()
    result = (body.get("data") or {}).get("cancelOrder") or {}
    if result.get("__typename") == "CancelOrderSuccess":
        assert int(order_id.strip().rsplit("/", 1)[-1]) in {
            DemoOrders.CANCELLABLE,
            DemoOrders.CANCELLABLE_10_MIN,
            DemoOrders.SPARE_2_MIN,
            DemoOrders.SPARE_15_MIN,
            DemoOrders.SPARE_30_MIN,
        }


@settings(BOUNDED, max_examples=400)
@given(
    payload=st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        st.dictionaries(
            st.sampled_from(["query", "variables", "operationName", "extensions"]), JSON_VALUES
        ).map(lambda value: json.dumps(value).encode()),
    ),
    content_type=st.sampled_from(["application/json", "application/json; charset=latin-1"]),
)
def test_garbage_bodies_signed_to_the_backend(
    fuzzed: Fuzzed, payload: bytes, content_type: str
) -> None:
    response = fuzzed.run(
        post_signed(fuzzed.stack, content=payload, headers={"content-type": content_type})
    )
    assert_answer(response)
    fuzzed.assert_only_adas_cancellable_orders_changed()
