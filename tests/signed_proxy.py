"""Requests signed as Shopify's App Proxy signs them, sent straight to a backend."""

from __future__ import annotations

import time
from typing import Any

import httpx

from devshop.app_proxy import signed_query
from devshop.settings import DEMO_API_SECRET, DEMO_SHOP

PREFIX = "/apps/cancel"


def signed_url(customer: int | None = 1001, *, shop: str = DEMO_SHOP) -> str:
    query = signed_query(
        [],
        shop=shop,
        customer_id=customer,
        path_prefix=PREFIX,
        secret=DEMO_API_SECRET,
        timestamp=int(time.time()),
    )
    return f"/proxy/graphql?{query}"


async def post_signed(
    client: httpx.AsyncClient,
    payload: Any,
    *,
    customer: int | None = 1001,
    ip: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """POST `payload` as JSON, as Shopify forwards a shopper at `ip`."""
    headers = dict(kwargs.pop("headers", {}))
    if ip is not None:
        headers["x-forwarded-for"] = ip
    return await client.post(signed_url(customer), json=payload, headers=headers, **kwargs)
