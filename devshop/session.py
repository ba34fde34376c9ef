"""The storefront's sign-in, reduced to what devshop needs: which customer is browsing.

A development sign-in lets the tester pick any customer; the choice lives in a cookie, which
the storefront reads and the app proxy turns into `logged_in_customer_id` (never forwarding it).
"""

from __future__ import annotations

from starlette.requests import Request

CUSTOMER_COOKIE = "devshop_customer"


def signed_in_customer(request: Request, shop: str) -> int | None:
    """The customer signed in to `shop`'s storefront, if any. The cookie reads `shop:id`."""
    raw = request.cookies.get(CUSTOMER_COOKIE, "")
    cookie_shop, _, customer = raw.partition(":")
    if cookie_shop != shop or not customer.isdigit():
        return None
    return int(customer)


def cookie_value(shop: str, customer_id: int) -> str:
    return f"{shop}:{customer_id}"
