"""The load generator: closed-loop clients sending signed App Proxy requests straight to a server.

Each of `concurrency` clients sends a request, waits for the answer, and sends the next, until
`requests` answers are in or `time_cap` seconds have passed. Every request is signed afresh
(`devshop.app_proxy.signed_query` with the shared secret and the current timestamp), as
Shopify's App Proxy signs each one; devshop's proxy hop itself is left out, so what is timed is
the server under test plus the Admin API calls it makes.

One asyncio process drives all clients, each over its own kept-alive connection. The default
client is `RawConnection`, a minimal HTTP/1.1 client: measured on this project's two-core
machine, httpx's client spent 1.5-1.8 ms of CPU per request and this one 0.3-0.4 ms, CPU that
the servers under test would otherwise lose. `client="httpx"` swaps httpx back in. The
generator's own CPU time is measured (`client_cpu_ms`), so a run can tell whether it, rather
than a server, was the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.servers import CUSTOMER, SECRET, SHOP
from devshop.app_proxy import signed_query

PATH_PREFIX = "/apps/cancel"
SHOP_DOMAIN = f"{SHOP}.myshopify.com"

ORDER_QUERY = """query Order($id: ID!) {
  order(id: $id) { id name cancellable blockedBy deadline status reasons { code label } }
}"""

ORDERS_QUERY = """query Orders($ids: [ID!]!) {
  orders(ids: $ids) { id name cancellable blockedBy deadline status }
}"""

CANCEL_MUTATION = """mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderSuccess { order { id name cancellable blockedBy status } }
    ... on CancelOrderRefused { code message }
  }
}"""

REASON = "ORDERED_BY_MISTAKE"


def order_body(order_id: int) -> bytes:
    return json.dumps({"query": ORDER_QUERY, "variables": {"id": str(order_id)}}).encode()


def orders_body(order_ids: list[int]) -> bytes:
    ids = [str(order_id) for order_id in order_ids]
    return json.dumps({"query": ORDERS_QUERY, "variables": {"ids": ids}}).encode()


def cancel_body(order_id: int) -> bytes:
    variables = {"input": {"orderId": str(order_id), "reason": REASON}}
    return json.dumps({"query": CANCEL_MUTATION, "variables": variables}).encode()


def signed_url(base: str, customer: int | None = CUSTOMER) -> str:
    query = signed_query(
        [],
        shop=SHOP_DOMAIN,
        customer_id=customer,
        path_prefix=PATH_PREFIX,
        secret=SECRET,
        timestamp=int(time.time()),
    )
    return f"{base}?{query}"


Check = Callable[[dict[str, Any]], bool]


def order_found(body: dict[str, Any]) -> bool:
    return "errors" not in body and bool((body.get("data") or {}).get("order"))


def orders_listed(expected: int) -> Check:
    return lambda body: "errors" not in body and len(body["data"]["orders"]) == expected


def cancel_succeeded(body: dict[str, Any]) -> bool:
    result = (body.get("data") or {}).get("cancelOrder") or {}
    return "errors" not in body and result.get("__typename") == "CancelOrderSuccess"


def cancel_refused(code: str) -> Check:
    def check(body: dict[str, Any]) -> bool:
        result = (body.get("data") or {}).get("cancelOrder") or {}
        return result.get("__typename") == "CancelOrderRefused" and result.get("code") == code

    return check


@dataclass
class Workload:
    """What to send: the endpoint, a body per request (from an endless iterator), a check.

    `replicas` are the same endpoint on other servers: client i sends to
    `(url, *replicas)[i % n]` over its own kept-alive connection, as a load balancer keeping
    connections open spreads clients round-robin."""

    url: str
    bodies: Iterator[bytes]
    check: Check
    replicas: tuple[str, ...] = ()

    def url_for(self, client: int) -> str:
        urls = (self.url, *self.replicas)
        return urls[client % len(urls)]


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    client_cpu_ms: float
    first_error: str | None = None

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in ms."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
        return ordered[rank - 1]


class RawConnection:
    """One kept-alive HTTP/1.1 connection, speaking just enough of the protocol for these
    servers (uvicorn: `Content-Length` bodies, or chunked). A fraction of httpx's CPU per
    request, which on a two-core machine is CPU the servers under test get back."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, target: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"POST {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        headers = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            content = await self._chunked()
        else:
            content = await self.reader.read()
        if headers.get("connection") == "close":
            await self.close()
        return int(status_line.split()[1]), content

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None


async def run(
    workload: Workload,
    *,
    concurrency: int,
    requests: int,
    time_cap: float,
    client: str = "raw",
) -> Result:
    """`requests` requests from `concurrency` closed-loop clients (fewer if `time_cap` hits).

    `client` is "raw" (`RawConnection`, the default) or "httpx" (one `httpx.AsyncClient`)."""
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    issued = itertools.count()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as http:
        started = time.perf_counter()
        cpu_started = time.process_time()
        deadline = started + time_cap

        async def client_loop(index: int) -> None:
            nonlocal errors, first_error
            target_url = workload.url_for(index)
            url = httpx.URL(target_url)
            raw = RawConnection(url.host, url.port or 80) if client == "raw" else None
            try:
                while next(issued) < requests and time.perf_counter() < deadline:
                    body = next(workload.bodies)
                    sent = time.perf_counter()
                    try:
                        if raw is not None:
                            target = signed_url(url.raw_path.decode())
                            status, content = await asyncio.wait_for(raw.post(target, body), 30)
                        else:
                            response = await http.post(
                                signed_url(target_url), content=body, headers=headers
                            )
                            status, content = response.status_code, response.content
                        ok = status == 200 and workload.check(json.loads(content))
                        failure = None if ok else f"HTTP {status}: {content[:300]!r}"
                    except (OSError, TimeoutError, httpx.HTTPError, ValueError) as error:
                        failure = f"{type(error).__name__}: {error}"
                        if raw is not None:
                            await raw.close()
                    latencies.append((time.perf_counter() - sent) * 1000)
                    if failure is not None:
                        errors += 1
                        first_error = first_error or failure
            finally:
                if raw is not None:
                    await raw.close()

        await asyncio.gather(*(client_loop(index) for index in range(concurrency)))
        seconds = time.perf_counter() - started
        cpu_ms = (time.process_time() - cpu_started) * 1000
    return Result(len(latencies), errors, seconds, latencies, cpu_ms, first_error)
