"""One Admin GraphQL request, sent through Shopify's own package, with our retry rules.

`shopifyapp.admin_graphql_request_async` does the HTTP; it is told not to retry (its 5xx
back-off sleeps whole seconds and knows nothing of GraphQL throttling), and this module retries
instead, within one time budget for all attempts:

- `THROTTLED` (HTTP 200 with a GraphQL error): wait as long as the leaky bucket needs to refill
  to the query's cost, computed from `extensions.cost.throttleStatus`;
- HTTP 429, 502, 503, 504 and network errors: short exponential back-off.

Mutations are retried only where Shopify certainly did not run them (throttled, 429, or a
connection never made); after an ambiguous failure the caller decides.

Exceptions::

    AdminError
    ├── ShopifyUnavailable       retryable: nothing is known to have happened
    │   └── AmbiguousOutcome     a mutation may or may not have run
    ├── NotInstalled             no access token for the shop
    └── AdminRequestFailed       a bug or a permission problem: not retryable
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from shopify_app.graphql.admin_graphql import admin_graphql_request_async

from backend.observability import observe


class AdminError(Exception):
    pass


class ShopifyUnavailable(AdminError):
    pass


class AmbiguousOutcome(ShopifyUnavailable):
    pass


class NotInstalled(AdminError):
    pass


class AdminRequestFailed(AdminError):
    pass


TokenSource = Callable[[str], Awaitable[str | None]]

_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_NEVER_RAN_STATUS = frozenset({429})


@dataclass(frozen=True, slots=True)
class AdminResponse:
    data: dict[str, Any]
    cost: dict[str, Any] | None


def throttle_wait(cost: dict[str, Any] | None, default: float = 1.0) -> float:
    """Seconds until the bucket holds enough points for the throttled query."""
    if not cost:
        return default
    status = cost.get("throttleStatus") or {}
    try:
        needed = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return default
    if rate <= 0:
        return default
    return max(needed / rate, 0.05)


class AdminClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenSource,
        *,
        api_version: str,
        timeout: float,
        retry_budget: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._api_version = api_version
        self._timeout = timeout
        self._retry_budget = retry_budget
        self._sleep = sleep
        self._clock = clock

    async def request(
        self, shop: str, query: str, variables: dict[str, Any], *, mutation: bool = False
    ) -> AdminResponse:
        token = await self._tokens(shop)
        if token is None:
            raise NotInstalled(f"no access token for {shop}")
        deadline = self._clock() + self._retry_budget
        backoff = 0.1
        while True:
            try:
                # The client's own timeouts need a network; this one holds on any transport.
                async with asyncio.timeout(self._timeout):
                    result = await admin_graphql_request_async(
                        query=query,
                        shop=shop,
                        access_token=token,
                        api_version=self._api_version,
                        variables=variables,
                        max_retries=0,
                        http_client=self._http,
                    )
            except TimeoutError:
                observe.admin_request("timeout")
                timed_out = AmbiguousOutcome if mutation else ShopifyUnavailable
                if mutation or self._clock() + backoff > deadline:
                    raise timed_out("Shopify did not answer in time") from None
                await self._sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                continue
            if result.ok:
                cost = _cost(result.extensions)
                observe.admin_request("ok", cost)
                return AdminResponse(data=result.data or {}, cost=cost)
            wait, failure = self._diagnose(result, mutation=mutation, backoff=backoff)
            if wait is None or self._clock() + wait > deadline:
                raise failure
            await self._sleep(wait)
            backoff = min(backoff * 2, 2.0)

    def _diagnose(
        self, result: Any, *, mutation: bool, backoff: float
    ) -> tuple[float | None, AdminError]:
        """How long to wait before trying again (None: don't), and what to raise if not."""
        code: str = result.log.code
        status: int = result.response.status
        if code == "graphql_errors":
            body = _json(result.response.body)
            errors = body.get("errors") or []
            if any(_error_code(error) == "THROTTLED" for error in errors):
                cost = _cost(body.get("extensions"))
                observe.admin_request("throttled", cost)
                return throttle_wait(cost), ShopifyUnavailable("Shopify throttled the request")
            messages = "; ".join(str(error.get("message")) for error in errors)
            observe.admin_request("graphql_errors")
            return None, AdminRequestFailed(f"Admin API errors: {messages}")
        observe.admin_request("network_error" if code == "network_error" else f"http_{status}")
        if code == "network_error":
            # httpx cannot tell us whether a timed-out mutation reached Shopify.
            failure = AmbiguousOutcome if mutation else ShopifyUnavailable
            return (None if mutation else backoff), failure("Shopify could not be reached")
        if code == "unauthorized":
            return None, NotInstalled("the shop's access token was refused")
        if status in _RETRYABLE_STATUS:
            if mutation and status not in _NEVER_RAN_STATUS:
                return None, AmbiguousOutcome(f"Shopify answered HTTP {status}")
            return backoff, ShopifyUnavailable(f"Shopify answered HTTP {status}")
        return None, AdminRequestFailed(f"Admin API request failed: {code} (HTTP {status})")


def _json(body: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _error_code(error: Any) -> str | None:
    if isinstance(error, dict):
        extensions = error.get("extensions")
        if isinstance(extensions, dict):
            code = extensions.get("code")
            return code if isinstance(code, str) else None
    return None


def _cost(extensions: dict[str, Any] | None) -> dict[str, Any] | None:
    if not extensions:
        return None
    cost = extensions.get("cost")
    return cost if isinstance(cost, dict) else None
