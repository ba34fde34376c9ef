"""Part 5: cancels per second on SQLite and PostgreSQL, one backend process versus two.

Its own processes, started after parts 1-4 and 6 have stopped theirs: a private PostgreSQL
cluster (`tests.postgres_server.PostgresServer`, the one the test suite runs: the backend
connects as an ordinary role owning its database), a private `redis-server`
(`tests.redis_server.RedisServer`) for the rate limits, devshop with its own bench orders and
its bucket lifted, and three backends as `bench.backend_server` runs them (production settings,
one uvicorn worker each):

- `sqlite`: its own SQLite file (`SQLITE_PATH`), no `DATABASE_URL`;
- `pg-a` and `pg-b`: the same `DATABASE_URL`, so the claim that makes a cancel single-flight is
  one `INSERT ... ON CONFLICT` in PostgreSQL, whichever process makes it.

All three count their rate limits in the same Redis (`REDIS_URL`), so SQLite against PostgreSQL
on one process differs in the store only, and one PostgreSQL process against two in the number
of processes only. (SQLite as shipped, one process with its limits in memory, is part 1.)

Three setups get the same load: SQLite with one process, PostgreSQL with one process (`pg-a`),
PostgreSQL with two (`pg-a` and `pg-b`, clients spread round-robin, each keeping its
connection, as a load balancer would). Each cancel names a DISTINCT order, once, so all of them
succeed and each makes its two Admin requests. The setups alternate round by round within a
client count, so all three meet the same machine. Backends not in a setup sit idle meanwhile.

The rate limits are LIFTED, not switched off: every rule is 10,000,000/minute, so each request
still makes its hits (four per cancel: order, customer, IP, shop) in Redis and their cost is in
the figures, but none refuses, even with one customer sending every cancel.

The database's own CPU: for PostgreSQL, the cluster's processes (the postmaster, its backends
serving our connections, checkpointer, WAL writer, autovacuum), read from `/proc` as for every
other process; for SQLite it is inside the backend process (the engine's thread), so it is in
the backend's figure.

Then the single flight under load: `flight` concurrent cancels of ONE fresh order, spread over
both PostgreSQL backends, and devshop's call log counted for executed `orderCancel`s naming
that order: one means the claim held across the two processes.

Why importing from `tests/`: `PostgresServer` and `RedisServer` are the dependency-free helpers
that run private servers (own directory, free port, gone afterwards); bench, like the tests,
runs from a checkout, and a second copy in `bench/` would drift.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from backend.ratelimit import RateLimits
from bench import load
from bench.servers import FIRST_ORDER, cpu_seconds, postmaster_pid, tree_cpu_seconds
from bench.throughput import FreshOrders, machine_busy_seconds
from devshop.processes import Server, demo_env, free_port, running, spawn
from tests.postgres_server import PostgresServer
from tests.redis_server import RedisServer

LIFTED = "10000000/minute"
BACKENDS = ("sqlite", "pg-a", "pg-b")
SETUPS = (
    ("SQLite, 1 process", ("sqlite",)),
    ("PostgreSQL, 1 process", ("pg-a",)),
    ("PostgreSQL, 2 processes", ("pg-a", "pg-b")),
)
DATABASE = "bench_scale"


def _prose(text: str) -> str:
    return " ".join(text.split())


HOW = _prose(
    """
