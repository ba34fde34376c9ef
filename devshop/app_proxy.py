"""Shopify's App Proxy, as Shopify runs it: `/apps/cancel/*` on the shop, signed, to the app.

What Shopify does, and so what this does:
- the request keeps its method, body and query; Shopify sets `shop`, `logged_in_customer_id`
  (empty when signed out), `path_prefix` and `timestamp`, then signs them all into `signature`;
- `Cookie` never reaches the app; `X-Forwarded-For` and `X-Forwarded-Host` are added;
- `Set-Cookie` and other headers that could touch the shop's own session are dropped from the
  answer.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import Response

from devshop.session import signed_in_customer

RESERVED = frozenset({"shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"})
# Request headers Shopify does not pass on (hop-by-hop, and the shop's own session).
DROPPED_REQUEST = frozenset(
    {"cookie", "host", "connection", "keep-alive", "transfer-encoding", "content-length"}
)
# Response headers Shopify strips so an app cannot act on the shop's domain.
DROPPED_RESPONSE = frozenset(
    {
        "set-cookie",
        "set-cookie2",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "strict-transport-security",
        "content-security-policy",
        "x-frame-options",
        "server",
    }
)


def signature(params: Iterable[tuple[str, str]], secret: str) -> str:
    """Shopify's app proxy signature of `params` (which must not include `signature`)."""
    joined: dict[str, list[str]] = {}
    for key, value in params:
        joined.setdefault(key, []).append(value)
    message = "".join(sorted(f"{key}={','.join(values)}" for key, values in joined.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_query(
    query: Iterable[tuple[str, str]],
    *,
    shop: str,
    customer_id: int | None,
    path_prefix: str,
    secret: str,
    timestamp: int,
) -> str:
    params = [(key, value) for key, value in query if key not in RESERVED]
    params += [
        ("shop", shop),
        ("logged_in_customer_id", "" if customer_id is None else str(customer_id)),
        ("path_prefix", path_prefix),
        ("timestamp", str(timestamp)),
    ]
    params.append(("signature", signature(params, secret)))
    return urlencode(params)


class AppProxy:
    def __init__(
        self,
        *,
        backend_url: str,
        prefix: str,
        secret: str,
        shop_for: Callable[[Request], str | None],
        http: Callable[[], httpx.AsyncClient],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend_url = backend_url.rstrip("/")
        self.prefix = prefix.rstrip("/")
        self.secret = secret
        self.shop_for = shop_for
        self.http = http
        self.clock = clock

    async def handle(self, request: Request) -> Response:
        shop = self.shop_for(request)
        if shop is None:
            return Response("Unknown shop", status_code=404)
        rest = request.url.path.removeprefix(self.prefix)
        query = signed_query(
            request.query_params.multi_items(),
            shop=shop,
            customer_id=signed_in_customer(request, shop),
            path_prefix=self.prefix,
            secret=self.secret,
            timestamp=int(self.clock()),
        )
        headers = {
            key: value for key, value in request.headers.items() if key not in DROPPED_REQUEST
        }
        client_host = request.client.host if request.client else "127.0.0.1"
        headers["x-forwarded-for"] = client_host
        headers["x-forwarded-host"] = shop
        try:
            upstream = await self.http().request(
                request.method,
                f"{self.backend_url}/proxy{rest}?{query}",
                headers=headers,
                content=await request.body(),
            )
        except httpx.HTTPError:
            # What a shopper sees when an app's server is down.
            return Response("Bad gateway", status_code=502)
        kept = {
            key: value
            for key, value in upstream.headers.items()
            if key.lower() not in DROPPED_RESPONSE and key.lower() != "content-encoding"
        }
        return Response(upstream.content, status_code=upstream.status_code, headers=kept)
