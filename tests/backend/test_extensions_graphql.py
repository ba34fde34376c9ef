"""`/extensions/graphql`: the storefront schema behind a UI-extension session token.

Tokens are signed here as Shopify signs them (HS256 with the app secret, claims
`iss dest aud sub exp nbf iat jti sid`), independently of devshop's own minting.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from devshop.id_tokens import extension_token
from devshop.seed import DemoOrders
from devshop.settings import DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP
from devshop.world import confirmation_number
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, Stack

ADA_GID = "gid://shopify/Customer/1001"
PATH = "/extensions/graphql"
ORIGIN = "https://extensions.shopifycdn.com"


def session_token(
    *,
    sub: str | None = ADA_GID,
    dest: str = DEMO_SHOP,
    aud: str = DEMO_API_KEY,
    secret: str = DEMO_API_SECRET,
    lifetime: int = 300,
    issued: float | None = None,
) -> str:
    """A token as `shopify.sessionToken.get()` gives it, signed by devshop as Shopify signs."""
    customer = None if sub is None else int(sub.rsplit("/", 1)[1])
    return extension_token(
        dest, api_key=aud, secret=secret, customer_id=customer, lifetime=lifetime, now=issued
    )


async def post(
    stack: Stack,
    query: str,
    variables: dict[str, Any],
    token: str,
    *,
    guest: str | None = None,
    path: str = PATH,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    if guest is not None:
        headers["X-Order-Confirmation"] = guest
    async with stack.direct() as client:
        return await client.post(
            path, json={"query": query, "variables": variables}, headers=headers
        )


async def read(stack: Stack, order: int, token: str, **kwargs: Any) -> Any:
    response = await post(stack, ORDER_QUERY, {"id": str(order)}, token, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["data"]["order"]


async def cancel(stack: Stack, order: int, token: str, **kwargs: Any) -> dict[str, Any]:
    variables = {"input": {"orderId": str(order), "reason": "ORDERED_BY_MISTAKE"}}
    response = await post(stack, CANCEL_MUTATION, variables, token, **kwargs)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["cancelOrder"]
    return result


def guest_proof(order: int, number: str | None = None) -> str:
    return f"gid://shopify/Order/{order} {number or confirmation_number(order)}"


async def test_signed_in_customer_reads_and_cancels_own_order(stack: Stack) -> None:
    token = session_token()
    order = await read(stack, DemoOrders.CANCELLABLE, token)
    assert order["cancellable"] is True
    result = await cancel(stack, DemoOrders.CANCELLABLE, token)
    assert result["__typename"] == "CancelOrderSuccess"
    assert stack.admin_calls("orderCancel") == 1


async def test_customer_account_surface_verifies_the_same_token(stack: Stack) -> None:
    response = await post(
        stack,
        ORDER_QUERY,
        {"id": str(DemoOrders.CANCELLABLE)},
        session_token(),
        path=f"{PATH}?surface=customer-account",
    )
    assert response.json()["data"]["order"]["cancellable"] is True


async def test_expired_token_is_401_and_nothing_runs(stack: Stack) -> None:
    token = session_token(issued=time.time() - 600)
    response = await post(stack, CANCEL_MUTATION, {"input": {}}, token)
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"
    assert stack.admin_calls("orderCancel") == 0


async def test_wrong_audience_is_401(stack: Stack) -> None:
    response = await post(stack, ORDER_QUERY, {"id": "5001"}, session_token(aud="another-app"))
    assert response.status_code == 401


async def test_token_signed_with_another_secret_is_401(stack: Stack) -> None:
    response = await post(
        stack,
        ORDER_QUERY,
        {"id": "5001"},
        session_token(secret="shpss_not-this-apps-secret-0000000000"),
    )
    assert response.status_code == 401


async def test_missing_token_is_401(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.post(PATH, json={"query": ORDER_QUERY, "variables": {"id": "1"}})
    assert response.status_code == 401


async def test_token_for_another_shop_sees_nothing_of_this_shop(stack: Stack) -> None:
    token = session_token(dest="other-shop.myshopify.com")
    assert await read(stack, DemoOrders.CANCELLABLE, token) is None
    result = await cancel(stack, DemoOrders.CANCELLABLE, token)
    assert result["code"] == "NOT_FOUND"


async def test_another_customers_order_looks_absent(stack: Stack) -> None:
    token = session_token()
    assert await read(stack, DemoOrders.BOBS_ORDER, token) is None
    result = await cancel(stack, DemoOrders.BOBS_ORDER, token)
    assert result["code"] == "NOT_FOUND"
    assert stack.admin_calls("orderCancel") == 0


async def test_guest_with_the_confirmation_number_cancels_that_order(stack: Stack) -> None:
    token = session_token(sub=None)
    proof = guest_proof(DemoOrders.CANCELLABLE)
    assert (await read(stack, DemoOrders.CANCELLABLE, token, guest=proof))["cancellable"]
    result = await cancel(stack, DemoOrders.CANCELLABLE, token, guest=proof)
    assert result["__typename"] == "CancelOrderSuccess"


async def test_guest_with_a_wrong_confirmation_number_is_refused(stack: Stack) -> None:
    token = session_token(sub=None)
    proof = guest_proof(DemoOrders.CANCELLABLE, "WRONG1234")
    assert await read(stack, DemoOrders.CANCELLABLE, token, guest=proof) is None
    result = await cancel(stack, DemoOrders.CANCELLABLE, token, guest=proof)
    assert result["code"] == "NOT_FOUND"
    assert stack.admin_calls("orderCancel") == 0


async def test_guest_without_a_confirmation_number_is_refused(stack: Stack) -> None:
    token = session_token(sub=None)
    assert await read(stack, DemoOrders.CANCELLABLE, token) is None
    assert (await cancel(stack, DemoOrders.CANCELLABLE, token))["code"] == "NOT_FOUND"


async def test_guest_proof_covers_only_the_order_it_names(stack: Stack) -> None:
    token = session_token(sub=None)
    proof = guest_proof(DemoOrders.CANCELLABLE)
    result = await cancel(stack, DemoOrders.CANCELLABLE_10_MIN, token, guest=proof)
    assert result["code"] == "NOT_FOUND"


async def test_guest_after_the_window_is_refused(stack: Stack) -> None:
    stack.clock.advance(minutes=stack.settings.guest_cancel_minutes)
    token = session_token(sub=None)
    proof = guest_proof(DemoOrders.CANCELLABLE)
    assert await read(stack, DemoOrders.CANCELLABLE, token, guest=proof) is None
    assert (await cancel(stack, DemoOrders.CANCELLABLE, token, guest=proof))["code"] == "NOT_FOUND"


async def test_signed_in_customer_cannot_borrow_a_guest_proof(stack: Stack) -> None:
    token = session_token(sub="gid://shopify/Customer/1002")
    proof = guest_proof(DemoOrders.CANCELLABLE)
    assert (await cancel(stack, DemoOrders.CANCELLABLE, token, guest=proof))["code"] == "NOT_FOUND"


async def test_cors_preflight_is_answered_as_shopifyapp_says(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.options(
            PATH,
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "x-order-confirmation" in allowed
    assert response.headers["access-control-max-age"] == "7200"


async def test_successful_answers_carry_the_cors_header(stack: Stack) -> None:
    response = await post(stack, ORDER_QUERY, {"id": "5001"}, session_token())
    assert response.headers["access-control-allow-origin"] == "*"
