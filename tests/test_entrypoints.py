"""`python -m backend` and `python -m devshop` run alone, as the README says."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devshop.processes import ROOT, demo_servers


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[str, str]]:
    with demo_servers(tmp_path, logs=tmp_path) as (devshop, backend):
        yield backend.url, devshop.url


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
