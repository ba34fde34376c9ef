"""Session tokens as Shopify signs them: JWT, HS256, keyed with the app's client secret.

- `app_home_token`: the ID token App Bridge gives App Home (`Authorization: Bearer …` or the
  `id_token` query parameter). One minute; `sub` is the staff member's numeric id. Exchangeable
  for an access token at devshop's `/admin/oauth/access_token`.
- `extension_token`: `shopify.sessionToken.get()` in checkout and customer account UI
  extensions. Five minutes; `sub` is the customer's GID, present only when signed in. Not
  exchangeable.

Claims: `iss` (the shop's admin URL for App Home, the shop URL for extensions), `dest` (the
shop URL), `aud` (the client id), `sub`, `exp`, `nbf`, `iat`, `jti` (unique), `sid` (a session
id). Times are wall-clock seconds: `shopifyapp` checks `exp`/`nbf` against the real clock (with
10 s leeway), so a test that moved devshop's clock still signs with real time.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt


def _claims(
    shop: str, api_key: str, sub: str | None, iss: str, lifetime: int, now: float | None
) -> dict[str, Any]:
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": iss,
        "dest": f"https://{shop}",
        "aud": api_key,
        "exp": issued + lifetime,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": uuid.uuid4().hex,
    }
    if sub is not None:
        claims["sub"] = sub
    return claims


def sign(claims: dict[str, Any], secret: str) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def app_home_token(
    shop: str,
    *,
    api_key: str,
    secret: str,
    user_id: int = 1,
    lifetime: int = 60,
    now: float | None = None,
) -> str:
    """An App Home ID token for `shop` ("name.myshopify.com")."""
    claims = _claims(shop, api_key, str(user_id), f"https://{shop}/admin", lifetime, now)
    return sign(claims, secret)


def extension_token(
    shop: str,
    *,
    api_key: str,
    secret: str,
    customer_id: int | None = None,
    lifetime: int = 300,
    now: float | None = None,
) -> str:
    """A UI extension session token; `customer_id` None: a signed-out buyer."""
    sub = None if customer_id is None else f"gid://shopify/Customer/{customer_id}"
    return sign(_claims(shop, api_key, sub, f"https://{shop}", lifetime, now), secret)
