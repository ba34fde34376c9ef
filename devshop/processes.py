"""devshop and the backend as real processes: for `make dev`, the end-to-end tests and the bench.

Each is `python -m <module>` on a loopback port, polled on `/healthz` until it answers; the
environment that makes the two talk to each other (the shared app secret, devshop's demo token,
devshop as the Admin API origin, devshop's proxy pointing at the backend) is `demo_env`'s.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from devshop.settings import DEMO_ACCESS_TOKEN, DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# Ports free_port() has handed out in this process: the kernel may give a port just closed back
# at once, and two servers told the same port look healthy while one of them has died.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on now, and none this process was given before."""
    while True:
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def demo_env(
    *, backend_port: int, devshop_port: int, sqlite_path: Path, **extra: str
) -> dict[str, str]:
    """What both processes need to run the demo shop together; `extra` adds or overrides."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "development",
        "SHOPIFY_API_KEY": DEMO_API_KEY,
        "SHOPIFY_API_SECRET": DEMO_API_SECRET,
        "SHOPIFY_SHOP": DEMO_SHOP,
        "SHOPIFY_ACCESS_TOKEN": DEMO_ACCESS_TOKEN,
        "SHOPIFY_ADMIN_BASE_URL": f"http://{HOST}:{devshop_port}",
        "SQLITE_PATH": str(sqlite_path),
        "HOST": HOST,
        "PORT": str(backend_port),
        "DEVSHOP_HOST": HOST,
        "DEVSHOP_PORT": str(devshop_port),
        "DEVSHOP_BACKEND_URL": f"http://{HOST}:{backend_port}",
    }
    # A REDIS_URL or DATABASE_URL from the caller's shell would silently share state.
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path | None

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def spawn(
    name: str,
    module: str,
    env: Mapping[str, str],
    port: int,
    *,
    log: Path | None = None,
    cwd: Path = ROOT,
) -> Server:
    """`python -m module` with `env`; output to `log`, or to this terminal when None."""
    if log is None:
        process = subprocess.Popen([sys.executable, "-m", module], cwd=cwd, env=dict(env))
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=cwd,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
    return Server(name, process, f"http://{HOST}:{port}", log)


def wait_healthy(server: Server, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log.read_text(errors="replace")[-3000:] if server.log else ""
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} not healthy after {seconds:.0f} s; see {server.log}")


@contextlib.contextmanager
def running(servers: Sequence[Server]) -> Iterator[Sequence[Server]]:
    """Wait until every server is healthy; stop them all when the block ends, however."""
    try:
        for server in servers:
            wait_healthy(server)
        yield servers
    finally:
        for server in reversed(servers):
            server.stop()


@contextlib.contextmanager
def demo_servers(
    workdir: Path, *, logs: Path | None = None, **extra_env: str
) -> Iterator[tuple[Server, Server]]:
    """devshop and the backend for the demo shop, healthy, on free ports; stopped at the end."""
    backend_port, devshop_port = free_port(), free_port()
    env = demo_env(
        backend_port=backend_port,
        devshop_port=devshop_port,
        sqlite_path=workdir / "backend.sqlite3",
        **extra_env,
    )
    devshop = spawn(
        "devshop", "devshop", env, devshop_port, log=logs and logs / "devshop.log", cwd=workdir
    )
    backend = spawn(
        "backend", "backend", env, backend_port, log=logs and logs / "backend.log", cwd=workdir
    )
    with running([devshop, backend]):
        yield devshop, backend
