"""App Home at `/` and who may use the admin API: ID tokens as Shopify's admin sends them."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.policy import ShopPolicy
from devshop.settings import DEMO_SHOP
from tests.backend.admin.conftest import RULES_QUERY, admin_graphql, id_token
from tests.conftest import OTHER_SHOP, Stack

HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtby1zaG9w"


def home_url(token: str | None, shop: str = DEMO_SHOP) -> str:
    query = f"/?embedded=1&host={HOST}&shop={shop}"
    return query + (f"&id_token={token}" if token is not None else "")


async def test_app_home_renders_the_rules_form_and_insights(stack: Stack) -> None:
    async with stack.direct() as backend:
        response = await backend.get(home_url(id_token()))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<meta name="shopify-api-key" content="devshop-api-key">' in page
    # App Bridge first, as Shopify requires; then Polaris.
    assert page.index("shopifycloud/app-bridge.js") < page.index("shopifycloud/polaris.js")
    assert '<form id="rules"' in page and 'name="windowMinutes" value="60"' in page
    assert 'id="chart-over-time"' in page and "<title" in page
    # Shopify's headers for the document: only its admin (and here devshop) may frame it.
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors https://demo-shop.myshopify.com https://admin.shopify.com" in csp
    assert "app-bridge.js" in response.headers["link"]


async def test_without_an_id_token_app_home_bounces_to_the_patch_page(stack: Stack) -> None:
    async with stack.direct() as backend:
        bounce = await backend.get(home_url(None))
        location = bounce.headers["location"]
        patch = await backend.get(location)

    assert bounce.status_code == 302
    parts = urlsplit(location)
    assert parts.path == "/auth/patch-id-token"
    assert parse_qs(parts.query)["shopify-reload"] == [f"/?embedded=1&host={HOST}&shop={DEMO_SHOP}"]
    assert patch.status_code == 200
    assert patch.text == (
        '<script data-api-key="devshop-api-key" '
        'src="https://cdn.shopify.com/shopifycloud/app-bridge.js"></script>'
    )


async def test_a_stale_id_token_on_the_page_bounces_too(stack: Stack) -> None:
    stale = id_token(now=time.time() - 600)
    async with stack.direct() as backend:
        response = await backend.get(home_url(stale))

    assert response.status_code == 302
    assert "id_token" not in response.headers["location"]


async def test_a_token_for_one_shop_does_not_open_another_shops_page(stack: Stack) -> None:
    async with stack.direct() as backend:
        response = await backend.get(home_url(id_token(OTHER_SHOP), shop=DEMO_SHOP))

    assert response.status_code == 401


async def test_opening_app_home_exchanges_the_id_token_when_the_shop_has_no_token(
    stack: Stack,
) -> None:
    await stack.store.delete_token("demo-shop")

    async with stack.direct() as backend:
        response = await backend.get(home_url(id_token()))

    assert response.status_code == 200
    assert "couldn't connect" not in response.text
    token = await stack.store.get_token("demo-shop")
    assert token is not None and token.expires_at is not None  # an expiring offline token


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer ",
        "Bearer not-a-jwt",
        "Basic ZGV2OmRldg==",
        f"Bearer {id_token(secret='shpss_someone-elses-secret-000000000000')}",
        f"Bearer {id_token(api_key='another-app')}",
        f"Bearer {id_token(now=time.time() - 120)}",  # expired a minute ago
    ],
    ids=["missing", "empty", "garbage", "basic", "forged", "other-app", "expired"],
)
async def test_the_admin_api_refuses_without_a_valid_id_token(
    stack: Stack, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with stack.direct() as backend:
        response = await backend.post(
            "/admin/graphql", json={"query": RULES_QUERY}, headers=headers
        )

    assert response.status_code == 401
    assert response.headers["x-shopify-retry-invalid-session-request"] == "1"
    assert "data" not in response.json()


async def test_an_id_token_in_the_query_does_not_authorize_the_admin_api(stack: Stack) -> None:
    async with stack.direct() as backend:
        response = await backend.post(
            f"/admin/graphql?id_token={id_token()}", json={"query": RULES_QUERY}
        )

    assert response.status_code == 401


async def test_each_shop_sees_its_own_rules(stack: Stack) -> None:
    await stack.store.save_policy("other-shop", ShopPolicy(window_minutes=5))

    mine = await admin_graphql(stack, RULES_QUERY)
    theirs = await admin_graphql(stack, RULES_QUERY, token=id_token(OTHER_SHOP))

    assert mine.json()["data"]["rules"]["windowMinutes"] == 60
    assert theirs.json()["data"]["rules"]["windowMinutes"] == 5


async def test_the_page_script_and_stylesheet_are_served(stack: Stack) -> None:
    async with stack.direct() as backend:
        script = await backend.get("/admin/assets/admin.js")
        style = await backend.get("/admin/assets/admin.css")

    assert script.status_code == 200 and "saveRules" in script.text
    assert style.status_code == 200
