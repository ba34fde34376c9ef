"""Development routing: send every shop's Admin API calls to one origin (devshop).

`shopifyapp` always calls `https://{shop}.myshopify.com/...`. This transport swaps scheme, host
and port for `SHOPIFY_ADMIN_BASE_URL`'s and leaves the path and the `Host` header alone, so the
local Shopify still knows which shop is meant.
"""

from __future__ import annotations

import httpx


class AdminOriginTransport(httpx.AsyncBaseTransport):
    def __init__(self, base_url: str, inner: httpx.AsyncBaseTransport) -> None:
        self._origin = httpx.URL(base_url)
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
