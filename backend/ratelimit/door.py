"""The door: slowapi's `Limiter`, per client IP and route, before anything is verified.

The limits in `limiter.py` count verified identities (customer, order, shop) and so run after
the signature or token check. The door runs before it, on every route, so a flood of forged
requests is throttled like any other: each refused request costs one counter hit, not an HMAC,
a JWT decode or a body read. It counts per address and route (slowapi's `key_style="url"`),
with its standard `X-RateLimit-Limit`/`-Remaining`/`-Reset` and `Retry-After` headers, in the
same storage as the other limits: this process's memory, or the Redis at `REDIS_URL` (keys
`cancel-button:door:…`), where every backend shares the count. Like them it fails closed: a
Redis that does not answer in time gives 503 with `Retry-After`.

The address is the one the nearest proxy we trust saw: the socket's peer, or with
`TRUSTED_PROXY_HOPS` our own load balancers' `X-Forwarded-For` entry. Never Shopify's entry: at
the door the request has not yet proved it came through Shopify, and a forger could write any
address there to get a fresh count per request. So App Proxy traffic counts per Shopify proxy
address, and the door's rule (`RATE_LIMIT_DOOR`) is a flood guard, generous enough for many
shoppers behind one of them; shoppers are counted one by one after verification.

`/webhooks` is exempt. Shopify delivers webhooks from a shared pool of addresses, in bursts (a
bulk edit of orders, or the backlog of retries after an outage of ours), and treats a 429 as a
failed delivery: it retries, and after repeated failures removes the subscription, so a
throttled delivery is an event lost. A forged delivery costs one HMAC over the body, checked
before anything else is read or done (webhooks.py), which is what the door would cost.

`/healthz` and `/readyz` are exempt too: the platform probes them from one address, and their
answer must say how this process is, not how the door's storage is. A door 503 while Redis is
away would fail the liveness probe and restart a healthy process (`/readyz` reports Redis
itself); a probe is one store ping, cheaper than the door.

slowapi is used through the two methods its own ASGI middleware calls (`_check_request_limit`,
`_inject_asgi_headers`, pinned with slowapi 0.1.10): its middleware finds the limited endpoint
by function name, and ours are ASGI apps without one. Its storage is synchronous: memory is
hit on the event loop (a few dict operations), Redis in a worker thread.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from typing import Any

from limits.errors import StorageError
from redis.exceptions import RedisError
from slowapi import Limiter as SlowAPILimiter
from slowapi.errors import RateLimitExceeded
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.graphql.endpoint import client_ip, unavailable_response
from backend.observability import context, metrics
from backend.ratelimit.rules import parse_rule

PREFIX = "cancel-button:door"
EXEMPT = frozenset({"/webhooks", "/healthz", "/readyz"})


class _Limiter(SlowAPILimiter):
    # slowapi reads RATELIMIT_* overrides from the environment and a `.env` file; our settings
    # are read once in settings.py, so every option is what the constructor was given.
    def get_app_config(self, key: str, default_value: Any = None) -> Any:
        return default_value


class Door:
    def __init__(
        self,
        rule: str,
        redis_url: str | None = None,
        *,
        timeout: float = 2.0,
        trusted_proxy_hops: int = 0,
        prefix: str = PREFIX,
    ) -> None:
        self.enabled = bool(parse_rule(rule))
        self.offload = redis_url is not None
        self.trusted_proxy_hops = trusted_proxy_hops
        options: dict[str, Any] = {}
        if redis_url is not None:
            options = {
                "key_prefix": prefix,
                "wrap_exceptions": True,
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
            }
        self.limiter = _Limiter(
            key_func=self.client_address,
            default_limits=[rule] if self.enabled else [],
            headers_enabled=True,
            strategy="moving-window",
            storage_uri=redis_url or "memory://",
            storage_options=options,
            key_style="url",
            enabled=self.enabled,
        )

    def client_address(self, request: Request) -> str:
        address = client_ip(
            request.headers,
            request.scope.get("client"),
            trusted_hops=self.trusted_proxy_hops,
            via_shopify=False,
        )
        return address or "unknown"

    def _hit(self, request: Request) -> tuple[bool, list[tuple[str, str]]]:
        """Count the request: (refused?, the headers that say how much is left)."""
        refused = False
        try:
            self.limiter._check_request_limit(request, None, True)
        except RateLimitExceeded:
            refused = True
        headers = MutableHeaders()
        current = getattr(request.state, "view_rate_limit", None)
        if current is not None:
            self.limiter._inject_asgi_headers(headers, current)
            if "x-ratelimit-reset" in headers:
                # slowapi gives the moving window's float epoch; clients expect whole seconds.
                headers["X-RateLimit-Reset"] = str(math.ceil(float(headers["x-ratelimit-reset"])))
        return refused, list(headers.items())

    async def hit(self, request: Request) -> tuple[bool, list[tuple[str, str]]]:
        if self.offload:
            return await asyncio.to_thread(self._hit, request)
        return self._hit(request)

    def close(self) -> None:
        storage: Any = self.limiter._storage
        timer = getattr(storage, "timer", None)
        if timer is not None:
            timer.cancel()  # MemoryStorage's expiry thread


def too_many(headers: Iterable[tuple[str, str]]) -> JSONResponse:
    response = JSONResponse(
        {
            "errors": [
                {
                    "message": "Too many requests; please wait a moment and try again.",
                    "extensions": {"code": "RATE_LIMITED"},
                }
            ]
        },
        status_code=429,
    )
    for name, value in headers:
        response.headers[name] = value
    retry_after = response.headers.get("retry-after", "")
    if not retry_after.isdigit() or int(retry_after) < 1:
        response.headers["Retry-After"] = "1"
    return response


class DoorGuard:
    """Pure ASGI middleware: the door, on every route but the exempt ones."""

    def __init__(self, app: ASGIApp, exempt: frozenset[str] = EXEMPT) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        door: Door = scope["state"]["door"]
        if not door.enabled:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            refused, headers = await door.hit(request)
        except (StorageError, RedisError, OSError, TimeoutError):
            context.note(outcome="door_unavailable")
            response = unavailable_response()
            await response(scope, receive, send)
            return
        if refused:
            metrics.RATE_LIMITED.labels("door", "ip").inc()
            context.note(outcome="rate_limited")
            await too_many(headers)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer = MutableHeaders(scope=message)
                for name, value in headers:
                    # Retry-After belongs to refusals (the door's, or the limits' behind it).
                    if name.lower() != "retry-after":
                        answer[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
