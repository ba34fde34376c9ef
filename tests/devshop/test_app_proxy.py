"""devshop signs as Shopify signs: its signature is Shopify's, and Shopify's verifier agrees."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest
from shopify_app import ShopifyApp
from shopify_app.verify import app_proxy as shopify_app_proxy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.app import create_app
from devshop.app_proxy import signature, signed_query
from devshop.session import CUSTOMER_COOKIE, cookie_value
from devshop.settings import DEMO_API_SECRET, DevshopSettings

# facts.md: Shopify's published example.
VECTOR_SECRET = "hush"
VECTOR_PARAMS = [
    ("extra", "1"),
    ("extra", "2"),
    ("logged_in_customer_id", "1"),
    ("path_prefix", "/apps/awesome_reviews"),
    ("shop", "shop-name.myshopify.com"),
    ("timestamp", "1317327555"),
]
VECTOR_SIGNATURE = "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"


def test_signer_reproduces_shopifys_published_vector() -> None:
    assert signature(VECTOR_PARAMS, VECTOR_SECRET) == VECTOR_SIGNATURE


def test_signer_sorts_keys_but_keeps_the_order_of_repeated_values() -> None:
    shuffled = VECTOR_PARAMS[2:] + VECTOR_PARAMS[:2]
    assert signature(shuffled, VECTOR_SECRET) == VECTOR_SIGNATURE
    swapped = [("extra", "2"), ("extra", "1"), *VECTOR_PARAMS[2:]]
    assert signature(swapped, VECTOR_SECRET) != VECTOR_SIGNATURE


def test_shopifyapp_verifies_the_published_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    # The vector is from 2011; only the verifier's clock is moved there, nothing else.
    monkeypatch.setattr(shopify_app_proxy.time, "time", lambda: 1317327555 + 10)
    query = "&".join(f"{k}={v}" for k, v in VECTOR_PARAMS) + f"&signature={VECTOR_SIGNATURE}"
    app = ShopifyApp("key", VECTOR_SECRET)
    result = app.verify_app_proxy_req(
        {"method": "GET", "headers": {}, "url": f"https://app.example/proxy?{query}", "body": ""}
    )
    assert result.ok
    assert result.shop == "shop-name"
    assert result.logged_in_customer_id == "1"


def test_signed_query_overrides_what_the_visitor_claims() -> None:
    query = signed_query(
        [("logged_in_customer_id", "1002"), ("shop", "evil.myshopify.com"), ("q", "x")],
        shop="demo-shop.myshopify.com",
        customer_id=1001,
        path_prefix="/apps/cancel",
        secret="s",
        timestamp=1_800_000_000,
    )
    params = parse_qsl(query, keep_blank_values=True)
    assert ("logged_in_customer_id", "1001") in params
    assert ("shop", "demo-shop.myshopify.com") in params
    assert ("logged_in_customer_id", "1002") not in params
    assert ("q", "x") in params


def test_signed_out_visitor_gets_an_empty_customer_id() -> None:
    query = signed_query(
        [],
        shop="demo-shop.myshopify.com",
        customer_id=None,
        path_prefix="/apps/cancel",
        secret="s",
        timestamp=1_800_000_000,
    )
    assert ("logged_in_customer_id", "") in parse_qsl(query, keep_blank_values=True)


async def test_proxy_forwards_as_shopify_does() -> None:
    """Method, body and query pass; cookies never reach the app; Set-Cookie never comes back."""
    seen: dict[str, object] = {}

    async def echo(request: Request) -> JSONResponse:
        seen["method"] = request.method
        seen["path"] = request.url.path
        seen["query"] = parse_qsl(request.url.query, keep_blank_values=True)
        seen["headers"] = dict(request.headers)
        seen["body"] = await request.body()
        response = JSONResponse({"ok": True})
        response.set_cookie("app_session", "steal-me")
        return response

    backend = Starlette(routes=[Route("/proxy/{rest:path}", echo, methods=["POST"])])
    devshop = create_app(
        DevshopSettings(backend_url="http://backend.test"),
        backend_transport=httpx.ASGITransport(app=backend),
    )
    async with (
        devshop.router.lifespan_context(devshop),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=devshop),
            base_url="http://demo-shop.myshopify.com",
            cookies={CUSTOMER_COOKIE: cookie_value("demo-shop.myshopify.com", 1001)},
        ) as browser,
    ):
        response = await browser.post(
            "/apps/cancel/graphql?locale=nl", content=b'{"query":"{x}"}', headers={"x-a": "b"}
        )

    assert response.status_code == 200 and response.json() == {"ok": True}
    assert "set-cookie" not in response.headers
    assert seen["method"] == "POST" and seen["path"] == "/proxy/graphql"
    assert seen["body"] == b'{"query":"{x}"}'
    headers = seen["headers"]
    assert isinstance(headers, dict)
    assert "cookie" not in headers
    assert headers["x-a"] == "b"
    assert headers["x-forwarded-host"] == "demo-shop.myshopify.com"
    query = dict(seen["query"])  # type: ignore[arg-type]
    assert query["locale"] == "nl"
    assert query["logged_in_customer_id"] == "1001"
    assert query["path_prefix"] == "/apps/cancel"
    pairs = [(k, v) for k, v in seen["query"] if k != "signature"]  # type: ignore[attr-defined]
    assert query["signature"] == signature(pairs, DEMO_API_SECRET)
