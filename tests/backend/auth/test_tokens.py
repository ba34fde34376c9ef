"""Expiring offline tokens: exchanged from an App Home ID token at devshop, refreshed in time,
never lost to a concurrent or failed refresh."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt
import pytest
from shopify_app.types import IdTokenDetails

from backend.auth.tokens import ShopTokens, TokenExchangeFailed
from backend.store.base import ShopToken
from devshop.id_tokens import app_home_token
from devshop.oauth import TokenIssuer
from devshop.seed import DemoOrders
from devshop.settings import DEMO_ACCESS_TOKEN, DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP
from tests.conftest import ADA, ORDER_QUERY, Stack, graphql, running_stack

SHOP = "demo-shop"


def id_token(secret: str = DEMO_API_SECRET) -> IdTokenDetails:
    token = app_home_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=secret)
    claims = jwt.decode(token, options={"verify_signature": False})
    return IdTokenDetails(exchangeable=True, token=token, claims=claims)


def tokens(stack: Stack) -> ShopTokens:
    shop_tokens: ShopTokens = stack.served_backend.state["shop_tokens"]
    return shop_tokens


def issuer(stack: Stack) -> TokenIssuer:
    issued: TokenIssuer = stack.devshop.state.tokens
    return issued


def refreshes(stack: Stack) -> int:
    return sum(1 for grant, _ in issuer(stack).grants if grant == "refresh_token")


@pytest.fixture
async def exchanged(stack: Stack) -> ShopToken:
    """The demo shop on an exchanged token only: its seeded token no longer works."""
    token = await tokens(stack).exchange(SHOP, id_token())
    stack.world.shops[DEMO_SHOP].access_token = "shpat_revoked"
    return token


async def order_is_readable(stack: Stack) -> bool:
    async with stack.shopper(ADA) as ada:
        response = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
    return response.status_code == 200 and response.json()["data"]["order"] is not None


async def test_exchange_stores_an_expiring_token_the_admin_api_accepts(
    stack: Stack, exchanged: ShopToken
) -> None:
    assert exchanged.expires_at is not None and exchanged.refresh_token is not None
    assert exchanged.refresh_token_expires_at is not None
    assert await stack.store.get_token(SHOP) == exchanged
    assert await order_is_readable(stack)


async def test_an_id_token_signed_with_another_secret_is_not_exchanged(stack: Stack) -> None:
    with pytest.raises(TokenExchangeFailed) as failure:
        await tokens(stack).exchange(
            SHOP, id_token(secret="shpss_someone-elses-secret-000000000000")
        )

    assert failure.value.code == "invalid_subject_token"
    assert issuer(stack).grants == []


async def test_a_fresh_token_is_used_as_it_is(stack: Stack, exchanged: ShopToken) -> None:
    assert await tokens(stack).access_token(SHOP) == exchanged.access_token
    assert refreshes(stack) == 0


async def test_an_expired_token_is_refreshed_and_the_new_one_works(
    stack: Stack, exchanged: ShopToken
) -> None:
    stack.clock.advance(minutes=61)

    assert await order_is_readable(stack)  # the backend refreshed before calling Shopify
    stored = await stack.store.get_token(SHOP)
    assert stored is not None and stored.access_token != exchanged.access_token
    assert stored.refresh_token != exchanged.refresh_token
    assert refreshes(stack) == 1


async def test_a_token_about_to_expire_is_refreshed_ahead(
    stack: Stack, exchanged: ShopToken
) -> None:
    stack.clock.advance(minutes=57)

    fresh = await tokens(stack).access_token(SHOP)

    assert fresh is not None and fresh != exchanged.access_token
    assert refreshes(stack) == 1


async def test_concurrent_refreshes_spend_the_refresh_token_once(
    stack: Stack, exchanged: ShopToken
) -> None:
    stack.clock.advance(minutes=61)

    answers = await asyncio.gather(*(tokens(stack).access_token(SHOP) for _ in range(20)))

    assert refreshes(stack) == 1
    stored = await stack.store.get_token(SHOP)
    assert stored is not None and set(answers) == {stored.access_token}


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    stack: Stack, exchanged: ShopToken
) -> None:
    # A second ShopTokens over the same store stands for another backend process.
    mine = tokens(stack)
    other = ShopTokens(mine._shopify, stack.store, mine._http, stack.clock)
    stack.clock.advance(minutes=61)

    answers = await asyncio.gather(*(source.access_token(SHOP) for source in (mine, other) * 5))

    assert refreshes(stack) == 1
    stored = await stack.store.get_token(SHOP)
    assert stored is not None and set(answers) == {stored.access_token}


async def test_a_failed_refresh_keeps_the_old_token_while_it_still_works(
    stack: Stack, exchanged: ShopToken
) -> None:
    issuer(stack).refresh.clear()  # Shopify answers invalid_grant
    stack.clock.advance(minutes=57)

    assert await tokens(stack).access_token(SHOP) == exchanged.access_token
    assert await stack.store.get_token(SHOP) == exchanged
    assert await order_is_readable(stack)


async def test_a_token_expired_for_good_gives_none_not_a_dead_token(
    stack: Stack, exchanged: ShopToken
) -> None:
    issuer(stack).refresh.clear()
    stack.clock.advance(minutes=61)

    assert await tokens(stack).access_token(SHOP) is None


async def test_single_shop_mode_uses_the_configured_token_first(tmp_path: Path) -> None:
    async with running_stack(
        tmp_path, single_shop=SHOP, single_shop_token=DEMO_ACCESS_TOKEN
    ) as stack:
        await stack.store.delete_token(SHOP)
        assert await order_is_readable(stack)
