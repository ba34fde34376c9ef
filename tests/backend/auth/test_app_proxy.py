"""Only requests Shopify signed reach the schema; everything else is 401 and changes nothing."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from devshop.app_proxy import signature, signed_query
from devshop.seed import DemoOrders
from devshop.settings import DEMO_API_SECRET
from tests.conftest import CANCEL_MUTATION, Stack, running_stack

SHOP = "demo-shop.myshopify.com"
BODY = {
    "query": CANCEL_MUTATION,
    "variables": {"input": {"orderId": str(DemoOrders.CANCELLABLE), "reason": "OTHER"}},
}
UNAUTHORIZED = {"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}]}


def params(**overrides: str | None) -> list[tuple[str, str]]:
    values: dict[str, str | None] = {
        "shop": SHOP,
        "logged_in_customer_id": "1001",
        "path_prefix": "/apps/cancel",
        "timestamp": str(int(time.time())),
    }
    values.update(overrides)
    return [(key, value) for key, value in values.items() if value is not None]


def signed(pairs: list[tuple[str, str]], secret: str = DEMO_API_SECRET) -> list[tuple[str, str]]:
    return [*pairs, ("signature", signature(pairs, secret))]


async def post(stack: Stack, pairs: list[tuple[str, str]]) -> tuple[int, object]:
    async with stack.direct() as client:
        response = await client.post(f"/proxy/graphql?{urlencode(pairs)}", json=BODY)
    return response.status_code, response.json()


async def assert_nothing_happened(stack: Stack) -> None:
    assert stack.world.calls == []
    assert await stack.store.attempts("demo-shop") == []


async def test_correctly_signed_request_is_executed(stack: Stack) -> None:
    status, body = await post(stack, signed(params()))
    assert status == 200
    assert body["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"  # type: ignore[index]


def _tampered() -> list[tuple[str, str]]:
    pairs = signed(params())
    return [
        ("logged_in_customer_id", "1002") if k == "logged_in_customer_id" else (k, v)
        for k, v in pairs
    ]


CASES = {
    "customer id changed after signing": _tampered,
    "no signature": lambda: params(),
    "signature twice": lambda: [*signed(params()), ("signature", "0" * 64)],
    "shop twice": lambda: signed([*params(), ("shop", "other-shop.myshopify.com")]),
    "signed with another secret": lambda: signed(params(), secret="not-our-secret"),
    "no timestamp": lambda: signed(params(timestamp=None)),
    "timestamp 91 s old": lambda: signed(params(timestamp=str(int(time.time()) - 91))),
    "timestamp 91 s ahead": lambda: signed(params(timestamp=str(int(time.time()) + 91))),
    "timestamp not a number": lambda: signed(params(timestamp="soon")),
    "empty signature": lambda: [*params(), ("signature", "")],
}


@pytest.mark.parametrize("case", CASES)
async def test_bad_signature_is_401_and_executes_nothing(stack: Stack, case: str) -> None:
    status, body = await post(stack, CASES[case]())
    assert (status, body) == (401, UNAUTHORIZED)
    await assert_nothing_happened(stack)


async def test_replayed_request_after_the_window_is_refused(stack: Stack) -> None:
    # A captured request is valid for Shopify's 90 s window only; the flight lock makes a
    # replay inside it harmless (see the single-flight tests).
    captured = signed(params(timestamp=str(int(time.time()) - 100)))
    assert (await post(stack, captured))[0] == 401
    await assert_nothing_happened(stack)


async def test_get_through_the_proxy_is_not_a_query_channel(stack: Stack) -> None:
    query = signed_query(
        [("query", "{ order(id: 5001) { name } }")],
        shop=SHOP,
        customer_id=1001,
        path_prefix="/apps/cancel",
        secret=DEMO_API_SECRET,
        timestamp=int(time.time()),
    )
    async with stack.direct() as client:
        response = await client.get(
            f"/proxy/graphql?{query}", headers={"accept": "application/json"}
        )
    assert response.status_code in (400, 405)
    await assert_nothing_happened(stack)


@pytest.fixture
async def rotated(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(
        tmp_path, api_secret="the-new-secret", old_api_secret=DEMO_API_SECRET
    ) as running:
        yield running


async def test_old_secret_still_verifies_during_rotation(rotated: Stack) -> None:
    status, _ = await post(rotated, signed(params()))
    assert status == 200
    status, _ = await post(rotated, signed(params(), secret="the-new-secret"))
    assert status == 200
    status, _ = await post(rotated, signed(params(), secret="neither"))
    assert status == 401
