"""Part 1: throughput and latency of `order` and `cancelOrder`, ours next to the baseline.

One cell is one operation, one side (ours or the baseline) and one number of closed-loop
clients: a warm-up (not counted), then `requests` requests (fewer if the time cap hits). Around
the counted requests the run reads, from `/proc`, the CPU time of every process involved: the
server under test, devshop (Shopify's stand-in), the load generator, and the whole machine, so
each cell says how much CPU one request took on each side and how busy the machine was with
anything else (the bench shares its two cores with whatever else runs).

Ours and the baseline alternate round by round within each cell (warm-ups first, then
`rounds` rounds of each, ours then the baseline), so both meet the same devshop (whose cancel
jobs accumulate over a run) and, as far as possible, the same load from other processes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import load
from bench.servers import FIRST_ORDER, Stack, cpu_seconds
from devshop.processes import Server

ORDER = 5001  # devshop's demo order "#1001": Ada's, cancellable; never cancelled by the bench
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processors spent not idle since boot (`/proc/stat`, all CPUs)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLOCK_TICKS


def baseline_cancelled(body: dict[str, Any]) -> bool:
    cancel = (body.get("data") or {}).get("orderCancel") or {}
    return bool(cancel.get("job")) and not cancel.get("orderCancelUserErrors")


class FreshOrders:
    """Bench orders handed out once each, so every cancel is a first cancel."""

    def __init__(self, stack_orders: int, first: int = FIRST_ORDER) -> None:
        self.next = first
        self.end = first + stack_orders

    def take(self) -> int:
        if self.next >= self.end:
            raise RuntimeError("devshop has run out of bench orders; raise `orders`")
        self.next += 1
        return self.next - 1

    def bodies(self) -> Iterator[bytes]:
        while True:
            yield load.cancel_body(self.take())


@dataclass
class Cell:
    """One operation, side and client count: its rounds added up."""

    operation: str  # "order" | "cancelOrder"
    side: str  # "ours" | "baseline"
    clients: int
    warmup_requests: int = 0
    rounds: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0
    server_cpu_s: float = 0.0  # the server under test
    devshop_cpu_s: float = 0.0
    client_cpu_s: float = 0.0  # the load generator
    others_cpu_s: float = 0.0  # the machine's busy time not accounted for by the three

    @property
    def result(self) -> load.Result:
        return load.Result(
            len(self.latencies_ms),
            self.errors,
            self.seconds,
            self.latencies_ms,
            self.client_cpu_s * 1000,
            self.first_error,
        )

    def add(self, result: load.Result, server_cpu: float, devshop_cpu: float, busy: float) -> None:
        self.rounds += 1
        self.latencies_ms += result.latencies_ms
        self.errors += result.errors
        self.first_error = self.first_error or result.first_error
        self.seconds += result.seconds
        self.server_cpu_s += server_cpu
        self.devshop_cpu_s += devshop_cpu
        self.client_cpu_s += result.client_cpu_ms / 1000
        self.others_cpu_s += max(busy - server_cpu - devshop_cpu - result.client_cpu_ms / 1000, 0.0)

    def as_json(self) -> dict[str, Any]:
        r = self.result
        n = max(r.requests, 1)
        capacity = self.seconds * (os.cpu_count() or 1)
        return {
            "operation": self.operation,
            "side": self.side,
            "clients": self.clients,
            "n": r.requests,
            "warmup": self.warmup_requests,
            "rounds": self.rounds,
            "errors": r.errors,
            "first_error": r.first_error,
            "seconds": round(r.seconds, 3),
            "req_per_s": round(r.throughput, 1),
            "p50_ms": round(r.percentile(50), 2),
            "p99_ms": round(r.percentile(99), 2),
            "max_ms": round(max(r.latencies_ms, default=float("nan")), 2),
            "server_cpu_ms_per_req": round(self.server_cpu_s * 1000 / n, 3),
            "devshop_cpu_ms_per_req": round(self.devshop_cpu_s * 1000 / n, 3),
            "client_cpu_ms_per_req": round(self.client_cpu_s * 1000 / n, 3),
            "others_cpu_pct": round(self.others_cpu_s * 100 / capacity, 1) if capacity else 0.0,
        }


@dataclass
class Side:
    cell: Cell
    server: Server
    workload: load.Workload


def measure_round(stack: Stack, side: Side, *, requests: int, time_cap: float, client: str) -> None:
    processes = [side.server, stack.devshop]
    cpu_before = [cpu_seconds(p.pid) for p in processes]
    busy_before = machine_busy_seconds()
    result = asyncio.run(
        load.run(
            side.workload,
            concurrency=side.cell.clients,
            requests=requests,
            time_cap=time_cap,
            client=client,
        )
    )
    busy = machine_busy_seconds() - busy_before
    server_cpu, devshop_cpu = (
        cpu_seconds(p.pid) - b for p, b in zip(processes, cpu_before, strict=True)
    )
    side.cell.add(result, server_cpu, devshop_cpu, busy)


def measure_pair(
    stack: Stack,
    sides: list[Side],
    *,
    requests: int,
    warmup: int,
    rounds: int,
    time_cap: float,
    client: str,
) -> None:
    """Warm each side up, then alternate between them round by round, so that both meet the
    same machine: `requests` counted per side in `rounds` rounds, `time_cap` per side."""
    for side in sides:
        warm = load.run(
            side.workload,
            concurrency=side.cell.clients,
            requests=warmup,
            time_cap=time_cap,
            client=client,
        )
        side.cell.warmup_requests = asyncio.run(warm).requests
    for index in range(rounds):
        chunk = requests // rounds + (1 if index < requests % rounds else 0)
        for side in sides:
            measure_round(stack, side, requests=chunk, time_cap=time_cap / rounds, client=client)


def run(
    stack: Stack,
    fresh: FreshOrders,
    *,
    clients: tuple[int, ...],
    requests: int,
    warmup: int,
    rounds: int,
    time_cap: float,
    client: str = "raw",
    report: Any = print,
) -> list[Cell]:
    ours_url = f"{stack.backend.url}/proxy/graphql"
    base = stack.baseline.url

    def repeat(body: bytes) -> Iterator[bytes]:
        while True:
            yield body

    plans = [
        (
            "order",
            [
                ("ours", stack.backend, ours_url, load.order_found),
                ("baseline", stack.baseline, f"{base}/baseline/order", load.order_found),
            ],
        ),
        (
            "cancelOrder",
            [
                ("ours", stack.backend, ours_url, load.cancel_succeeded),
                ("baseline", stack.baseline, f"{base}/baseline/cancel", baseline_cancelled),
            ],
        ),
    ]
    cells = []
    for operation, plan in plans:
        for concurrency in clients:
            sides = [
                Side(
                    Cell(operation, side, concurrency),
                    server,
                    load.Workload(
                        url,
                        repeat(load.order_body(ORDER)) if operation == "order" else fresh.bodies(),
                        check,
                    ),
                )
                for side, server, url, check in plan
            ]
            measure_pair(
                stack,
                sides,
                requests=requests,
                warmup=warmup,
                rounds=rounds,
                time_cap=time_cap,
                client=client,
            )
            for side in sides:
                done = side.cell.result
                report(
                    f"  {operation:11s} {side.cell.side:8s} {concurrency:3d} clients: "
                    f"n={done.requests} {done.throughput:6.1f} req/s "
                    f"p50 {done.percentile(50):7.2f} ms p99 {done.percentile(99):7.2f} ms"
                    + (f"  ERRORS {done.errors}: {done.first_error}" if done.errors else "")
                )
                cells.append(side.cell)
    return cells
