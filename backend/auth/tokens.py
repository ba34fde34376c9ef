"""Per-shop Admin API tokens: expiring offline tokens from token exchange, refreshed in time.

App Home hands us an ID token; `exchange` trades it (through `shopifyapp`) for an expiring
offline token (1 h) with a refresh token (90 days) and stores both. `access_token` answers the
token to use now, refreshing it first when it expires within `refresh_margin`.

A refresh never loses a working token:

- Shopify rotates refresh tokens: the first refresh with one invalidates it. So exactly one
  caller may spend a given refresh token. In this process a per-shop lock serialises refreshes
  (and the winner's result is read back from the store by the others); across processes the
  store's `claim_refresh` (an atomic first-seen mark on the refresh token's digest) picks one
  process, and the others read the new token from the store when it lands.
- Refreshing starts `refresh_margin` before expiry, while the old token still works. A caller
  that finds someone else refreshing, or a refresh that fails (network, Shopify refusing), keeps
  using the old token until it actually expires; only then does a caller wait (up to
  `refresh_wait`) for the refresher's new token.
- A claim whose holder died expires after `claim_ttl`, and the next caller refreshes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shopify_app.types import IdTokenDetails, TokenExchangeAccessToken, TokenExchangeResult

from backend.store.base import ShopToken, Store

if TYPE_CHECKING:
    import httpx
    from shopify_app import ShopifyApp

logger = logging.getLogger(__name__)


class TokenExchangeFailed(Exception):
    """Shopify would not exchange the ID token; `code` is shopifyapp's log code."""

    def __init__(self, code: str, detail: str, status: int) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.status = status


def _shop_token(issued: TokenExchangeAccessToken, now: datetime) -> ShopToken:
    """The issued token, its lifetimes counted from `now` on our clock.

    shopifyapp turns `expires_in` into an instant on the wall clock; what is left of it is
    re-anchored on the injected clock, which decides when to refresh (tests move it).
    """

    def when(text: str | None) -> datetime | None:
        if not text:
            return None
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return now + (instant - datetime.now(UTC))

    return ShopToken(
        access_token=issued.token,
        expires_at=when(issued.expires),
        refresh_token=issued.refresh_token or None,
        refresh_token_expires_at=when(issued.refresh_token_expires),
    )


class ShopTokens:
    def __init__(
        self,
        shopify: ShopifyApp,
        store: Store,
        http_client: httpx.AsyncClient,
        clock: Callable[[], datetime],
        *,
        refresh_margin: timedelta = timedelta(minutes=5),
        claim_ttl: timedelta = timedelta(seconds=30),
        refresh_wait: float = 10.0,
        poll_interval: float = 0.05,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._shopify = shopify
        self._store = store
        self._http = http_client
        self._clock = clock
        self._margin = refresh_margin
        self._claim_ttl = claim_ttl
        self._wait = refresh_wait
        self._poll = poll_interval
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}

    async def exchange(self, shop: str, id_token: IdTokenDetails | dict[str, Any]) -> ShopToken:
        """Trade a verified, exchangeable ID token for an expiring offline token, and store it."""
        result = await self._shopify.exchange_using_token_exchange_async(
            "offline", id_token=id_token, expiring=True, http_client=self._http
        )
        if not result.ok or result.access_token is None:
            raise TokenExchangeFailed(result.log.code, result.log.detail, result.response.status)
        token = _shop_token(result.access_token, self._clock())
        await self._store.save_token(shop, token)
        return token

    async def access_token(self, shop: str) -> str | None:
        """A token that works now, or None when the shop has none (or it expired for good)."""
        token = await self._store.get_token(shop)
        if token is None or not self._due(token):
            return None if token is None else token.access_token
        lock = self._locks.setdefault(shop, asyncio.Lock())
        if lock.locked() and self._usable(token):
            return token.access_token  # being refreshed here; the old one still works
        async with lock:
            return await self._refresh(shop)

    def _due(self, token: ShopToken) -> bool:
        return token.expires_at is not None and token.expires_at - self._clock() <= self._margin

    def _usable(self, token: ShopToken) -> bool:
        return token.expires_at is None or self._clock() < token.expires_at

    async def _refresh(self, shop: str) -> str | None:
        token = await self._store.get_token(shop)  # another task may have refreshed it
        if token is None or not self._due(token):
            return None if token is None else token.access_token
        if token.refresh_token is None:
            return token.access_token if self._usable(token) else None
        now = self._clock()
        if await self._store.claim_refresh(shop, token.refresh_token, ttl=self._claim_ttl, at=now):
            fresh = await self._spend(shop, token)
            if fresh is not None:
                await self._store.save_token(shop, fresh)
                return fresh.access_token
            return token.access_token if self._usable(token) else None
        # Another process holds this refresh token's claim.
        if self._usable(token):
            return token.access_token
        return await self._wait_for_new(shop, token.refresh_token)

    async def _spend(self, shop: str, token: ShopToken) -> ShopToken | None:
        ends = token.refresh_token_expires_at
        if ends is not None and self._clock() >= ends:
            logger.warning("the refresh token of %s expired: the merchant must open the app", shop)
            return None
        stale = {
            "shop": shop,
            "access_mode": "offline",
            "refresh_token": token.refresh_token,
            # Empty: both expiries were checked on our clock; shopifyapp would use its own.
            "expires": "",
            "refresh_token_expires": "",
            "user": None,
        }
        try:
            result: TokenExchangeResult = (
                await self._shopify.refresh_token_exchanged_access_token_async(
                    stale, http_client=self._http
                )
            )
        except Exception:
            logger.exception("refreshing the token of %s failed", shop)
            return None
        if not result.ok or result.access_token is None:
            logger.warning("Shopify refused to refresh the token of %s: %s", shop, result.log.code)
            return None
        return _shop_token(result.access_token, self._clock())

    async def _wait_for_new(self, shop: str, spent: str) -> str | None:
        waited = 0.0
        while waited < self._wait:
            await self._sleep(self._poll)
            waited += self._poll
            token = await self._store.get_token(shop)
            if token is None:
                return None
            if token.refresh_token != spent:
                return token.access_token
        return None
