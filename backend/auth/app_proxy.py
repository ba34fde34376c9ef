"""App proxy requests: Shopify signs the query string; `shopifyapp` checks the signature.

The signature proves only that Shopify forwarded the request and which customer was signed in
(`logged_in_customer_id`, empty when signed out); ownership of an order is checked later.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from shopify_app import ShopifyApp
from starlette.requests import Request

from backend.auth.viewer import Surface, Viewer
from backend.orders import customer_gid

SHOPIFY_PARAMS = ("logged_in_customer_id", "path_prefix", "shop", "signature", "timestamp")


def verify_app_proxy(shopify: ShopifyApp, request: Request, body: bytes) -> Viewer | None:
    """The viewer of a correctly signed proxy request, or None."""
    # Shopify's signed string has no separators, so one signature fits other cuts of it: a
    # repeated `logged_in_customer_id` or a key holding "=" can name another customer. Our
    # front ends add no parameters: accept exactly Shopify's own, each once.
    keys = [key for key, _ in parse_qsl(request.url.query, keep_blank_values=True)]
    if sorted(keys) != sorted(SHOPIFY_PARAMS):
        return None
    result = shopify.verify_app_proxy_req(
        {
            "method": request.method,
            "headers": dict(request.headers),
            "url": str(request.url),
            # The signature covers the query only. The package json-parses a body it is given,
            # to redact its logs: a deeply nested one would raise RecursionError (a 500).
            "body": "",
        }
    )
    if not result.ok or not result.shop:
        return None
    return Viewer(
        shop=result.shop,
        customer_id=customer_gid(result.logged_in_customer_id),
        surface=Surface.APP_PROXY,
    )
