"""The three servers a run measures, each a real uvicorn process on a free loopback port.

- devshop (`bench.devshop_server`): `python -m devshop`'s app with the bench's orders added and,
  for the load figures, its leaky bucket lifted (see that module for why and what it needs);
- the backend (`bench.backend_server`): `python -m backend`'s app and uvicorn arguments, in
  single-shop mode against devshop;
- the baseline (`bench.baseline`): the bare Starlette endpoint the backend is compared with.

Processes are read from `/proc`: resident size (`VmRSS`) and CPU time (`utime + stime`), so a
figure can say how much of a machine each side used.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from backend.ratelimit import RateLimits
from devshop.processes import Server, demo_env, free_port, running, spawn
from devshop.seed import DemoCustomers
from devshop.settings import DEMO_API_SECRET

if TYPE_CHECKING:
    from tests.postgres_server import PostgresServer

SECRET = DEMO_API_SECRET
SHOP = "demo-shop"
CUSTOMER = DemoCustomers.ADA
# Orders devshop adds for the bench (ids FIRST_ORDER, FIRST_ORDER + 1, ...): all Ada's, one
# minute old, paid, unfulfilled, so each can be cancelled exactly once.
FIRST_ORDER = 100_000

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB, as the kernel counts it (`VmRSS`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time `pid` has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    # Fields 14 and 15 of proc(5), counted after the command name (fields 1-2).
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and its children, those still running and those gone.

    For a server that forks a process per connection (PostgreSQL's postmaster): the children
    alive now are read one by one; a child that has exited and been waited for is in the
    parent's cutime + cstime. Grandchildren are not looked for (PostgreSQL has none).
    """
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    # utime, stime, cutime, cstime: fields 14-17 of proc(5).
    total = sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(pid):
            continue
        try:
            child = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile: its time is in the parent's cutime once waited for
        rest = child[child.rindex(")") + 2 :].split()
        if int(rest[1]) == pid:
            total += (int(rest[11]) + int(rest[12])) / _CLOCK_TICKS
    return total


def postmaster_pid(server: PostgresServer) -> int:
    """A private cluster's postmaster, from the first line of its `postmaster.pid`."""
    return int((server.data / "postmaster.pid").read_text().splitlines()[0])


@dataclass
class Stack:
    devshop: Server
    backend: Server
    baseline: Server
    orders: int  # how many bench orders devshop holds, from FIRST_ORDER on
    app_env: str


@contextlib.contextmanager
def running_stack(
    workdir: Path, *, orders: int, app_env: str = "production", lift_bucket: bool = True
) -> Iterator[Stack]:
    """devshop, the backend and the baseline, until the block ends."""
    ports = {name: free_port() for name in ("devshop", "backend", "baseline")}
    env = demo_env(
        backend_port=ports["backend"],
        devshop_port=ports["devshop"],
        sqlite_path=workdir / "backend.sqlite3",
        # Settings refuse SHOPIFY_ADMIN_BASE_URL outside development; the backend's launcher
        # switches to production afterwards (see bench.backend_server).
        BENCH_APP_ENV=app_env,
        BENCH_ORDERS=str(orders),
        BENCH_FIRST_ORDER=str(FIRST_ORDER),
        BENCH_LIFT_BUCKET="1" if lift_bucket else "",
        # One customer sends every request: lift the limits, keep their cost in the timings.
        **{RateLimits.variable(rule): "10000000/minute" for rule in RateLimits.names()},
    )
    modules = {
        "devshop": "bench.devshop_server",
        "backend": "bench.backend_server",
        "baseline": "bench.baseline",
    }
    # Started together, since none needs another to start; then each is polled.
    servers = [
        spawn(
            name,
            module,
            {**env, "PORT": str(ports["baseline"])} if name == "baseline" else env,
            ports[name],
            log=workdir / f"{name}.log",
        )
        for name, module in modules.items()
    ]
    with running(servers):
        devshop, backend, baseline = servers
        yield Stack(devshop, backend, baseline, orders=orders, app_env=app_env)
