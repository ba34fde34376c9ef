"""What the product reports as it works: one call per event, counted and noted for the log line.

The use cases call these rather than the metrics, so a metric's labels are spelled once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.observability import context, metrics


def cancelled() -> None:
    metrics.CANCELS.labels("cancelled").inc()
    context.note(outcome="cancelled")


def refused(code: str) -> None:
    metrics.CANCELS.labels("refused").inc()
    metrics.CANCEL_REFUSALS.labels(code).inc()
    context.note(outcome=f"refused:{code}")


def admin_request(result: str, cost: dict[str, Any] | None = None) -> None:
    """One Admin API attempt: `ok`, `throttled`, or why it failed; the points it cost."""
    metrics.ADMIN_REQUESTS.labels(result).inc()
    if result == "throttled":
        metrics.ADMIN_THROTTLES.inc()
    points = (cost or {}).get("actualQueryCost")
    if isinstance(points, int | float) and not isinstance(points, bool) and points > 0:
        metrics.ADMIN_COST.inc(points)


def webhook(topic: str, result: str, *, shop: str | None = None) -> None:
    metrics.WEBHOOKS.labels(topic or "unknown", result).inc()
    context.note(shop=shop, outcome=f"webhook:{result}")


def webhook_lag(triggered_at: str | None, now: datetime) -> None:
    """Seconds from Shopify's `X-Shopify-Triggered-At` to now; nothing if it is absent or odd."""
    if not triggered_at:
        return
    try:
        triggered = datetime.fromisoformat(triggered_at.replace("Z", "+00:00"))
    except ValueError:
        return
    if triggered.tzinfo is None:
        return
    metrics.WEBHOOK_LAG.observe(max(0.0, (now - triggered).total_seconds()))
