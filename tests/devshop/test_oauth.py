"""devshop's token endpoint and the tokens it issues, as Shopify's behave."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from shopify_app import ShopifyApp

from devshop.app import create_app
from devshop.id_tokens import app_home_token, extension_token
from devshop.oauth import ID_TOKEN_TYPE, OFFLINE_TOKEN_TYPE, TOKEN_EXCHANGE
from devshop.settings import DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP, DevshopSettings
from devshop.webhooks import sign
from devshop.world import World

ENDPOINT = f"https://{DEMO_SHOP}/admin/oauth/access_token"
ADMIN = f"https://{DEMO_SHOP}/admin/api/2026-10/graphql.json"


@pytest.fixture
async def devshop() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(DevshopSettings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


def world(client: httpx.AsyncClient) -> World:
    found: World = client.app.state.world  # type: ignore[attr-defined]
    return found


def exchange_body(token: str, **overrides: Any) -> dict[str, Any]:
    return {
        "client_id": DEMO_API_KEY,
        "client_secret": DEMO_API_SECRET,
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": 1,
        **overrides,
    }


def refresh_body(refresh_token: str) -> dict[str, Any]:
    return {
        "client_id": DEMO_API_KEY,
        "client_secret": DEMO_API_SECRET,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }


def id_token(**options: Any) -> str:
    return app_home_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=DEMO_API_SECRET, **options)


async def admin_status(client: httpx.AsyncClient, token: str) -> int:
    response = await client.post(
        ADMIN, json={"query": "{ shop { name } }"}, headers={"X-Shopify-Access-Token": token}
    )
    return response.status_code


async def test_exchange_issues_an_expiring_pair_the_admin_api_accepts(
    devshop: httpx.AsyncClient,
) -> None:
    response = await devshop.post(ENDPOINT, json=exchange_body(id_token()))

    assert response.status_code == 200
    issued = response.json()
    assert issued["expires_in"] == 3600
    assert issued["refresh_token_expires_in"] == 90 * 24 * 3600
    assert "read_orders" in issued["scope"].split(",")
    assert await admin_status(devshop, issued["access_token"]) == 200


async def test_an_issued_token_stops_working_when_it_expires(devshop: httpx.AsyncClient) -> None:
    issued = (await devshop.post(ENDPOINT, json=exchange_body(id_token()))).json()
    world(devshop).advance(3601)

    assert await admin_status(devshop, issued["access_token"]) == 401


async def test_expiring_0_issues_a_token_without_expiry(devshop: httpx.AsyncClient) -> None:
    issued = (await devshop.post(ENDPOINT, json=exchange_body(id_token(), expiring=0))).json()

    assert set(issued) == {"access_token", "scope"}


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (
            app_home_token(
                DEMO_SHOP, api_key=DEMO_API_KEY, secret="shpss_not-this-apps-secret-0000000000"
            ),
            "invalid_subject_token",
        ),
        (
            app_home_token(DEMO_SHOP, api_key="other-app", secret=DEMO_API_SECRET),
            "invalid_subject_token",
        ),
        (
            app_home_token(
                "other-shop.myshopify.com", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET
            ),
            "invalid_subject_token",
        ),
        (
            app_home_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=DEMO_API_SECRET, now=0),
            "invalid_subject_token",
        ),
    ],
    ids=["bad-signature", "other-app", "other-shop", "expired"],
)
async def test_a_bad_id_token_is_refused(
    devshop: httpx.AsyncClient, token: str, error: str
) -> None:
    response = await devshop.post(ENDPOINT, json=exchange_body(token))

    assert response.status_code == 400
    assert response.json()["error"] == error


async def test_a_wrong_client_secret_is_refused(devshop: httpx.AsyncClient) -> None:
    response = await devshop.post(ENDPOINT, json=exchange_body(id_token(), client_secret="guess"))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_refresh_rotates_and_using_the_replacement_retires_the_old_one(
    devshop: httpx.AsyncClient,
) -> None:
    first = (await devshop.post(ENDPOINT, json=exchange_body(id_token()))).json()
    second = (await devshop.post(ENDPOINT, json=refresh_body(first["refresh_token"]))).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert await admin_status(devshop, second["access_token"]) == 200
    # Until the replacement is used, a lost answer can be recovered by retrying the old one.
    retry = await devshop.post(ENDPOINT, json=refresh_body(first["refresh_token"]))
    assert retry.status_code == 200

    used = await devshop.post(ENDPOINT, json=refresh_body(second["refresh_token"]))
    again = await devshop.post(ENDPOINT, json=refresh_body(first["refresh_token"]))

    assert used.status_code == 200
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


async def test_shopifyapp_exchanges_and_refreshes_against_devshop(
    devshop: httpx.AsyncClient,
) -> None:
    shopify = ShopifyApp(DEMO_API_KEY, DEMO_API_SECRET)
    token = id_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    exchanged = await shopify.exchange_using_token_exchange_async(
        "offline",
        id_token={"exchangeable": True, "token": token, "claims": claims},
        http_client=devshop,
    )
    assert exchanged.ok and exchanged.access_token is not None
    assert exchanged.access_token.refresh_token

    refreshed = await shopify.refresh_token_exchanged_access_token_async(
        {
            "shop": "demo-shop",
            "access_mode": "offline",
            "refresh_token": exchanged.access_token.refresh_token,
            "expires": "",
            "refresh_token_expires": "",
            "user": None,
        },
        http_client=devshop,
    )
    assert refreshed.ok and refreshed.access_token is not None
    assert refreshed.access_token.token != exchanged.access_token.token


def test_id_tokens_carry_shopifys_claims() -> None:
    app_home = jwt.decode(id_token(), DEMO_API_SECRET, algorithms=["HS256"], audience=DEMO_API_KEY)
    assert set(app_home) == {"iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"}
    assert app_home["dest"] == f"https://{DEMO_SHOP}"
    assert app_home["iss"] == f"https://{DEMO_SHOP}/admin"
    assert app_home["exp"] - app_home["iat"] == 60
    signed_out = extension_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
    claims = jwt.decode(signed_out, DEMO_API_SECRET, algorithms=["HS256"], audience=DEMO_API_KEY)
    assert "sub" not in claims and claims["exp"] - claims["iat"] == 300


def test_webhook_signature_is_what_shopifyapp_verifies() -> None:
    body = '{"id":1,"note":"café"}'
    result = ShopifyApp(DEMO_API_KEY, DEMO_API_SECRET).verify_webhook_req(
        {
            "method": "POST",
            "headers": {
                "X-Shopify-Hmac-SHA256": sign(body.encode(), DEMO_API_SECRET),
                "X-Shopify-Shop-Domain": DEMO_SHOP,
            },
            "url": "https://app.example/webhooks",
            "body": body,
        }
    )
    assert result.ok and result.shop == "demo-shop"