How: a private PostgreSQL cluster (fsync off, as the test suite runs it; the backends connect as
an ordinary role owning the database), a private redis-server for the rate limits, devshop (no
injected latency, Admin bucket lifted) and three backend processes (bench.backend_server,
production settings, one uvicorn worker each): one on its own SQLite file, two sharing one
DATABASE_URL; all three share one REDIS_URL for the rate limits, so SQLite vs PostgreSQL differs
in the store only. Rate limits LIFTED to 10,000,000/minute per rule: every hit is still made and
counted in Redis but none refuses. Each cancel names a distinct fresh order (all succeed, two
Admin requests each). N closed-loop clients from this process, signed as Shopify's App Proxy
signs, sent straight to /proxy/graphql; with two processes client i goes to backend i mod 2 over
its own kept-alive connection. The three setups alternate round by round at each client count
after a warm-up each. cancels/s = n / wall time; p50/p99 nearest-rank of the client's wall time;
CPU ms per request = each process's utime+stime over the counted requests / n (for two
backends, each one's share and their sum). 'postgres' = the cluster's processes (postmaster,
its connection backends, checkpointer, WAL writer, autovacuum; exited ones through the
postmaster's cutime+cstime); SQLite's work runs inside the backend process and is in its figure.
"""
)

MACHINE_NOTE = _prose(
    """
This machine has {cpus} cores shared by every process above: with two backends, PostgreSQL,
devshop, Redis and the load generator all on them, a second backend process adds no core, so
cancels/s cannot double; it shows what running two processes costs (CPU per request, database
and Redis round trips), not how far scaling out goes on machines of their own. Do not read the
1 vs 2 ratio as speed-up.
"""
)


@dataclass
class ScaleStack:
    devshop: Server
    backends: dict[str, Server]
    redis_url: str
    redis_pid: int
    postgres: PostgresServer
    postgres_pid: int  # the postmaster


def _child_pid(name: str) -> int:
    """The pid of this process's child whose command is `name` (the redis-server it runs)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == me and command == name:
            return int(entry.name)
    raise RuntimeError(f"no child process named {name}")


@contextlib.contextmanager
def running_scale_stack(workdir: Path, *, orders: int, app_env: str) -> Iterator[ScaleStack]:
    with RedisServer(workdir / "redis") as redis_server, PostgresServer() as postgres:
        database_url = postgres.create_database(DATABASE)
        devshop_port = free_port()
        ports = {"devshop": devshop_port} | {name: free_port() for name in BACKENDS}
        lifted = {RateLimits.variable(rule): LIFTED for rule in RateLimits.names()}
        servers = []
        for name, port in ports.items():
            env = demo_env(
                backend_port=port,
                devshop_port=devshop_port,
                sqlite_path=workdir / f"scale-{name}.sqlite3",
                BENCH_APP_ENV=app_env,
                BENCH_ORDERS=str(orders),
                BENCH_FIRST_ORDER=str(FIRST_ORDER),
                BENCH_LIFT_BUCKET="1",
                **lifted,
                **({} if name == "devshop" else {"REDIS_URL": redis_server.url}),
                **({"DATABASE_URL": database_url} if name.startswith("pg") else {}),
            )
            module = "bench.devshop_server" if name == "devshop" else "bench.backend_server"
            servers.append(spawn(name, module, env, port, log=workdir / f"scale-{name}.log"))
        with running(servers):
            devshop, *backends = servers
            yield ScaleStack(
                devshop,
                {server.name: server for server in backends},
                redis_server.url,
                _child_pid("redis-server"),
                postgres,
                postmaster_pid(postgres),
            )


@dataclass
class ScaleCell:
    setup: str
    backends: tuple[str, ...]
    clients: int
    warmup_requests: int = 0
    rounds: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0
    backend_cpu_s: dict[str, float] = field(default_factory=dict)
    devshop_cpu_s: float = 0.0
    postgres_cpu_s: float = 0.0
    redis_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    others_cpu_s: float = 0.0

    @property
    def store(self) -> str:
        return "postgres" if self.backends[0].startswith("pg") else "sqlite"

    def as_json(self) -> dict[str, Any]:
        result = load.Result(
            len(self.latencies_ms), self.errors, self.seconds, self.latencies_ms, 0.0
        )
        n = max(result.requests, 1)
        capacity = self.seconds * (os.cpu_count() or 1)

        def per_request(seconds: float) -> float:
            return round(seconds * 1000 / n, 3)

        return {
            "setup": self.setup,
            "store": self.store,
            "processes": len(self.backends),
            "clients": self.clients,
            "n": result.requests,
            "warmup": self.warmup_requests,
            "rounds": self.rounds,
            "errors": self.errors,
            "first_error": self.first_error,
            "seconds": round(self.seconds, 3),
            "cancels_per_s": round(result.throughput, 1),
            "p50_ms": round(result.percentile(50), 2),
            "p99_ms": round(result.percentile(99), 2),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 2),
            "backend_cpu_ms_per_req": per_request(sum(self.backend_cpu_s.values())),
            "backend_cpu_ms_per_req_by_process": {
                name: per_request(seconds) for name, seconds in self.backend_cpu_s.items()
            },
            "devshop_cpu_ms_per_req": per_request(self.devshop_cpu_s),
            # SQLite's work is in the backend's figure; the cluster idles in its cells.
            "postgres_cpu_ms_per_req": (
                per_request(self.postgres_cpu_s) if self.store == "postgres" else None
            ),
            "redis_cpu_ms_per_req": per_request(self.redis_cpu_s),
            "client_cpu_ms_per_req": per_request(self.client_cpu_s),
            "others_cpu_pct": round(self.others_cpu_s * 100 / capacity, 1) if capacity else 0.0,
        }


def _workload(
    stack: ScaleStack, backends: tuple[str, ...], bodies: Iterator[bytes], check: load.Check
) -> load.Workload:
    urls = [f"{stack.backends[name].url}/proxy/graphql" for name in backends]
    return load.Workload(urls[0], bodies, check, replicas=tuple(urls[1:]))


