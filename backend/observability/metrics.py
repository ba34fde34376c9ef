"""Prometheus metrics, and `GET /metrics` for whoever holds `METRICS_TOKEN`.

Series (all prefixed `cancel_button_`):

- `http_requests_total{route,method,status}`, `http_request_duration_seconds{route}`;
- `cancels_total{outcome}` (`cancelled`, `refused`) and `cancel_refusals_total{code}` by
  `CancelBlock`;
- `admin_api_requests_total{result}` (`ok`, `throttled`, `error`, `network_error`, …),
  `admin_api_cost_points_total` (the actual cost Shopify charged) and
  `admin_api_throttles_total`;
- `webhook_deliveries_total{topic,result}` and `webhook_lag_seconds` (from Shopify's
  `X-Shopify-Triggered-At` to our answer; retries stretch it up to four hours);
- `rate_limit_refusals_total{limiter,scope}`: the door (per IP, before verification) and the
  read and cancel limits after it.

- `jobs{state}` (`queued`, `due`, `running`, `failed`) and `job_oldest_due_seconds`: the
  durable job queue as the store sees it, read when `/metrics` is scraped (one query), so they
  are right however many processes defer and run jobs; absent while the store does not answer.

Several worker processes: prometheus-client's multiprocess mode. With
`PROMETHEUS_MULTIPROC_DIR` set (read by prometheus-client when it is imported, and by our
settings), every process writes its samples to files in that folder and `/metrics` in any of
them reads and sums all the files, so a scrape that lands on one worker sees the whole machine.
The folder must be empty when the first worker starts (wipe it at each deploy). Without it,
each process counts in its own memory, which is right for one process.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from backend.store.base import JobStats, Store, StoreUnavailable

PREFIX = "cancel_button"

HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests", "HTTP requests answered.", ["route", "method", "status"]
)
HTTP_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CANCELS = Counter(f"{PREFIX}_cancels", "cancelOrder answers by outcome.", ["outcome"])
CANCEL_REFUSALS = Counter(
    f"{PREFIX}_cancel_refusals", "cancelOrder refusals by CancelBlock code.", ["code"]
)
ADMIN_REQUESTS = Counter(
    f"{PREFIX}_admin_api_requests", "Admin API request attempts by result.", ["result"]
)
ADMIN_COST = Counter(f"{PREFIX}_admin_api_cost_points", "Admin API points Shopify charged.")
ADMIN_THROTTLES = Counter(f"{PREFIX}_admin_api_throttles", "Admin API THROTTLED answers.")
WEBHOOKS = Counter(
    f"{PREFIX}_webhook_deliveries", "Webhook deliveries by topic and result.", ["topic", "result"]
)
WEBHOOK_LAG = Histogram(
    f"{PREFIX}_webhook_lag_seconds",
    "From Shopify's X-Shopify-Triggered-At to our answer.",
    buckets=(0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0),
)
RATE_LIMITED = Counter(
    f"{PREFIX}_rate_limit_refusals", "Requests refused by a rate limit.", ["limiter", "scope"]
)


def exposition(multiprocess_dir: Path | None) -> bytes:
    if multiprocess_dir is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(multiprocess_dir))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


class _Jobs(Collector):
    def __init__(self, stats: JobStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(f"{PREFIX}_jobs", "Durable jobs by state.", labels=["state"])
        for state in ("queued", "due", "running", "failed"):
            jobs.add_metric([state], getattr(self.stats, state))
        yield jobs
        oldest = self.stats.oldest_due
        yield GaugeMetricFamily(
            f"{PREFIX}_job_oldest_due_seconds",
            "How long the oldest due job has waited (0: none waits).",
            value=oldest.total_seconds() if oldest is not None else 0.0,
        )


async def job_exposition(store: Store, now: datetime) -> bytes:
    try:
        stats = await store.job_stats(now=now)
    except StoreUnavailable:
        return b""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Jobs(stats))
    return generate_latest(registry)


def _authorized(request: Request, token: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )


async def metrics(request: Request) -> Response:
    settings = request.state.settings
    if not settings.metrics_token:
        return Response("Not Found", status_code=404)
    if not _authorized(request, settings.metrics_token):
        return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    jobs = await job_exposition(request.state.store, datetime.now(UTC))
    return Response(exposition(settings.metrics_dir) + jobs, media_type=CONTENT_TYPE_LATEST)
