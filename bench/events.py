"""Part 8: order events (issue 10). What the order mirror saves the shop's Admin API budget.

Two stacks of real processes, one after the other, each a devshop on Shopify's **standard**
bucket (2,000 points, 100/s; not lifted) and a backend (`bench.backend_server`, SQLite file of
its own, jobs in-process as shipped) that devshop sends its webhooks to:

- "today": `MIRROR_MAX_AGE_SECONDS=0`, so every read asks Shopify (as before the mirror); the
  webhooks still arrive and their jobs still run, as they would once shipped;
- "mirror": the default (600 s).

On each: (a) the cost of each customer action (devshop's call log, as part 3), on orders
created through `POST /_devshop/orders` and mirrored from their webhooks; (b) the flash sale;
and on "mirror" only (c) webhook intake. See bench/README.md, part 8, for what each figure is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from backend.ratelimit import RateLimits
from bench import load
from bench.servers import CUSTOMER, SECRET, cpu_seconds
from devshop.id_tokens import extension_token
from devshop.processes import Server, demo_env, free_port, running, spawn
from devshop.settings import DEMO_API_KEY, DEMO_SHOP
from devshop.webhooks import API_VERSION, sign

GOAL_CANCEL_REQUESTS = 2
GOAL_CANCEL_POINTS = 25


@dataclass(frozen=True)
class EventsPlan:
    settle: float = 2.0  # seconds to wait for an action's background Admin calls (costs)
    sale_seconds: float = 60.0
    sale_orders: int = 250  # created at an even rate over the sale
    sale_views_per_s: float = 20.0
    sale_cancels_per_s: float = 2.0
    cancel_after: float = 2.0  # a customer cancels an order at least this old (seconds)
    intake_clients: tuple[int, ...] = (1, 10, 50)
    intake_requests: int = 1000
    intake_time_cap: float = 10.0


# The example rates (about 4 orders, 20 page views and 2 cancels a second), for 60 s
# per run so that both runs fit in about three minutes; see bench/README.md, part 8.
FULL = EventsPlan()
QUICK = EventsPlan(
    settle=0.5,
    sale_seconds=6.0,
    sale_orders=12,
    sale_views_per_s=4.0,
    sale_cancels_per_s=1.0,
    intake_clients=(1, 4),
    intake_requests=40,
    intake_time_cap=5.0,
)

COST_HOW = (
    "How: per stack, 61 orders for Ada created with POST /_devshop/orders (devshop sends "
    "orders/create, then order_routing_complete) and every delivery handled and every job run "
    "before measuring (the store's webhook_deliveries and jobs tables read until nothing is "
    "left). Then one signed request per action: 'order view' and 'account page' through the "
    "App Proxy (/proxy/graphql, order / orders(ids)), 'thank-you view' through "
    "/extensions/graphql with Ada's checkout session token, 'cancel' (cancelOrder) of one of "
    "those orders. devshop's /_devshop/calls read before, right after the answer (in request) "
    "and again after the settle time (background: the cancel's confirm_cancel job, refreshes). "
    "'today' = the backend with MIRROR_MAX_AGE_SECONDS=0 (every read asks Shopify, today's "
    "design); 'mirror' = the default. Goal: 0 Admin requests per view with the mirror; per "
    f"cancel at most {GOAL_CANCEL_REQUESTS} requests and {GOAL_CANCEL_POINTS} points (actual "
    "cost), judged on the cancel's own requests, then again with its background requests, "
    "which come out of the same bucket."
)

SALE_HOW = (
    "How: per stack, once its bucket is full again, an open-loop load for the sale's seconds: "
    "orders created with POST /_devshop/orders at an even rate (devshop sends orders/create "
    "and, 0.5 s later, order_routing_complete; the backend's jobs read each new order once or "
    "twice), page views at M/s (3 of 4 an order view of a random order created so far, 1 of 4 "
    "an account page of 10 of them, via the App Proxy), cancels at K/s (the oldest order at "
    "least 2 s old not yet cancelled, each once). The bucket's lowest level: devshop's own "
    "bucket read at every admission or refusal of a query (bench/devshop_server.py, "
    "/_bench/bucket), so no dip between samples is missed: 'reserved' right after a query's "
    "requested cost is taken, 'currentlyAvailable' as the answers report it (after the "
    "unused part is given back, or at a refusal). Lag (from the backend's store after "
    "the sale, all deliveries settled): 'webhook to mirror' = webhook_deliveries.handled_at "
    "(the job that applied the delivery committed) minus triggered_at "
    "(X-Shopify-Triggered-At, devshop's clock at the change), every delivery received during "
    "the sale, split into Shopify to us (received_at - triggered_at) and our queue and job "
    "(handled_at - received_at); 'refresh_order wait+read' = jobs.finished_at - created_at "
    "of the refresh_order jobs deferred during the sale (the Admin read that completes a "
    "snapshot with product tags and fulfilment orders: queue wait, bucket wait and read). "
    "Both clocks are this machine's. Admin requests during the sale from devshop's call log."
)

INTAKE_HOW = (
    "How: on the 'mirror' stack after the sale, N closed-loop clients (one kept-alive "
    "connection each) POST signed orders/updated deliveries straight to the backend's "
    "/webhooks, as devshop signs them (X-Shopify-Hmac-SHA256 over the body, a fresh "
    "X-Shopify-Webhook-Id each, updated_at now so each is newer than the snapshot), REST "
    "payloads of 50 orders already mirrored in full (so no job needs an Admin read). "
    "'accepted/s' = 200 answers / wall time of the cell; p50/p99 client wall time. The jobs "
    "run in the same process meanwhile (in-process worker, as shipped). Backend CPU from "
    "/proc/<pid>/stat: 'intake' over the cell's wall time, 'total' until every delivery of the "
    "cell was handled (intake + jobs) / n. 'handled/s' = deliveries handled / (last "
    "handled_at - first received_at) of the cell's deliveries; 'backlog' = deliveries not yet "
    "handled when the cell's last answer came."
)


# Processes --------------------------------------------------------------------------------


@dataclass
class EventsStack:
    name: str  # "today" | "mirror"
    devshop: Server
    backend: Server
    sqlite: Path


@contextlib.contextmanager
def events_stack(
    workdir: Path, *, name: str, mirror_max_age: float, app_env: str
) -> Iterator[EventsStack]:
    ports = {server: free_port() for server in ("devshop", "backend")}
    sqlite = workdir / f"{name}.sqlite3"
    env = demo_env(
        backend_port=ports["backend"],
        devshop_port=ports["devshop"],
        sqlite_path=sqlite,
        BENCH_APP_ENV=app_env,
        BENCH_ORDERS="0",
        BENCH_LIFT_BUCKET="",  # Shopify's standard bucket
        BENCH_WATCH_BUCKET="1",
        MIRROR_MAX_AGE_SECONDS=f"{mirror_max_age:g}",
        # One customer sends every request: lift the limits, keep their cost in the timings.
        **{RateLimits.variable(rule): "10000000/minute" for rule in RateLimits.names()},
    )
    servers = [
        spawn(
            f"{name}-devshop",
            "bench.devshop_server",
            env,
            ports["devshop"],
            log=workdir / f"{name}-devshop.log",
        ),
        spawn(
            f"{name}-backend",
            "bench.backend_server",
            env,
            ports["backend"],
            log=workdir / f"{name}-backend.log",
        ),
    ]
    with running(servers):
        yield EventsStack(name, servers[0], servers[1], sqlite)


def _http(url: str, body: Any = None, timeout: float = 120.0) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def _calls(stack: EventsStack) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = _http(f"{stack.devshop.url}/_devshop/calls")["calls"]
    return calls


def _bucket(stack: EventsStack) -> dict[str, Any]:
    bucket: dict[str, Any] = _http(f"{stack.devshop.url}/_bench/bucket")
    return bucket


def _create_orders(stack: EventsStack, count: int) -> list[int]:
    ids: list[int] = _http(f"{stack.devshop.url}/_devshop/orders", {"count": count})["ids"]
    return ids


# The backend's store, read-only --------------------------------------------------------------


def _rows(stack: EventsStack, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(
        sqlite3.connect(f"file:{stack.sqlite}?mode=ro", uri=True, timeout=30)
    ) as db:
        return db.execute(sql, args).fetchall()


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _pending(stack: EventsStack) -> int:
    """Deliveries not handled yet plus jobs due now (todo or running)."""
    unhandled = _rows(stack, "SELECT count(*) FROM webhook_deliveries WHERE handled_at IS NULL")
    now = datetime.now(UTC)
    jobs = _rows(stack, "SELECT scheduled_at FROM jobs WHERE status IN ('todo', 'doing')")
    due = sum(1 for (at,) in jobs if (_instant(at) or now) <= now)
    return int(unhandled[0][0]) + due


def settle(stack: EventsStack, timeout: float = 90.0) -> float:
    """Wait until devshop has sent every webhook and the backend has handled every delivery
    and run every job due; the seconds it took."""
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout and quiet < 3:
        _http(f"{stack.devshop.url}/_devshop/webhooks/drain", {})
        quiet = quiet + 1 if _pending(stack) == 0 else 0
        time.sleep(0.3)
    return round(time.monotonic() - started, 2)


def wait_for_full_bucket(stack: EventsStack, timeout: float = 40.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        bucket = _bucket(stack)
        if bucket["currently_available"] >= bucket["maximum_available"] - 1:
            break
        time.sleep(0.5)
    return round(time.monotonic() - started, 2)


# (a) Cost per action ---------------------------------------------------------------------------


def _proxy(stack: EventsStack, body: bytes) -> dict[str, Any]:
    url = load.signed_url(f"{stack.backend.url}/proxy/graphql")
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _extension(stack: EventsStack, body: bytes) -> dict[str, Any]:
    token = extension_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=SECRET, customer_id=CUSTOMER)
    request = urllib.request.Request(
        f"{stack.backend.url}/extensions/graphql", data=body, method="POST"
    )
    request.add_header("content-type", "application/json")
    request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _points(calls: list[dict[str, Any]], key: str = "actual_cost") -> int:
    return sum(call.get(key) or 0 for call in calls)


def measure_costs(stack: EventsStack, ids: list[int], settle_s: float) -> list[dict[str, Any]]:
    actions: list[tuple[str, Any, bytes, load.Check]] = [
        ("order view", _proxy, load.order_body(ids[0]), load.order_found),
        ("account page, 10 orders", _proxy, load.orders_body(ids[:10]), load.orders_listed(10)),
        ("account page, 50 orders", _proxy, load.orders_body(ids[:50]), load.orders_listed(50)),
        ("thank-you view", _extension, load.order_body(ids[1]), load.order_found),
        ("cancel", _proxy, load.cancel_body(ids[60]), load.cancel_succeeded),
    ]
    rows = []
    for action, send, body, check in actions:
        before = len(_calls(stack))
        answer = send(stack, body)
        after = _calls(stack)
        time.sleep(settle_s)
        later = _calls(stack)
        in_request, background = after[before:], later[len(after) :]
        rows.append(
            {
                "action": action,
                "answer_ok": check(answer),
                "admin_requests": len(in_request),
                "admin_requests_background": len(background),
                "operations": [c["operation_name"] for c in in_request],
                "operations_background": [c["operation_name"] for c in background],
                "actual_points": _points(in_request),
                "actual_points_background": _points(background),
                "requested_points": _points(in_request, "requested_cost"),
            }
        )
    return rows


def judge_costs(today: list[dict[str, Any]], mirror: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for before, after in zip(today, mirror, strict=True):
        requests = after["admin_requests"] + after["admin_requests_background"]
        points = after["actual_points"] + after["actual_points_background"]
        if after["action"] == "cancel":
            # The goal is the cancel's own requests; what its webhooks and job make afterwards
            # is judged too, since it comes out of the same bucket.
            goal = f"<= {GOAL_CANCEL_REQUESTS} requests, <= {GOAL_CANCEL_POINTS} points"
            own = (
                after["admin_requests"] <= GOAL_CANCEL_REQUESTS
                and after["actual_points"] <= GOAL_CANCEL_POINTS
            )
            whole = requests <= GOAL_CANCEL_REQUESTS and points <= GOAL_CANCEL_POINTS
            verdict = _verdict(own, after["answer_ok"])
            if own and not whole:
                verdict += f"; with background {requests} req / {points} pts: missed"
        else:
            goal, verdict = "0 requests", _verdict(requests == 0, after["answer_ok"])
        rows.append(
            {
                "action": after["action"],
                "today": before,
                "mirror": after,
                "goal": goal,
                "verdict": verdict,
            }
        )
    return rows


def _verdict(met: bool, answered: bool) -> str:
    if not answered:
        return "missed (the action failed)"
    return "met" if met else "missed"


# (b) The flash sale ------------------------------------------------------------------------------


def _nearest_rank(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, min(len(ordered), -(-len(ordered) * p // 100))) - 1]


def _ms_summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": _round(_nearest_rank(values, 50)),
        "p99_ms": _round(_nearest_rank(values, 99)),
        "max_ms": _round(max(values) if values else None),
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


async def _sale_load(stack: EventsStack, plan: EventsPlan) -> dict[str, Any]:
    created: list[int] = []
    created_mono: dict[int, float] = {}
    cancel_queue: list[int] = []
    views: list[tuple[str, float, bool]] = []
    cancels: list[tuple[float, str]] = []
    bucket_samples: list[tuple[float, float]] = []
    rng = random.Random(10)
    tasks: set[asyncio.Task[Any]] = set()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:
        started = time.monotonic()
        end = started + plan.sale_seconds

        async def create_orders() -> None:
            rate = plan.sale_orders / plan.sale_seconds
            while (now := time.monotonic()) < end and len(created) < plan.sale_orders:
                due = min(plan.sale_orders, int(rate * (now - started)) + 1) - len(created)
                if due > 0:
                    response = await http.post(
                        f"{stack.devshop.url}/_devshop/orders", json={"count": due}
                    )
                    for order_id in response.json()["ids"]:
                        created_mono[order_id] = time.monotonic()
                        created.append(order_id)
                        cancel_queue.append(order_id)
                await asyncio.sleep(0.2)

        async def post(body: bytes) -> tuple[float, dict[str, Any] | None]:
            sent = time.perf_counter()
            try:
                response = await http.post(
                    load.signed_url(f"{stack.backend.url}/proxy/graphql"),
                    content=body,
                    headers={"content-type": "application/json"},
                )
                answer = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                answer = None
            return (time.perf_counter() - sent) * 1000, answer

        async def view(index: int) -> None:
            if not created:
                return
            if index % 4 == 3:
                page = rng.sample(created, min(10, len(created)))
                ms, answer = await post(load.orders_body(page))
                ok = answer is not None and load.orders_listed(len(page))(answer)
                views.append(("account page", ms, ok))
            else:
                ms, answer = await post(load.order_body(rng.choice(created)))
                views.append(("order view", ms, answer is not None and load.order_found(answer)))

        async def cancel(order_id: int) -> None:
            ms, answer = await post(load.cancel_body(order_id))
            result = ((answer or {}).get("data") or {}).get("cancelOrder") or {}
            if result.get("__typename") == "CancelOrderSuccess":
                outcome = "cancelled"
            elif result.get("__typename") == "CancelOrderRefused":
                outcome = str(result.get("code"))
            else:
                outcome = "error"
            cancels.append((ms, outcome))

        def spawn_task(work: Any) -> None:
            task = asyncio.ensure_future(work)
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def arrivals(rate: float, make: Any) -> None:
            index = 0
            while True:
                at = started + index / rate
                if at >= end:
                    return
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                work = make(index)
                if work is not None:
                    spawn_task(work)
                index += 1

        def next_cancel(index: int) -> Any:
            now = time.monotonic()
            if cancel_queue and now - created_mono[cancel_queue[0]] >= plan.cancel_after:
                return cancel(cancel_queue.pop(0))
            return None

        async def sample_bucket() -> None:
            while time.monotonic() < end:
                response = await http.get(f"{stack.devshop.url}/_bench/bucket")
                level = response.json()["currently_available"]
                bucket_samples.append((round(time.monotonic() - started, 1), round(level)))
                await asyncio.sleep(1.0)

        await asyncio.gather(
            create_orders(),
            arrivals(plan.sale_views_per_s, view),
            arrivals(plan.sale_cancels_per_s, next_cancel),
            sample_bucket(),
        )
        load_seconds = time.monotonic() - started
        while tasks:  # the answers still coming (a throttled cancel waits for the bucket)
            await asyncio.gather(*list(tasks), return_exceptions=True)
        tail = time.monotonic() - started - load_seconds
    return {
        "created": created,
        "views": views,
        "cancels": cancels,
        "bucket_samples": bucket_samples,
        "load_seconds": round(load_seconds, 1),
        "answers_tail_seconds": round(tail, 1),
    }


def _lags(stack: EventsStack, since: datetime) -> dict[str, Any]:
    deliveries = [
        (topic, _instant(triggered), _instant(received), _instant(handled))
        for topic, triggered, received, handled in _rows(
            stack,
            "SELECT topic, triggered_at, received_at, handled_at FROM webhook_deliveries",
        )
    ]
    ours = [d for d in deliveries if d[2] is not None and d[2] >= since]
    total = [(h - t).total_seconds() * 1000 for _, t, _, h in ours if t and h]
    shopify = [(r - t).total_seconds() * 1000 for _, t, r, _ in ours if t and r]
    queue = [(h - r).total_seconds() * 1000 for _, _, r, h in ours if r and h]
    refresh = [
        (finished - created).total_seconds() * 1000
        for created, finished in (
            (_instant(c), _instant(f))
            for c, f in _rows(
                stack,
                "SELECT created_at, finished_at FROM jobs WHERE task = 'refresh_order' "
                "AND status = 'succeeded'",
            )
        )
        if created is not None and finished is not None and created >= since
    ]
    jobs = _rows(
        stack, "SELECT task, status, count(*), sum(attempts) FROM jobs GROUP BY task, status"
    )
    return {
        "deliveries": len(ours),
        "unhandled": sum(1 for d in ours if d[3] is None),
        "webhook_to_mirror": _ms_summary(total),
        "shopify_to_us": _ms_summary(shopify),
        "queue_and_apply": _ms_summary(queue),
        "refresh_order": _ms_summary(refresh),
        "jobs": [{"task": t, "status": s, "count": n, "attempts": a or 0} for t, s, n, a in jobs],
    }


def flash_sale(stack: EventsStack, plan: EventsPlan) -> dict[str, Any]:
    waited = wait_for_full_bucket(stack)
    _http(f"{stack.devshop.url}/_bench/bucket/lowest", {})
    calls_before = len(_calls(stack))
    since = datetime.now(UTC)
    cpu_before = cpu_seconds(stack.backend.pid)
    sale = asyncio.run(_sale_load(stack, plan))
    bucket = _bucket(stack)
    settled = settle(stack)
    cpu = cpu_seconds(stack.backend.pid) - cpu_before
    calls = _calls(stack)[calls_before:]
    operations: dict[str, dict[str, int]] = {}
    for call in calls:
        row = operations.setdefault(
            call.get("operation_name") or "?", {"requests": 0, "throttled": 0, "points": 0}
        )
        row["requests"] += 1
        row["throttled"] += bool(call.get("throttled"))
        row["points"] += call.get("actual_cost") or 0
    outcomes: dict[str, int] = {}
    for _, outcome in sale["cancels"]:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    views = sale["views"]
    return {
        "stack": stack.name,
        "bucket_refill_wait_s": waited,
        "orders_created": len(sale["created"]),
        "planned_s": plan.sale_seconds,
        "load_seconds": sale["load_seconds"],
        "answers_tail_seconds": sale["answers_tail_seconds"],
        "settle_seconds": settled,
        "views": {
            **_ms_summary([ms for _, ms, _ in views]),
            "failed": sum(1 for _, _, ok in views if not ok),
            "per_s": round(len(views) / plan.sale_seconds, 1),
        },
        "cancels": {
            **_ms_summary([ms for ms, _ in sale["cancels"]]),
            "outcomes": outcomes,
            "try_again": outcomes.get("TRY_AGAIN", 0),
        },
        "bucket": {
            "maximum": bucket["maximum_available"],
            "restore_rate": bucket["restore_rate"],
            "lowest": _round(bucket["lowest"], 0),
            "lowest_reported": _round(bucket["lowest_reported"], 0),
            "refused_queries": bucket["refused"],
            "at_end": _round(bucket["currently_available"], 0),
            "samples": sale["bucket_samples"],
        },
        "admin": {
            "requests": len(calls),
            "throttled": sum(1 for c in calls if c.get("throttled")),
            "points": _points(calls),
            "by_operation": operations,
        },
        "backend_cpu_s": round(cpu, 2),
        "lag": _lags(stack, since),
    }


# (c) Webhook intake --------------------------------------------------------------------------


class WebhookConnection(load.RawConnection):
    """`RawConnection` with the webhook's own headers."""

    async def deliver(self, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = (
            f"POST /webhooks HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        length = 0
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return int(status_line.split()[1])


def _signed_delivery(template: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    now = datetime.now(UTC)
    payload = {**template, "updated_at": now.isoformat()}
    body = json.dumps(payload, separators=(",", ":")).encode()
    return body, {
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Hmac-SHA256": sign(body, SECRET),
        "X-Shopify-Shop-Domain": DEMO_SHOP,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "X-Shopify-API-Version": API_VERSION,
    }


async def _intake_load(
    url: str, templates: list[dict[str, Any]], clients: int, requests: int, time_cap: float
) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    issued = iter(range(requests))
    started = time.perf_counter()
    cpu_started = time.process_time()

    async def client() -> None:
        nonlocal errors
        connection = WebhookConnection(host, int(port))
        try:
            while next(issued, None) is not None and time.perf_counter() - started < time_cap:
                body, headers = _signed_delivery(templates[len(latencies) % len(templates)])
                sent = time.perf_counter()
                try:
                    status = await asyncio.wait_for(connection.deliver(body, headers), 30)
                except (OSError, TimeoutError, ValueError):
                    status = 0
                    await connection.close()
                latencies.append((time.perf_counter() - sent) * 1000)
                errors += status != 200
        finally:
            await connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return {
        "n": len(latencies),
        "errors": errors,
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "client_cpu_ms": (time.process_time() - cpu_started) * 1000,
    }


def intake(stack: EventsStack, ids: list[int], plan: EventsPlan) -> list[dict[str, Any]]:
    wanted = set(ids)
    templates = []
    for delivery in _http(f"{stack.devshop.url}/_devshop/webhooks?topic=orders/create")[
        "deliveries"
    ]:
        if delivery["payload"].get("id") in wanted:
            wanted.discard(delivery["payload"]["id"])
            templates.append(delivery["payload"])
    cells = []
    for clients in plan.intake_clients:
        settle(stack)
        since = datetime.now(UTC)
        cpu_before = cpu_seconds(stack.backend.pid)
        result = asyncio.run(
            _intake_load(
                stack.backend.url, templates, clients, plan.intake_requests, plan.intake_time_cap
            )
        )
        cpu_intake = cpu_seconds(stack.backend.pid) - cpu_before
        backlog = _rows(
            stack,
            "SELECT count(*) FROM webhook_deliveries WHERE handled_at IS NULL",
        )[0][0]
        drained = settle(stack)
        cpu_total = cpu_seconds(stack.backend.pid) - cpu_before
        rows = [
            (_instant(r), _instant(h))
            for r, h in _rows(stack, "SELECT received_at, handled_at FROM webhook_deliveries")
        ]
        mine = [(r, h) for r, h in rows if r is not None and r >= since]
        handled = [h for _, h in mine if h is not None]
        span = (max(handled) - min(r for r, _ in mine)).total_seconds() if handled else 0.0
        n = result["n"]
        cells.append(
            {
                "clients": clients,
                "n": n,
                "errors": result["errors"],
                "accepted_per_s": round((n - result["errors"]) / result["seconds"], 1),
                **{
                    k: v
                    for k, v in _ms_summary(result["latencies"]).items()
                    if k in ("p50_ms", "p99_ms")
                },
                "backend_cpu_ms_intake": round(cpu_intake * 1000 / n, 3) if n else None,
                "backend_cpu_ms_total": round(cpu_total * 1000 / n, 3) if n else None,
                "client_cpu_ms": round(result["client_cpu_ms"] / n, 3) if n else None,
                "backlog_at_end": backlog,
                "handled": len(handled),
                "handled_per_s": round(len(handled) / span, 1) if span else None,
                "drain_seconds": drained,
            }
        )
    return cells


# The part ----------------------------------------------------------------------------------------


def run(workdir: Path, plan: EventsPlan, *, app_env: str, report: Any = print) -> dict[str, Any]:
    costs: dict[str, list[dict[str, Any]]] = {}
    sales = []
    intake_cells: list[dict[str, Any]] = []
    for name, max_age in (("today", 0.0), ("mirror", 600.0)):
        with events_stack(workdir, name=name, mirror_max_age=max_age, app_env=app_env) as stack:
            ids = _create_orders(stack, 61)
            settle(stack)
            wait_for_full_bucket(stack)
            report(f"   {name}: cost per action ...")
            costs[name] = measure_costs(stack, ids, plan.settle)
            settle(stack)
            report(f"   {name}: flash sale, {plan.sale_seconds:g} s ...")
            sales.append(flash_sale(stack, plan))
            if name == "mirror":
                report("   mirror: webhook intake ...")
                intake_cells = intake(stack, ids[2:52], plan)
    return {
        "plan": plan.__dict__,
        "costs": {"how": COST_HOW, "rows": judge_costs(costs["today"], costs["mirror"])},
        "flash_sale": {"how": SALE_HOW, "runs": sales},
        "intake": {"how": INTAKE_HOW, "cells": intake_cells},
    }


# The report --------------------------------------------------------------------------------------


def render(part: dict[str, Any]) -> str:
    from bench.report import _wrap, table

    def cost(row: dict[str, Any]) -> str:
        background = row["admin_requests_background"]
        points = row["actual_points"]
        text = f"{row['admin_requests']} req / {points} pts"
        if background:
            text += f" (+{background} / {row['actual_points_background']} later)"
        return text if row["answer_ok"] else text + " FAILED"

    costs = part["costs"]
    out = [
        "8a. Admin requests and points per action: today's design next to the mirror",
        "",
        table(
            ["action", "today (max age 0)", "mirror (mirrored)", "goal", "verdict"],
            [
                (r["action"], cost(r["today"]), cost(r["mirror"]), r["goal"], r["verdict"])
                for r in costs["rows"]
            ],
        ),
        _wrap(costs["how"]),
    ]
    sale = part["flash_sale"]
    plan = part["plan"]
    out += [
        "",
        f"8b. Flash sale on the standard bucket: {plan['sale_orders']} orders, "
        f"{plan['sale_views_per_s']:g} views/s, {plan['sale_cancels_per_s']:g} cancels/s "
        f"for {plan['sale_seconds']:g} s",
        "",
        table(
            ["figure", *(run["stack"] for run in sale["runs"])],
            _sale_rows(sale["runs"]),
        ),
        _wrap(sale["how"]),
    ]
    cells = part["intake"]["cells"]
    if cells:
        out += [
            "",
            "8c. Webhook intake: signed orders/updated deliveries straight to /webhooks",
            "",
            table(
                [
                    "clients",
                    "n",
                    "err",
                    "accepted/s",
                    "p50 ms",
                    "p99 ms",
                    "CPU ms intake",
                    "CPU ms total",
                    "client ms",
                    "backlog",
                    "handled/s",
                    "drain s",
                ],
                [
                    (
                        c["clients"],
                        c["n"],
                        c["errors"],
                        c["accepted_per_s"],
                        c["p50_ms"],
                        c["p99_ms"],
                        c["backend_cpu_ms_intake"],
                        c["backend_cpu_ms_total"],
                        c["client_cpu_ms"],
                        c["backlog_at_end"],
                        c["handled_per_s"],
                        c["drain_seconds"],
                    )
                    for c in cells
                ],
            ),
            _wrap(part["intake"]["how"]),
        ]
    return "\n".join(out)


def _sale_rows(runs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    def each(get: Any) -> list[Any]:
        return [get(run) for run in runs]

    def outcomes(run: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(run["cancels"]["outcomes"].items()))

    def ops(run: dict[str, Any]) -> str:
        by = run["admin"]["by_operation"]
        return ", ".join(f"{k} {v['requests']}" for k, v in sorted(by.items()))

    def goal(run: dict[str, Any]) -> str:
        if run["stack"] != "mirror":
            return "-"
        return "met" if run["cancels"]["try_again"] == 0 else "missed"

    lag = "lag webhook->mirror"
    return [
        ("orders created", *each(lambda r: r["orders_created"])),
        ("page views (per s)", *each(lambda r: f"{r['views']['n']} ({r['views']['per_s']})")),
        ("page views failed", *each(lambda r: r["views"]["failed"])),
        ("view p50 / p99 ms", *each(lambda r: f"{r['views']['p50_ms']} / {r['views']['p99_ms']}")),
        ("cancels", *each(lambda r: r["cancels"]["n"])),
        ("cancels TRY_AGAIN (goal 0, mirror)", *each(lambda r: r["cancels"]["try_again"])),
        ("  goal", *each(goal)),
        ("cancel outcomes", *each(outcomes)),
        (
            "cancel p50 / p99 ms",
            *each(lambda r: f"{r['cancels']['p50_ms']} / {r['cancels']['p99_ms']}"),
        ),
        ("bucket lowest reserved (of 2000)", *each(lambda r: r["bucket"]["lowest"])),
        ("bucket lowest currentlyAvailable", *each(lambda r: r["bucket"]["lowest_reported"])),
        ("queries refused (THROTTLED)", *each(lambda r: r["bucket"]["refused_queries"])),
        (
            "Admin requests / points",
            *each(lambda r: f"{r['admin']['requests']} / {r['admin']['points']}"),
        ),
        ("  by operation", *each(ops)),
        (f"{lag} p50 / p99 ms", *each(lambda r: _pair(r["lag"]["webhook_to_mirror"]))),
        ("  Shopify->us p50 / p99 ms", *each(lambda r: _pair(r["lag"]["shopify_to_us"]))),
        ("  queue+apply p50 / p99 ms", *each(lambda r: _pair(r["lag"]["queue_and_apply"]))),
        ("refresh_order wait+read p50 / p99 ms", *each(lambda r: _pair(r["lag"]["refresh_order"]))),
        (
            "deliveries (unhandled)",
            *each(lambda r: f"{r['lag']['deliveries']} ({r['lag']['unhandled']})"),
        ),
        ("backend CPU s", *each(lambda r: r["backend_cpu_s"])),
        ("load phase s (planned)", *each(lambda r: f"{r['load_seconds']} ({r['planned_s']:g})")),
        (
            "last answers / settle after s",
            *each(lambda r: f"{r['answers_tail_seconds']} / {r['settle_seconds']}"),
        ),
    ]


def _pair(summary: dict[str, Any]) -> str:
    return f"{summary['p50_ms']} / {summary['p99_ms']}"