def _measure_round(
    stack: ScaleStack,
    cell: ScaleCell,
    workload: load.Workload,
    *,
    requests: int,
    time_cap: float,
    client: str,
) -> None:
    pids = {name: stack.backends[name].pid for name in cell.backends}
    pids |= {"devshop": stack.devshop.pid, "redis": stack.redis_pid}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    postgres_before = tree_cpu_seconds(stack.postgres_pid)
    busy_before = machine_busy_seconds()
    result = asyncio.run(
        load.run(
            workload, concurrency=cell.clients, requests=requests, time_cap=time_cap, client=client
        )
    )
    busy = machine_busy_seconds() - busy_before
    used = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    used["postgres"] = tree_cpu_seconds(stack.postgres_pid) - postgres_before
    client_cpu = result.client_cpu_ms / 1000
    cell.rounds += 1
    cell.latencies_ms += result.latencies_ms
    cell.errors += result.errors
    cell.first_error = cell.first_error or result.first_error
    cell.seconds += result.seconds
    for name in cell.backends:
        cell.backend_cpu_s[name] = cell.backend_cpu_s.get(name, 0.0) + used[name]
    cell.devshop_cpu_s += used["devshop"]
    cell.postgres_cpu_s += used["postgres"]
    cell.redis_cpu_s += used["redis"]
    cell.client_cpu_s += client_cpu
    cell.others_cpu_s += max(busy - sum(used.values()) - client_cpu, 0.0)


def measure_cells(
    stack: ScaleStack,
    fresh: FreshOrders,
    *,
    clients: tuple[int, ...],
    requests: int,
    warmup: int,
    rounds: int,
    time_cap: float,
    client: str,
    report: Any,
) -> list[ScaleCell]:
    cells = []
    for concurrency in clients:
        level = [ScaleCell(setup, backends, concurrency) for setup, backends in SETUPS]
        workloads = [
            _workload(stack, cell.backends, fresh.bodies(), load.cancel_succeeded) for cell in level
        ]
        for cell, workload in zip(level, workloads, strict=True):
            warm = load.run(
                workload, concurrency=concurrency, requests=warmup, time_cap=time_cap, client=client
            )
            cell.warmup_requests = asyncio.run(warm).requests
        for index in range(rounds):
            chunk = requests // rounds + (1 if index < requests % rounds else 0)
            for cell, workload in zip(level, workloads, strict=True):
                _measure_round(
                    stack, cell, workload, requests=chunk, time_cap=time_cap / rounds, client=client
                )
        for cell in level:
            figures = cell.as_json()
            report(
                f"  {cell.setup:19s} {concurrency:3d} clients: n={figures['n']} "
                f"{figures['cancels_per_s']:6.1f} cancels/s p50 {figures['p50_ms']:7.2f} ms "
                f"p99 {figures['p99_ms']:7.2f} ms"
                + (f"  ERRORS {cell.errors}: {cell.first_error}" if cell.errors else "")
            )
        cells += level
    return cells


def executed_order_cancels(devshop: Server, order_id: int) -> int:
    """Executed `orderCancel`s naming `order_id` in devshop's call log."""
    with urllib.request.urlopen(f"{devshop.url}/_devshop/calls?field=orderCancel", timeout=30) as r:
        calls = json.loads(r.read())["calls"]
    gid = f"gid://shopify/Order/{order_id}"
    return sum(1 for call in calls if call["executed"] and call["variables"].get("orderId") == gid)


def single_flight(
    stack: ScaleStack, order_id: int, *, concurrency: int, client: str
) -> dict[str, Any]:
    """`concurrency` identical cancels of one order at once over both PostgreSQL backends."""
    answers: Counter[str] = Counter()

    def check(body: dict[str, Any]) -> bool:
        result = (body.get("data") or {}).get("cancelOrder") or {}
        answer = result.get("code") or result.get("__typename") or "no answer"
        answers[answer] += 1
        return answer in ("CancelOrderSuccess", "TRY_AGAIN")

    body = load.cancel_body(order_id)

    def same() -> Iterator[bytes]:
        while True:
            yield body

    workload = _workload(stack, ("pg-a", "pg-b"), same(), check)
    result = asyncio.run(
        load.run(
            workload, concurrency=concurrency, requests=concurrency, time_cap=60.0, client=client
        )
    )
    return {
        "requests": result.requests,
        "backends": 2,
        "order": order_id,
        "answers": dict(answers),
        "errors": result.errors,
        "first_error": result.first_error,
        "executed_order_cancels": executed_order_cancels(stack.devshop, order_id),
        "seconds": round(result.seconds, 2),
        "how": _prose(
            f"""{concurrency} closed-loop clients, one request each, all sent at once, each a
            cancel of the same fresh order, spread round-robin over the two backends sharing
            one PostgreSQL database; then devshop's /_devshop/calls?field=orderCancel counted
            for executed calls naming that order. One is the single flight holding across
            processes; the other requests answer CancelOrderSuccess (the claim's holder
            finished first) or TRY_AGAIN (still in flight)."""
        ),
    }


