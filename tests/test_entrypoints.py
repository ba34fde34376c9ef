"""`python -m backend` and `python -m devshop` run alone, as the README says."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited with {process.returncode}; see its log"
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} not healthy after {seconds} s")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    backend_port, devshop_port = free_port(), free_port()
    backend, devshop = f"http://127.0.0.1:{backend_port}", f"http://127.0.0.1:{devshop_port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "development",
        "SHOPIFY_API_KEY": "devshop-api-key",
        "SHOPIFY_API_SECRET": "devshop-api-secret",
        "SHOPIFY_SHOP": "demo-shop.myshopify.com",
        "SHOPIFY_ACCESS_TOKEN": "shpat_devshop_demo_token",
        "SHOPIFY_ADMIN_BASE_URL": devshop,
        "SQLITE_PATH": str(tmp_path / "backend.sqlite3"),
        "HOST": "127.0.0.1",
        "PORT": str(backend_port),
        "DEVSHOP_PORT": str(devshop_port),
        "DEVSHOP_BACKEND_URL": backend,
    }
    logs = [(tmp_path / f"{name}.log").open("wb") for name in ("devshop", "backend")]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", name], cwd=tmp_path, env=env, stdout=log, stderr=log
        )
        for name, log in zip(("devshop", "backend"), logs, strict=True)
    ]
    try:
        wait_healthy(f"{devshop}/healthz", processes[0])
        wait_healthy(f"{backend}/healthz", processes[1])
        yield backend, devshop
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        for log in logs:
            log.close()


def test_backend_and_devshop_run_alone_and_cancel_over_the_network(
    servers: tuple[str, str],
) -> None:
    _, devshop = servers
    response = httpx.post(
        f"{devshop}/apps/cancel/graphql",
        json={
            "query": 'mutation { cancelOrder(input: {orderId: "5001", reason: "OTHER"}) '
            "{ __typename ... on CancelOrderSuccess { order { name status } } } }"
        },
        cookies={"devshop_customer": "demo-shop.myshopify.com:1001"},
        timeout=10.0,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["cancelOrder"] == {
        "__typename": "CancelOrderSuccess",
        "order": {"name": "#1001", "status": "PENDING"},
    }
    # Shopify's cancel job finishes a moment later; the note is on the order from then on.
    deadline = time.monotonic() + 10
    while (order := httpx.get(f"{devshop}/_devshop/orders/5001", timeout=5.0).json())[
        "cancelled_at"
    ] is None:
        assert time.monotonic() < deadline, order
        time.sleep(0.05)
    assert order["staff_note"] == "Cancelled by the customer: Other reason."


def test_backend_refuses_to_start_without_its_secret(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SHOPIFY_")}
    result = subprocess.run(
        [sys.executable, "-m", "backend"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert b"SHOPIFY_API_KEY and SHOPIFY_API_SECRET must be set" in result.stderr
