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
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devshop.seed import DemoCustomers
from devshop.settings import DEMO_ACCESS_TOKEN, DEMO_API_KEY, DEMO_API_SECRET

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SECRET = DEMO_API_SECRET
SHOP = "demo-shop"
CUSTOMER = DemoCustomers.ADA
# Orders devshop adds for the bench (ids FIRST_ORDER, FIRST_ORDER + 1, ...): all Ada's, one
# minute old, paid, unfulfilled, so each can be cancelled exactly once.
FIRST_ORDER = 100_000

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


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


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def spawn(name: str, module: str, env: dict[str, str], port: int, logs: Path) -> Server:
    """`python -m module` with `env`, output to `logs/name.log`; not yet known to be healthy."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return Server(name, process, f"http://{HOST}:{port}", log)


def wait_healthy(server: Server, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} not healthy after {seconds:.0f} s; see {server.log}")


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
    devshop_url = f"http://{HOST}:{ports['devshop']}"
    common = {
        "SHOPIFY_API_KEY": DEMO_API_KEY,
        "SHOPIFY_API_SECRET": SECRET,
        "SHOPIFY_SHOP": SHOP,
        "SHOPIFY_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
        "SHOPIFY_ADMIN_BASE_URL": devshop_url,
    }
    backend_env = {
        **common,
        # Settings refuse SHOPIFY_ADMIN_BASE_URL outside development; the launcher switches to
        # production afterwards (see bench.backend_server).
        "APP_ENV": "development",
        "BENCH_APP_ENV": app_env,
        "SQLITE_PATH": str(workdir / "backend.sqlite3"),
        "HOST": HOST,
        "PORT": str(ports["backend"]),
    }
    devshop_env = {
        **common,
        "DEVSHOP_HOST": HOST,
        "DEVSHOP_PORT": str(ports["devshop"]),
        "DEVSHOP_BACKEND_URL": f"http://{HOST}:{ports['backend']}",
        "BENCH_ORDERS": str(orders),
        "BENCH_FIRST_ORDER": str(FIRST_ORDER),
        "BENCH_LIFT_BUCKET": "1" if lift_bucket else "",
    }
    baseline_env = {
        **common,
        "APP_ENV": "development",
        "HOST": HOST,
        "PORT": str(ports["baseline"]),
    }
    servers: list[Server] = []
    try:
        # Started together, since none needs another to start; each is then polled.
        servers.append(
            spawn("devshop", "bench.devshop_server", devshop_env, ports["devshop"], workdir)
        )
        servers.append(
            spawn("backend", "bench.backend_server", backend_env, ports["backend"], workdir)
        )
        servers.append(
            spawn("baseline", "bench.baseline", baseline_env, ports["baseline"], workdir)
        )
        for server in servers:
            wait_healthy(server)
        devshop, backend, baseline = servers
        yield Stack(devshop, backend, baseline, orders=orders, app_env=app_env)
    finally:
        for server in reversed(servers):
            server.stop()