def rate_limit_keys(redis_url: str) -> int:
    """How many rate-limit windows the backends wrote: proof the hits were counted in Redis."""
    client = redis.Redis.from_url(redis_url)
    try:
        return sum(1 for _ in client.scan_iter(match="*limits*", count=1000))
    finally:
        client.close()


def orders_needed(clients: tuple[int, ...], requests: int, warmup: int) -> int:
    return len(SETUPS) * len(clients) * (requests + warmup) + 10


def run(
    workdir: Path,
    *,
    clients: tuple[int, ...],
    requests: int,
    warmup: int,
    rounds: int,
    time_cap: float,
    flight: int,
    client: str = "raw",
    app_env: str = "production",
    report: Any = print,
) -> dict[str, Any]:
    orders = orders_needed(clients, requests, warmup)
    with running_scale_stack(workdir, orders=orders, app_env=app_env) as stack:
        fresh = FreshOrders(orders)
        cells = measure_cells(
            stack,
            fresh,
            clients=clients,
            requests=requests,
            warmup=warmup,
            rounds=rounds,
            time_cap=time_cap,
            client=client,
            report=report,
        )
        flight_result = single_flight(stack, fresh.take(), concurrency=flight, client=client)
        report(
            f"  single flight: {flight} identical cancels over 2 backends -> "
            f"{flight_result['executed_order_cancels']} orderCancel, answers "
            f"{flight_result['answers']}"
        )
        keys = rate_limit_keys(stack.redis_url)
        records = {
            "sqlite": sqlite_records(workdir / "scale-sqlite.sqlite3"),
            "postgres": int(stack.postgres.sql(DATABASE, "SELECT count(*) FROM cancellations")),
        }
    cell_json = [cell.as_json() for cell in cells]
    return {
        "how": HOW,
        "machine_note": MACHINE_NOTE.format(cpus=os.cpu_count()),
        "rate_limits": f"every rule {LIFTED} (lifted, still counted)",
        "rate_limit_keys_in_redis": keys,
        "cancellation_records": records,
        "cells": cell_json,
        "store_cost": store_cost(cell_json),
        "single_flight": flight_result,
    }


def sqlite_records(path: Path) -> int:
    """Cancellation records in the SQLite backend's file: proof its cancels went there."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM cancellations").fetchone()
    return int(count)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def store_cost(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PostgreSQL against SQLite at each client count: one process each, then two on PostgreSQL.

    "store side" is the backend processes' CPU plus the database server's: what the same cancels
    cost where the store differs; devshop, Redis and the client do the same work in every setup.
    """
    by_setup = {(c["store"], c["processes"], c["clients"]): c for c in cells}
    rows = []
    for (store, processes, clients), sqlite in by_setup.items():
        postgres = by_setup.get(("postgres", 1, clients))
        if (store, processes) != ("sqlite", 1) or postgres is None:
            continue
        two = by_setup.get(("postgres", 2, clients))
        postgres_side = postgres["backend_cpu_ms_per_req"] + postgres["postgres_cpu_ms_per_req"]
        rows.append(
            {
                "clients": clients,
                "cancels_per_s_postgres_over_sqlite": _ratio(
                    postgres["cancels_per_s"], sqlite["cancels_per_s"]
                ),
                "p50_postgres_over_sqlite": _ratio(postgres["p50_ms"], sqlite["p50_ms"]),
                "p99_postgres_over_sqlite": _ratio(postgres["p99_ms"], sqlite["p99_ms"]),
                "backend_cpu_ms_per_req_sqlite": sqlite["backend_cpu_ms_per_req"],
                "backend_cpu_ms_per_req_postgres": postgres["backend_cpu_ms_per_req"],
                "postgres_server_cpu_ms_per_req": postgres["postgres_cpu_ms_per_req"],
                "store_side_cpu_ms_per_req_sqlite": sqlite["backend_cpu_ms_per_req"],
                "store_side_cpu_ms_per_req_postgres": round(postgres_side, 3),
                "store_side_cpu_ms_per_req_postgres_2_processes": (
                    None
                    if two is None
                    else round(two["backend_cpu_ms_per_req"] + two["postgres_cpu_ms_per_req"], 3)
                ),
            }
        )
    return rows
