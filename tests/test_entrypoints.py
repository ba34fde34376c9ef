"""`python -m backend` and `python -m devshop` run alone, as the README says."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.store.migrate import head
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


def backend_command(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if not key.startswith("SHOPIFY_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=tmp_path,
        env={
            **base,
            "PYTHONPATH": str(ROOT),
            "SHOPIFY_API_KEY": "key",
            "SHOPIFY_API_SECRET": "a-secret-of-the-app-32-bytes-long",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_token_encryption_keys(tmp_path: Path) -> None:
    result = backend_command(tmp_path)

    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS must be set in production" in result.stderr


def test_migrate_brings_a_new_database_to_the_newest_schema_and_rotate_keys_runs(
    tmp_path: Path,
) -> None:
    key = backend_command(tmp_path, "new-key").stdout.strip()
    env = {"TOKEN_ENCRYPTION_KEYS": key, "SQLITE_PATH": str(tmp_path / "db.sqlite3")}

    migrated = backend_command(tmp_path, "migrate", **env)
    rotated = backend_command(tmp_path, "rotate-keys", **env)

    assert migrated.returncode == 0, migrated.stderr
    assert "newest schema" in migrated.stdout
    assert rotated.returncode == 0 and "0 tokens" in rotated.stdout, rotated.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    conn.close()
    assert version == head()


def test_migrate_against_an_unreachable_database_says_so(tmp_path: Path) -> None:
    key = backend_command(tmp_path, "new-key").stdout.strip()
    result = backend_command(
        tmp_path,
        "migrate",
        TOKEN_ENCRYPTION_KEYS=key,
        DATABASE_URL="postgresql://nobody:pw@127.0.0.1:1/none",
        DATABASE_TIMEOUT="2",
    )

    assert result.returncode != 0
    assert "the database is unavailable" in result.stderr
    assert "pw@" not in result.stderr  # the password never reaches a log
