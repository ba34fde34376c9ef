"""One benchmark run: start the servers, measure each part, judge the targets, write the results.

Order matters. The Shopify cost (part 3) goes first, while devshop's call log is short. The
throughput cells (part 1) follow, then the memory top-up (part 6) to 10,000 requests on the same
backend process, then the in-process profile (part 2), against the same devshop while the
backend and baseline processes sit idle. Scale (part 5) comes next, with processes of its own
(PostgreSQL, Redis, devshop, three backends) started once the others have stopped, and the
insights (part 7) next, on a PostgreSQL cluster and a SQLite file of their own, with nothing
else of the bench running, and the order events (part 8), on a devshop of their own whose
bucket is Shopify's standard one; the fulfilment holds (part 9) and the partial cancels and fee
(part 10) last, each in a process-internal stack of its own.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import (
    cost,
    edits,
    events,
    holds,
    insights,
    memory,
    partial,
    profile,
    report,
    scale,
    targets,
    throughput,
    weight,
)
from bench.servers import rss_kib, running_stack
from devshop.processes import ROOT

RESULTS = ROOT / "bench" / "results.json"


def _prose(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Plan:
    mode: str
    clients: tuple[int, ...]
    requests: int  # counted per cell
    warmup: int  # per cell, not counted
    rounds: int  # each cell's requests in this many rounds, alternating ours and the baseline
    time_cap: float  # seconds per cell
    memory_target: int
    profile_requests: int
    profile_warmup: int
    settle: float  # seconds to wait for an action's background Admin calls (part 3)
    # Part 5 (its own processes): client counts, and how many identical cancels test the
    # single flight; its cells take `requests`, `warmup`, `rounds` and `time_cap` from above.
    scale_clients: tuple[int, ...] = (10, 50)
    scale_flight: int = 100
    # Part 7: attempts per shop, and timed runs per figure after the first (at least).
    insights_sizes: tuple[int, ...] = insights.SIZES
    insights_repeats: tuple[tuple[str, int], ...] = (("insights", 5), ("csv", 2))
    # Part 8 (its own devshop on the standard bucket and backends): order events.
    events: events.EventsPlan = events.FULL
    # Part 9: orders whose windows close together.
    holds_orders: int = holds.QUICK_SIZE
    # Part 10: orders cancelled per kind (whole, partial, with a fee).
    partial_orders: int = partial.QUICK_SIZE
    # Part 11: edits of each kind.
    edits_per_kind: int = edits.QUICK_SIZE

    @property
    def orders(self) -> int:
        """Bench orders devshop needs: every cancel cell's and profiled cancel's, both sides,
        plus part 3's 61."""
        cells = 2 * len(self.clients) * (self.requests + self.warmup)
        return cells + 2 * (self.profile_requests + self.profile_warmup) + 100


FULL = Plan(
    "full",
    (1, 10, 50),
    500,
    50,
    5,
    12.0,
    10_000,
    400,
    30,
    1.5,
    holds_orders=holds.SIZE,
    partial_orders=partial.SIZE,
    edits_per_kind=edits.SIZE,
)
QUICK = Plan(
    "quick",
    (1, 4),
    12,
    3,
    2,
    5.0,
    0,
    15,
    3,
    0.5,
    scale_clients=(4,),
    scale_flight=20,
    insights_sizes=(1_000,),
    insights_repeats=(("insights", 2), ("csv", 1)),
    events=events.QUICK,
)

THROUGHPUT_HOW = _prose(
    """
How: devshop, the backend and the baseline run as uvicorn processes (one worker each) on
loopback; devshop answers the Admin API with no injected latency and its rate-limit bucket
lifted (see bench/devshop_server.py). N closed-loop clients (one asyncio process, one kept-alive
connection each) POST straight to the backend's /proxy/graphql, each request signed afresh as
Shopify's App Proxy signs it (shop, logged_in_customer_id=Ada, path_prefix, timestamp,
HMAC-SHA256), so devshop's proxy hop is left out but every Admin request goes to devshop.
'order' asks for one cancellable order; 'cancelOrder' cancels a fresh order each time (all
succeed). The baseline (bench/baseline.py) does the same signature check with shopifyapp and the
same Admin request(s) - one for order, two (OrderForCancel + orderCancel) for cancel - through
an httpx client built by the backend's own admin_http_client, and returns JSON. Each cell: a
warm-up, not counted, then n requests in 5 rounds alternating with the baseline's; latency is
the client's wall time per request, p50/p99 nearest-rank; req/s = n / wall time of the cell; 'x'
columns are ours / baseline. CPU ms per request is the process's utime+stime over the counted
requests (/proc/<pid>/stat) divided by n.
"""
)

PROFILE_HOW = _prose(
    """
How: the backend's app (production settings) and the baseline's in this process, their Admin
requests going over loopback to the devshop process, so devshop's work is excluded by
construction (its CPU per request is shown for scale). Signed requests are handed to the ASGI
app directly, one after another, after a warm-up. A SIGPROF sampler (on process CPU time, at the
kernel's tick; no per-call hook) files each sample under the innermost layer on the stack
(bench/profile.py LAYERS); 'store' includes the SQLite thread's CPU, 'httpx' includes httpcore
and the client socket. 'uvicorn (derived)' = the server's CPU per request over the network at 1
client (part 1) minus its in-process CPU here.
"""
)

