"""Part 5 of the benchmark issue, waiting for work that has not landed yet.

Each is a function with the signature the run calls, answering "pending" and what it needs, so
`results.json` and the printed table show the gap instead of hiding it. To add one: measure in
the function, return a dict of figures (each with a `how` saying how it was measured), and give
it rows in `bench.report`.
"""

from __future__ import annotations

from typing import Any


def redis_scale() -> dict[str, Any]:
    """Part 5: throughput and p99 with 1, 2 and 4 backend processes sharing one Redis
    (`REDIS_URL`), and the single flight holding (one `orderCancel` per order) under it.

    Plan: start `redis-server` on a free port, N backends with the same `REDIS_URL`, spread the
    clients of `bench.load` over them, and count `orderCancel` calls in devshop's call log.
    Needs the Redis store and rate limits (`backend/store/redis.py`).
    """
    return {"status": "pending", "needs": "the Redis store (REDIS_URL), not built yet"}
