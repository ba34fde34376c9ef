"""Part 2: where one request's time goes, the Shopify round trip excluded, layer by layer.

What is done, exactly:

1. The backend's Starlette app (production settings, SQLite in a temporary directory) and the
   baseline's run in this process; their Admin httpx clients talk over loopback to the devshop
   process the run already started, through the same transports as in development. devshop's
   work happens in that other process, so it is excluded by construction; the time our process
   spends waiting for it uses no CPU and is not sampled. (Its CPU per request is still read from
   `/proc` and reported, for scale.)
2. Requests are signed as Shopify signs them and handed to the app's ASGI callable directly,
   one after another, after a warm-up: no uvicorn and no server socket. What uvicorn costs is
   the server's CPU per request over the network (part 1, one client) minus the in-process CPU
   here, reported as "uvicorn (derived)".
3. A `SIGPROF` sampler (`ITIMER_PROF`: this process's CPU time, all threads; asked for every 0.5
   ms, delivered at the kernel's scheduler tick, 4 ms on a 250 Hz kernel; no per-call hook, so
   code with many small calls is not inflated, unlike cProfile or pyinstrument) reads the main
   thread's stack and files the sample under the innermost layer on it (`LAYERS`): verification
   (`backend.auth.app_proxy`: shopifyapp's HMAC check and the URL it needs), GraphQL parse +
   validate (Strawberry's `_prepare_operation_async`, caches and limiters included), GraphQL
   execute (graphql-core and Strawberry's field machinery), use case + policy
   (`backend.cancellation`, `backend.policy`), store (`backend.store`, SQLAlchemy and aiosqlite
   wherever they are on the stack, since SQLAlchemy's greenlets hide their caller, and the
   loop's `select` while the store's SQLite thread works: the only other thread here), Admin client
   (`AdminClient.request` and shopifyapp's request function: JSON, logging, retries), httpx
   (`AsyncClient.send`: httpcore, h11, the socket), and the rest (Starlette, Strawberry's HTTP
   view: reading the body, building the context, encoding the answer).
4. The same for the baseline, so each layer can be set against it.
5. Strawberry's parse and validation caches are read before and after: their misses per request
   should be 0 once warm.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send
from strawberry.extensions import ParserCache, ValidationCache

from backend.app import create_app
from backend.ratelimit import RateLimits
from backend.settings import Settings
from bench import load
from bench.baseline import create_baseline
from bench.servers import cpu_seconds
from bench.throughput import ORDER, FreshOrders
from devshop.processes import Server
from devshop.settings import DEMO_ACCESS_TOKEN, DEMO_API_KEY, DEMO_API_SECRET
from tests.stores import sqlite_store

# (layer, does this frame start it?) in no particular order; the innermost match wins.
LAYERS: list[tuple[str, Callable[[str, str], bool]]] = [
    ("verification", lambda fn, path: fn == "verify_app_proxy" and "backend/auth" in path),
    ("verification", lambda fn, path: fn == "verified" and path.endswith("bench/baseline.py")),
    (
        "GraphQL parse + validate",
        lambda fn, path: fn == "_prepare_operation_async" and "strawberry" in path,
    ),
    ("GraphQL execute", lambda fn, path: fn == "_execute_operation" and "strawberry" in path),
    (
        "use case + policy",
        lambda fn, path: path.endswith(("backend/cancellation.py", "backend/policy.py")),
    ),
    ("rate limits", lambda fn, path: "backend/ratelimit/" in path or "/limits/" in path),
    ("store (SQLite)", lambda fn, path: "backend/store/" in path),
    # SQLAlchemy's async engine runs its sync code in a greenlet whose stack does not reach back
    # to backend/store/: without this, those samples would fall to the rest.
    ("store (SQLite)", lambda fn, path: "/sqlalchemy/" in path or "/aiosqlite/" in path),
    # A sample in select is CPU used while the loop waits: the store's thread's.
    ("store (SQLite)", lambda fn, path: fn == "select" and path.endswith("selectors.py")),
    (
        "Admin client",
        lambda fn, path: fn == "request" and path.endswith("backend/shopify/client.py"),
    ),
    ("Admin client", lambda fn, path: fn == "admin" and path.endswith("bench/baseline.py")),
    ("httpx", lambda fn, path: fn == "send" and path.endswith("httpx/_client.py")),
]
OTHER = "Starlette + Strawberry HTTP view"


def layer_of(stack: list[tuple[str, str]]) -> str:
    """The layer of a stack given root first as (function, file) pairs."""
    layer = OTHER
    for function, path in stack:
        for name, starts in LAYERS:
            if starts(function, path):
                layer = name
                break
    return layer


class Served:
    """An app with its lifespan state in every scope, as uvicorn passes it."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Served]:
        async with self.app.router.lifespan_context(self.app) as state:
            self.state = dict(state or {})
            yield self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "state": dict(self.state)}
        await self.app(scope, receive, send)