COST_HOW = _prose(
    """
How: one signed request per action to the backend; devshop's /_devshop/calls read before, right
after the answer, and again a moment later (1.5 s; 0.5 s with --quick) for calls made in the
background. Points follow Shopify's published cost rules as devshop implements them: 'requested'
is reserved from the shop's bucket before a query runs (must fit in it: 2000 points standard),
'actual' stays spent. 'per s at 100 pts/s': actions a shop on Shopify's standard refill rate
sustains (actual points, background included).
"""
)

MEMORY_HOW = _prose(
    """
How: VmRSS of the backend's pid from /proc/<pid>/status: idle once /healthz answered, then after
every request of the run so far (part 1's checks and cancels, warm-ups included, and part 3's),
topped up with eligibility checks from 10 clients to 10,000, read at checkpoints so growth that
has not levelled off shows.
"""
)


def _git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT).returncode != 0
    except OSError:
        return "unknown"
    return f"{commit}{' (uncommitted changes)' if dirty else ''}" if commit else "unknown"


def _versions() -> dict[str, str]:
    names = ("starlette", "strawberry-graphql", "graphql-core", "uvicorn", "httpx", "shopifyapp")
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run(plan: Plan, *, app_env: str, client: str, say: Any = print) -> dict[str, Any]:
    results: dict[str, Any] = {
        "meta": {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _git_commit(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "app_env": app_env,
            "client": client,
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
            "mode": plan.mode,
            "plan": dataclasses.asdict(plan),
            "versions": _versions(),
        }
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        say(f"starting devshop, backend and baseline ({plan.orders} bench orders) ...")
        with running_stack(Path(workdir), orders=plan.orders, app_env=app_env) as stack:
            mem = memory.Memory(rss_kib(stack.backend.pid), rss_kib(stack.baseline.pid))
            fresh = throughput.FreshOrders(stack.orders)
            say("3. Shopify cost per action ...")
            actions = cost.run(stack, fresh, settle=plan.settle)
            results["shopify_cost"] = {
                "how": COST_HOW,
                "actions": [action.as_json() for action in actions],
            }
            say("1. throughput and latency ...")
            cells = throughput.run(
                stack,
                fresh,
                clients=plan.clients,
                requests=plan.requests,
                warmup=plan.warmup,
                rounds=plan.rounds,
                time_cap=plan.time_cap,
                client=client,
                report=say,
            )
            results["throughput"] = {"how": THROUGHPUT_HOW, "cells": [c.as_json() for c in cells]}
            served = len(actions) + sum(
                c.warmup_requests + c.result.requests for c in cells if c.side == "ours"
            )
            say(f"6. memory: topping up to {plan.memory_target} requests ...")
            memory.top_up(stack, mem, served, target=plan.memory_target)
            results["memory"] = {"how": MEMORY_HOW, **mem.as_json()}
            say("4. storefront weight ...")
            results["storefront_weight"] = weight.run(stack.devshop)
            say("2. in-process profile ...")
            profiles = profile.run(stack.devshop, fresh, plan.profile_requests, plan.profile_warmup)
            results["profile"] = {
                "how": PROFILE_HOW,
                "cases": {p.name: p.as_json() for p in profiles},
                "uvicorn_cpu_ms": _uvicorn_share(results, profiles),
            }
        say("5. scale: SQLite vs PostgreSQL, one backend process vs two ...")
        results["scale"] = scale.run(
            Path(workdir) / "scale",
            clients=plan.scale_clients,
            requests=plan.requests,
            warmup=plan.warmup,
            rounds=plan.rounds,
            time_cap=plan.time_cap,
            flight=plan.scale_flight,
            client=client,
            app_env=app_env,
            report=say,
        )
        say(f"7. insights and CSV export: {', '.join(map(str, plan.insights_sizes))} attempts ...")
        results["insights"] = insights.run(
            Path(workdir) / "insights",
            sizes=plan.insights_sizes,
            repeats=dict(plan.insights_repeats),
            report=say,
        )
        say("8. order events: today's design and the mirror, on the standard bucket ...")
        results["order_events"] = events.run(
            Path(workdir) / "events", plan.events, app_env=app_env, report=say
        )
    say(f"9. fulfilment holds: {plan.holds_orders} orders whose windows close together ...")
    results["holds"] = holds.measure_sync(plan.holds_orders)
    say(f"10. partial cancels and the fee: {plan.partial_orders} orders of each kind ...")
    results["partial_cancels"] = partial.measure_sync(plan.partial_orders)

    say(f"11. edits instead of cancels: {plan.edits_per_kind} of each kind ...")
    results["edits"] = edits.measure_sync(plan.edits_per_kind)
    results["targets"] = targets.judge(results)
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    return results


def _uvicorn_share(results: dict[str, Any], profiles: list[profile.LayerProfile]) -> dict[str, Any]:
    """Network CPU per request at the lowest client count minus the in-process figure."""
    cells = results["throughput"]["cells"]
    lowest = min(c["clients"] for c in cells)
    network = {
        (c["operation"], c["side"]): c["server_cpu_ms_per_req"]
        for c in cells
        if c["clients"] == lowest
    }
    pairs = {
        "order (eligibility check)": ("order", "ours"),
        "cancelOrder": ("cancelOrder", "ours"),
        "baseline order": ("order", "baseline"),
        "baseline cancel": ("cancelOrder", "baseline"),
    }
    return {
        p.name: round(network[pairs[p.name]] - p.total_ms, 3)
        for p in profiles
        if pairs.get(p.name) in network
    }


def write(results: dict[str, Any], path: Path = RESULTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def show(results: dict[str, Any]) -> str:
    return report.render(results)
