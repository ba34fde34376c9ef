"""`GET /metrics`: Prometheus text for whoever holds METRICS_TOKEN, counting what happened."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.ratelimit import RateLimits
from backend.store.base import Job
from devshop.seed import DemoOrders
from devshop.settings import DEMO_SHOP
from tests.backend.test_webhooks import sender
from tests.conftest import CANCEL_MUTATION, Stack, cancel, graphql, running_stack

TOKEN = "metrics-token-for-tests"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, metrics_token=TOKEN) as running:
        yield running


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(stack: Stack) -> Samples:
    async with stack.direct() as client:
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_before_and_after_a_cancel(stack: Stack) -> None:
    before = await scrape(stack)
    async with stack.shopper() as ada:
        assert (await cancel(ada, DemoOrders.CANCELLABLE))["__typename"] == "CancelOrderSuccess"
        refused = await cancel(ada, DemoOrders.FULFILLED)
        assert refused["code"] == "FULFILLMENT_STARTED"
    delivery = await sender(stack).send("app/uninstalled", {"id": 1}, shop=DEMO_SHOP)
    assert delivery.status == 200
    await stack.settle()
    after = await scrape(stack)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cancel_button_cancels_total", outcome="cancelled") == 1
    assert delta("cancel_button_cancels_total", outcome="refused") == 1
    assert delta("cancel_button_cancel_refusals_total", code="FULFILLMENT_STARTED") == 1
    proxy = {"route": "/proxy/graphql", "method": "POST", "status": "200"}
    assert delta("cancel_button_http_requests_total", **proxy) == 2
    assert delta("cancel_button_http_request_duration_seconds_count", route="/proxy/graphql") == 2
    assert delta("cancel_button_admin_api_requests_total", result="ok") >= 3  # reads + cancel
    assert delta("cancel_button_admin_api_cost_points_total") >= 10  # a mutation costs 10
    webhooks = "cancel_button_webhook_deliveries_total"
    assert delta(webhooks, topic="app/uninstalled", result="accepted") == 1
    assert delta(webhooks, topic="app/uninstalled", result="handled") == 1  # by its job
    assert delta("cancel_button_webhook_lag_seconds_count") >= 1
    # The first scrape is counted once it has been answered.
    metrics = {"route": "/metrics", "method": "GET", "status": "200"}
    assert delta("cancel_button_http_requests_total", **metrics) == 1


async def test_throttles_and_rate_limit_refusals_are_counted(tmp_path: Path) -> None:
    limits = dataclasses.replace(RateLimits.everywhere("10000/minute"), cancel_order="1/hour")
    async with running_stack(tmp_path, metrics_token=TOKEN, rate_limits=limits) as stack:
        before = await scrape(stack)
        stack.faults.throttle(times=1, currently_available=200)
        async with stack.shopper() as ada:
            await cancel(ada, DemoOrders.CANCELLABLE)
            again = await graphql(
                ada, CANCEL_MUTATION, {"input": {"orderId": "5001", "reason": "OTHER"}}
            )
        assert again.status_code == 429
        after = await scrape(stack)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cancel_button_admin_api_throttles_total") == 1
    assert delta("cancel_button_admin_api_requests_total", result="throttled") == 1
    assert delta("cancel_button_rate_limit_refusals_total", limiter="cancel", scope="order") == 1


async def test_metrics_are_refused_without_the_token(stack: Stack) -> None:
    async with stack.direct() as client:
        bare = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        basic = await client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    for response in (bare, wrong, basic):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "cancel_button" not in response.text


async def test_metrics_are_404_without_metrics_token(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack:
        async with stack.direct() as client:
            response = await client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 404


async def test_jobs_by_state_and_age_as_the_store_sees_them(stack: Stack) -> None:
    await stack.settle()
    before = await scrape(stack)
    later = datetime.now(UTC) + timedelta(hours=1)
    assert await stack.store.defer_job(Job("webhook", {"delivery": 0}), at=later)
    after = await scrape(stack)
    assert value(after, "cancel_button_jobs", state="queued") == (
        value(before, "cancel_button_jobs", state="queued") + 1
    )
    assert value(after, "cancel_button_jobs", state="due") == value(
        before, "cancel_button_jobs", state="due"
    )
    assert ("cancel_button_job_oldest_due_seconds", frozenset()) in after