async def post(app: Served, url: str, body: bytes) -> tuple[int, bytes]:
    """One POST handed to the ASGI app, as uvicorn would hand it over."""
    parts = urlsplit(url)
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"backend.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never: the app has the whole body
        raise AssertionError

    status = 0
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@dataclass
class LayerProfile:
    name: str
    requests: int
    ms_per_request: dict[str, float]  # layer -> CPU ms per request
    wall_ms: float  # wall ms per request, devshop's time included
    samples: int
    devshop_cpu_ms: float  # devshop's process, per request: not ours, for scale
    # Strawberry's parse and validation caches: misses per request (0 once warm, if they work).
    cache_misses: dict[str, float] = field(default_factory=dict)

    @property
    def total_ms(self) -> float:
        return sum(self.ms_per_request.values())

    def as_json(self) -> dict[str, Any]:
        total = self.total_ms or 1.0
        return {
            "requests": self.requests,
            "samples": self.samples,
            "cpu_ms_per_request": round(self.total_ms, 3),
            "cpu_ms_per_request_by_layer": {k: round(v, 3) for k, v in self.ms_per_request.items()},
            "share_by_layer": {k: round(v / total, 4) for k, v in self.ms_per_request.items()},
            "wall_ms_per_request_devshop_included": round(self.wall_ms, 3),
            "devshop_process_cpu_ms_per_request": round(self.devshop_cpu_ms, 3),
            "strawberry_cache_misses_per_request": self.cache_misses,
        }


class Sampler:
    """A statistical profiler with no per-call hook: every `interval` seconds of this process's
    CPU time (`ITIMER_PROF`, all threads), the main thread's stack is read in a `SIGPROF`
    handler and its layer counted. Coroutines that are running are on that stack with every
    coroutine awaiting them; while the main thread sits in the event loop's `select`, the CPU
    being used is the store's SQLite thread's (nothing else runs here), and it is counted so."""

    def __init__(self, interval: float = 0.0005) -> None:
        self.interval = interval
        self.samples: dict[str, int] = {}

    def _sample(self, signum: int, frame: FrameType | None) -> None:
        stack: list[tuple[str, str]] = []
        while frame is not None:
            stack.append((frame.f_code.co_name, frame.f_code.co_filename))
            frame = frame.f_back
        stack.reverse()
        layer = layer_of(stack)
        self.samples[layer] = self.samples.get(layer, 0) + 1

    @contextlib.contextmanager
    def sampling(self) -> Iterator[None]:
        previous = signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            signal.signal(signal.SIGPROF, previous)


