"""Shopify's leaky bucket for the Admin API: one per app and shop, refilled by the world's clock.

A query is admitted only if the bucket holds its requested cost; that much is taken before it
runs, and the difference to its actual cost is given back afterwards, as Shopify documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

DOCUMENTATION = "https://shopify.dev/api/usage/rate-limits"


@dataclass
class BucketConfig:
    """Settable at any time; a changed size applies from the bucket's next refill."""

    maximum_available: float = 2000.0
    restore_rate: float = 100.0  # points per second


@dataclass
class _Bucket:
    available: float
    updated_at: datetime


class RateLimits:
    def __init__(self, config: BucketConfig, clock: Callable[[], datetime]) -> None:
        self.config = config
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def reset(self) -> None:
        self._buckets.clear()

    def available(self, shop: str) -> float:
        return self._refilled(shop).available

    def take(self, shop: str, cost: int) -> bool:
        """Take `cost` points if the bucket holds them; False (and nothing taken) if not."""
        bucket = self._refilled(shop)
        if cost > bucket.available:
            return False
        bucket.available -= cost
        return True

    def give_back(self, shop: str, points: int) -> None:
        bucket = self._refilled(shop)
        bucket.available = min(self.config.maximum_available, bucket.available + points)

    def cost_extension(
        self,
        shop: str,
        requested: int | None,
        actual: int | None,
        currently_available: float | None = None,
    ) -> dict[str, Any]:
        """`extensions.cost` as Shopify sends it on every answer to a query it costed."""
        available = self.available(shop) if currently_available is None else currently_available
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(self.config.maximum_available),
                "currentlyAvailable": int(available),
                "restoreRate": float(self.config.restore_rate),
            },
        }

    def _refilled(self, shop: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(shop)
        if bucket is None:
            bucket = self._buckets[shop] = _Bucket(self.config.maximum_available, now)
        elapsed = max((now - bucket.updated_at).total_seconds(), 0.0)
        bucket.available = min(
            self.config.maximum_available, bucket.available + elapsed * self.config.restore_rate
        )
        bucket.updated_at = now
        return bucket


def throttled_error() -> dict[str, Any]:
    return {
        "message": "Throttled",
        "extensions": {"code": "THROTTLED", "documentation": DOCUMENTATION},
    }


def max_cost_error(cost: int, max_cost: int) -> dict[str, Any]:
    return {
        "message": (
            f"Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n"
            "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how "
            "the cost of a query is calculated.\n\nTo query larger amounts of data with fewer "
            "limits, bulk operations should be used instead.\nSee "
            "https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage "
            "details.\n"
        ),
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": max_cost,
            "documentation": DOCUMENTATION,
        },
    }
