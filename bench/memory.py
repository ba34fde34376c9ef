"""Part 6: resident size of one backend process, idle and after 10,000 requests.

RSS is the kernel's `VmRSS` for the backend's pid (`/proc/<pid>/status`). "Idle" is read once
the backend answers `/healthz`, before any other request. The 10,000 requests are every request
the backend has answered in the run so far (the throughput cells' eligibility checks and cancels,
warm-ups included) topped up with eligibility checks from 10 clients; RSS is also read at
checkpoints along the top-up, so growth that has not levelled off shows.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from bench import load
from bench.servers import Stack, rss_kib
from bench.throughput import ORDER

TARGET = 10_000


@dataclass
class Memory:
    idle_kib: int
    baseline_idle_kib: int
    served_before_topup: int = 0
    checkpoints: list[tuple[int, int]] = field(default_factory=list)  # (requests, KiB)
    errors: int = 0

    @property
    def after_kib(self) -> int | None:
        return self.checkpoints[-1][1] if self.checkpoints else None

    @property
    def after_requests(self) -> int:
        return self.checkpoints[-1][0] if self.checkpoints else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "backend_idle_rss_mib": round(self.idle_kib / 1024, 1),
            "backend_rss_mib_after": round((self.after_kib or 0) / 1024, 1),
            "requests": self.after_requests,
            "served_before_topup": self.served_before_topup,
            "checkpoints_mib": [(n, round(kib / 1024, 1)) for n, kib in self.checkpoints],
            "topup_errors": self.errors,
            "baseline_idle_rss_mib": round(self.baseline_idle_kib / 1024, 1),
        }


def top_up(
    stack: Stack, memory: Memory, served: int, *, target: int = TARGET, steps: int = 4
) -> Memory:
    """Eligibility checks until the backend has answered `target` requests in all."""
    memory.served_before_topup = served
    memory.checkpoints.append((served, rss_kib(stack.backend.pid)))
    missing = max(target - served, 0)
    url = f"{stack.backend.url}/proxy/graphql"
    bodies = itertools.repeat(load.order_body(ORDER))
    for step in range(steps):
        count = missing // steps + (1 if step < missing % steps else 0)
        if count == 0:
            continue
        workload = load.Workload(url, bodies, load.order_found)
        result = asyncio.run(load.run(workload, concurrency=10, requests=count, time_cap=60))
        memory.errors += result.errors
        served += result.requests
        memory.checkpoints.append((served, rss_kib(stack.backend.pid)))
    return memory
