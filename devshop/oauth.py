"""`POST /admin/oauth/access_token` on a shop's domain: Shopify's token endpoint.

Two grants, as `shopifyapp` sends them (JSON; a form body works too):

- token exchange: `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`,
  `subject_token` (an App Home ID token: HS256 with the client secret, `aud` = client id,
  `dest` = this shop, unexpired), `subject_token_type=urn:ietf:params:oauth:token-type:id_token`,
  `requested_token_type=urn:shopify:params:oauth:token-type:offline-access-token`, `expiring`.
  `expiring=1` answers `{access_token, expires_in: 3600, refresh_token,
  refresh_token_expires_in: 7776000, scope}`; `expiring=0` a non-expiring `{access_token, scope}`.
- refresh: `grant_type=refresh_token`, `refresh_token`: a new pair. As Shopify does since
  August 2026, the refresh token just used stays retryable until the app uses its replacement
  (then it is retired), and the access token it replaced keeps working until it expires.

`client_id`/`client_secret` must be the app's (else 401 `invalid_client`); a bad ID token is
400 `invalid_subject_token`; an unknown, retired or expired refresh token 400 `invalid_grant`.
Issued access tokens are what devshop's Admin API accepts, besides each shop's seeded token.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlparse

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.world import World

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"
ACCESS_LIFETIME = timedelta(hours=1)
REFRESH_LIFETIME = timedelta(days=90)
SCOPES = (
    "read_customers,read_merchant_managed_fulfillment_orders,read_order_edits,read_orders,"
    "read_products,read_third_party_fulfillment_orders,write_app_proxy,"
    "write_merchant_managed_fulfillment_orders,write_order_edits,write_orders,"
    "write_third_party_fulfillment_orders"
)


@dataclass
class RefreshGrant:
    shop: str
    expires_at: datetime
    # The refresh tokens issued for this one (a retry after a lost answer issues another).
    replacements: set[str] = field(default_factory=set)
    retired: bool = False


@dataclass
class TokenIssuer:
    """The tokens devshop has issued, per shop, and the log of grants tests count."""

    now: Callable[[], datetime]
    access: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    grants: list[tuple[str, str]] = field(default_factory=list)  # (grant_type, shop)

    def clear(self) -> None:
        self.access.clear()
        self.refresh.clear()
        self.grants.clear()

    def accepts(self, shop: str, token: str) -> bool:
        issued = self.access.get(token)
        if issued is None or issued[0] != shop:
            return False
        expires_at = issued[1]
        return expires_at is None or self.now() < expires_at

    def issue(self, shop: str, *, expiring: bool) -> dict[str, Any]:
        now = self.now()
        access = f"shpat_{secrets.token_hex(16)}"
        if not expiring:
            self.access[access] = (shop, None)
            return {"access_token": access, "scope": SCOPES}
        refresh = f"shprt_{secrets.token_hex(16)}"
        self.access[access] = (shop, now + ACCESS_LIFETIME)
        self.refresh[refresh] = RefreshGrant(shop, now + REFRESH_LIFETIME)
        return {
            "access_token": access,
            "expires_in": int(ACCESS_LIFETIME.total_seconds()),
            "refresh_token": refresh,
            "refresh_token_expires_in": int(REFRESH_LIFETIME.total_seconds()),
            "scope": SCOPES,
        }

    def refresh_with(self, shop: str, token: str) -> dict[str, Any] | None:
        grant = self.refresh.get(token)
        if grant is None or grant.shop != shop or grant.retired or self.now() >= grant.expires_at:
            return None
        # Using a replacement retires the token it replaced.
        for older in self.refresh.values():
            if token in older.replacements:
                older.retired = True
        issued = self.issue(shop, expiring=True)
        grant.replacements.add(issued["refresh_token"])
        return issued


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def oauth_routes(world: World, issuer: TokenIssuer, *, api_key: str, secret: str) -> list[Route]:
    async def access_token(request: Request) -> JSONResponse:
        shop = request.headers.get("host", "").split(":")[0].lower()
        if shop not in world.shops:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        body = await _params(request)
        if body.get("client_id") != api_key or body.get("client_secret") != secret:
            return _error(401, "invalid_client", "Client authentication failed.")
        grant_type = body.get("grant_type")
        if grant_type == TOKEN_EXCHANGE:
            return _exchange(shop, body)
        if grant_type == "refresh_token":
            issued = issuer.refresh_with(shop, str(body.get("refresh_token") or ""))
            if issued is None:
                return _error(400, "invalid_grant", "The refresh token is invalid or expired.")
            issuer.grants.append(("refresh_token", shop))
            return JSONResponse(issued)
        return _error(400, "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")

    def _exchange(shop: str, body: dict[str, Any]) -> JSONResponse:
        if body.get("subject_token_type") != ID_TOKEN_TYPE:
            return _error(400, "invalid_request", "subject_token_type must be an ID token.")
        if body.get("requested_token_type") != OFFLINE_TOKEN_TYPE:
            return _error(400, "invalid_request", "devshop issues offline access tokens only.")
        try:
            claims = _decode(str(body.get("subject_token") or ""), secret, api_key)
        except jwt.PyJWTError as error:
            return _error(400, "invalid_subject_token", f"Invalid ID token: {error}")
        if urlparse(str(claims["dest"])).hostname != shop:
            return _error(400, "invalid_subject_token", "The ID token is for another shop.")
        expiring = str(body.get("expiring", "0")) in ("1", "true", "True")
        issuer.grants.append((TOKEN_EXCHANGE, shop))
        return JSONResponse(issuer.issue(shop, expiring=expiring))

    return [Route("/admin/oauth/access_token", access_token, methods=["POST"])]


def _decode(token: str, secret: str, api_key: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=["HS256"],
        audience=api_key,
        leeway=10,
        options={"require": ["exp", "nbf", "iat", "dest", "aud"]},
    )
    return claims


async def _params(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode("utf-8", errors="replace")))
