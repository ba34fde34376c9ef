"""App proxy requests: Shopify signs the query string; `shopifyapp` checks the signature.

The signature proves only that Shopify forwarded the request and which customer was signed in
(`logged_in_customer_id`, empty when signed out); ownership of an order is checked later.
"""

from __future__ import annotations

from shopify_app import ShopifyApp
from starlette.requests import Request

from backend.auth.viewer import Surface, Viewer
from backend.orders import customer_gid


def verify_app_proxy(shopify: ShopifyApp, request: Request, body: bytes) -> Viewer | None:
    """The viewer of a correctly signed proxy request, or None."""
    result = shopify.verify_app_proxy_req(
        {
            "method": request.method,
            "headers": dict(request.headers),
            "url": str(request.url),
            "body": body.decode("utf-8", errors="replace"),
        }
    )
    if not result.ok or not result.shop:
        return None
    return Viewer(
        shop=result.shop,
        customer_id=customer_gid(result.logged_in_customer_id),
        surface=Surface.APP_PROXY,
    )