def strawberry_caches(app: Starlette) -> dict[str, Callable[[], Any]]:
    """`cache_info` of the ParserCache and ValidationCache the app's schema uses, by name."""
    caches: dict[str, Callable[[], Any]] = {}
    for route in app.routes:
        graphql = getattr(getattr(route, "endpoint", None), "graphql", None)
        schema = getattr(graphql, "schema", None)
        for factory in getattr(schema, "extensions", ()):
            extension = factory() if callable(factory) else factory
            cached: Any = None
            if isinstance(extension, ParserCache):
                cached, name = extension.cached_parse_document, "parse"
            elif isinstance(extension, ValidationCache):
                cached, name = extension.cached_validate_document, "validation"
            if cached is not None:
                caches[name] = cached.cache_info
    return caches


async def _profile(
    name: str,
    send: Callable[[int], Any],
    requests: int,
    warmup: int,
    caches: dict[str, Callable[[], Any]],
    devshop: Server,
) -> LayerProfile:
    for i in range(warmup):
        await send(i)
    misses_before = {name: info().misses for name, info in caches.items()}
    sampler = Sampler()
    started = time.perf_counter()
    cpu_started = time.process_time()
    devshop_started = cpu_seconds(devshop.pid)
    with sampler.sampling():
        for i in range(warmup, warmup + requests):
            await send(i)
    wall_ms = (time.perf_counter() - started) * 1000 / requests
    cpu_ms = (time.process_time() - cpu_started) * 1000 / requests
    devshop_ms = (cpu_seconds(devshop.pid) - devshop_started) * 1000 / requests
    total = sum(sampler.samples.values()) or 1
    per_request = {layer: cpu_ms * n / total for layer, n in sampler.samples.items()}
    ordered = dict(sorted(per_request.items(), key=lambda item: -item[1]))
    misses = {
        name: round((info().misses - misses_before[name]) / requests, 3)
        for name, info in caches.items()
    }
    return LayerProfile(name, requests, ordered, wall_ms, total, devshop_ms, misses)


async def profile_layers(
    devshop: Server, fresh: FreshOrders, requests: int = 200, warmup: int = 30
) -> list[LayerProfile]:
    """Profiles of an eligibility check and a cancel (ours) and of the baseline's two."""
    settings = Settings(
        api_key=DEMO_API_KEY,
        api_secret=DEMO_API_SECRET,
        admin_base_url=devshop.url,
        single_shop="demo-shop",
        single_shop_token=DEMO_ACCESS_TOKEN,
        app_env="production",
        # One customer sends every request: lift the limits, keep their cost in the profile.
        rate_limits=RateLimits.everywhere("10000000/minute"),
    )
    results: list[LayerProfile] = []
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as workdir:
        store = sqlite_store(Path(workdir) / "profile.sqlite3")
        backend = Served(create_app(settings, store=store))
        baseline = Served(create_baseline(settings))
        async with backend.running(), baseline.running():

            def sender(app: Served, path: str, body: Callable[[], bytes]) -> Callable[[int], Any]:
                async def send(i: int) -> None:
                    status, content = await post(app, load.signed_url(path), body())
                    assert status == 200, content[:300]

                return send

            def order() -> bytes:
                return load.order_body(ORDER)

            def cancel() -> bytes:
                return load.cancel_body(fresh.take())

            cases = [
                ("order (eligibility check)", backend, "/proxy/graphql", order),
                ("cancelOrder", backend, "/proxy/graphql", cancel),
                ("baseline order", baseline, "/baseline/order", order),
                ("baseline cancel", baseline, "/baseline/cancel", cancel),
            ]
            caches = strawberry_caches(backend.app)
            for name, app, path, body in cases:
                in_use = caches if app is backend else {}
                send = sender(app, path, body)
                results.append(await _profile(name, send, requests, warmup, in_use, devshop))
            # Let the last cancels' background job polls finish before the loop closes.
            await asyncio.sleep(0.5)
    return results


def run(
    devshop: Server, fresh: FreshOrders, requests: int = 200, warmup: int = 30
) -> list[LayerProfile]:
    return asyncio.run(profile_layers(devshop, fresh, requests, warmup))
