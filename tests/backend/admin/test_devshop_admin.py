"""devshop's side of App Home: the admin frame, and the Admin API fields App Home uses."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from devshop.settings import DEMO_ACCESS_TOKEN
from tests.conftest import Stack

SET = """
mutation Set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { key namespace value type }
    userErrors { field message code elementIndex }
  }
}
"""
INSTALLATION = "gid://shopify/AppInstallation/1"


async def admin_api(stack: Stack, query: str, variables: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=stack.served_devshop),
        base_url="http://demo-shop.myshopify.com",
    ) as client:
        response = await client.post(
            "/admin/api/2026-10/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": DEMO_ACCESS_TOKEN},
        )
    assert response.status_code == 200, response.text
    return response.json()


def metafield(key: str = "rules", value: str = '{"enabled":false}', **extra: Any) -> Any:
    return {
        "ownerId": INSTALLATION,
        "namespace": "cancel_button",
        "key": key,
        "type": "json",
        "value": value,
        **extra,
    }


async def test_the_admin_frame_opens_app_home_with_a_fresh_id_token(stack: Stack) -> None:
    async with stack.shopper(None) as browser:
        frame = await browser.get("/admin")
    assert frame.status_code == 200
    src = unescape(frame.text.split('<iframe title="Cancel button" src="')[1].split('"')[0])
    parts = urlsplit(src)
    query = parse_qs(parts.query)
    assert parts.netloc == "backend.test" and parts.path == "/"
    assert query["shop"] == ["demo-shop.myshopify.com"] and query["embedded"] == ["1"]
    assert query["host"] and query["id_token"]

    async with stack.direct() as backend:
        home = await backend.get(f"/?{parts.query}")
    assert home.status_code == 200 and '<form id="rules"' in home.text


async def test_metafields_set_stores_the_value_on_the_installation(stack: Stack) -> None:
    body = await admin_api(stack, SET, {"metafields": [metafield()]})

    assert body["data"]["metafieldsSet"]["userErrors"] == []
    read = await admin_api(
        stack,
        'query { currentAppInstallation { id metafield(namespace: "cancel_button", key: "rules")'
        " { value type } } }",
    )
    installation = read["data"]["currentAppInstallation"]
    assert installation == {
        "id": INSTALLATION,
        "metafield": {"value": '{"enabled":false}', "type": "json"},
    }


async def test_metafields_set_is_all_or_nothing(stack: Stack) -> None:
    body = await admin_api(
        stack, SET, {"metafields": [metafield("good"), metafield("bad", value="{not json")]}
    )

    result = body["data"]["metafieldsSet"]
    assert result["metafields"] is None
    assert result["userErrors"] == [
        {
            "field": ["metafields", "1", "value"],
            "message": "Value must be valid JSON.",
            "code": "INVALID_VALUE",
            "elementIndex": 1,
        }
    ]
    assert stack.world.metafields == {}


async def test_the_storefront_reads_the_written_metafield(stack: Stack) -> None:
    await admin_api(stack, SET, {"metafields": [metafield()]})

    async with stack.shopper() as ada:
        page = await ada.get("/account/orders/5001")
    assert "<order-cancel" not in page.text
    stored = stack.world.metafields[("demo-shop.myshopify.com", "cancel_button", "rules")]
    assert json.loads(stored.value) == {"enabled": False}


async def test_orders_count_counts_the_shops_orders_since_a_time(stack: Stack) -> None:
    now = stack.world.now()
    since = (now.replace(microsecond=0)).strftime("%Y-%m-%dT%H:%M:%SZ")
    stack.world.add_order(age=timedelta(seconds=-5))  # placed just now
    body = await admin_api(
        stack,
        "query Count($q: String!) { all: ordersCount(limit: null) { count precision }"
        " recent: ordersCount(query: $q) { count precision } }",
        {"q": f"created_at:>='{since}'"},
    )

    total = sum(1 for o in stack.world.orders.values() if o.shop == "demo-shop.myshopify.com")
    assert body["data"]["all"] == {"count": total, "precision": "EXACT"}
    assert body["data"]["recent"] == {"count": 1, "precision": "EXACT"}


async def test_the_admin_frame_passes_the_staff_language_and_the_screen(stack: Stack) -> None:
    async with stack.shopper(None) as browser:
        default = await browser.get("/admin")
        dutch = await browser.get("/admin?locale=nl&path=/insights")
        elsewhere = await browser.get("/admin?path=//evil.example/")

    def framed(page: httpx.Response) -> tuple[str, dict[str, list[str]]]:
        src = unescape(page.text.split('<iframe title="Cancel button" src="')[1].split('"')[0])
        return urlsplit(src).path, parse_qs(urlsplit(src).query)

    assert framed(default)[0] == "/" and framed(default)[1]["locale"] == ["en"]
    assert framed(dutch)[0] == "/insights" and framed(dutch)[1]["locale"] == ["nl"]
    assert elsewhere.status_code == 404
