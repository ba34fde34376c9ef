"""The backend as real processes: its JSON logs (uvicorn's own lines too), and metrics summed
over several worker processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devshop.processes import demo_env, demo_servers, free_port, running, spawn
from tests.backend.observability.test_metrics import parse, value
from tests.signed_proxy import signed_url

TOKEN = "metrics-token-for-processes"
NOTE = "Please cancel, reach me at ada.lovelace@example.com"
CANCEL = {
    "query": "mutation C($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename } }",
    "variables": {"input": {"orderId": "5001", "reason": "OTHER", "note": NOTE}},
}


def lines(log: Path) -> list[dict[str, Any]]:
    """Every line the process wrote, each of which must be one JSON object."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A cancel (through devshop's proxy), a forged request and a webhook; the backend's log."""
    tmp_path = tmp_path_factory.mktemp("logged")
    with demo_servers(tmp_path, logs=tmp_path) as (devshop, backend):
        ada = {"devshop_customer": "demo-shop.myshopify.com:1001"}
        with httpx.Client(timeout=10.0) as client, httpx.Client(cookies=ada) as shopper:
            cancelled = shopper.post(f"{devshop.url}/apps/cancel/graphql", json=CANCEL)
            assert cancelled.json()["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess"
            forged_url = signed_url().replace("signature=", "signature=f0")
            forged = client.post(
                f"{backend.url}{forged_url}", json=CANCEL, headers={"X-Request-Id": "forged-1"}
            )
            assert forged.status_code == 401
            assert forged.headers["x-request-id"] == "forged-1"
            webhook = client.post(
                f"{devshop.url}/_devshop/webhooks",
                json={"topic": "app/uninstalled", "payload": {"id": 1}},
            )
            assert webhook.status_code == 200, webhook.text
        yield forged_url, tmp_path / "backend.log"


def test_one_json_line_per_request_with_id_route_shop_status_outcome_duration(
    logged: tuple[str, Path],
) -> None:
    _, log = logged
    requests = [line for line in lines(log) if line["logger"] == "backend.access"]
    by_outcome = {line["outcome"]: line for line in requests}
    for line in requests:
        assert set(line) >= {
            "time",
            "level",
            "request_id",
            "route",
            "shop",
            "status",
            "outcome",
            "duration_ms",
        }
    cancel = by_outcome["cancelled"]
    assert (cancel["route"], cancel["shop"], cancel["status"]) == (
        "/proxy/graphql",
        "demo-shop",
        200,
    )
    forged = by_outcome["unauthenticated"]
    assert (forged["route"], forged["shop"], forged["status"]) == ("/proxy/graphql", None, 401)
    assert forged["request_id"] == "forged-1"
    webhook = by_outcome["webhook:accepted"]
    assert (webhook["route"], webhook["shop"]) == ("/webhooks", "demo-shop")
    assert len({line["request_id"] for line in requests}) == len(requests)


def test_uvicorns_own_lines_are_json_with_query_strings_redacted(
    logged: tuple[str, Path],
) -> None:
    _, log = logged
    written = lines(log)
    assert any(line["logger"] == "uvicorn.error" for line in written)  # "Started server process"
    access = [line for line in written if line["logger"] == "uvicorn.access"]
    proxied = [line for line in access if line["path"].startswith("/proxy/graphql?")]
    assert proxied
    for line in proxied:
        assert "signature=[redacted]" in line["path"]
        assert "logged_in_customer_id=[redacted]" in line["path"]
        assert line["request_id"]


def test_no_secret_token_signature_note_or_email_reaches_the_log(
    logged: tuple[str, Path],
) -> None:
    forged_url, log = logged
    text = log.read_text()
    signature = forged_url.split("signature=")[1].split("&")[0]
    secrets = (signature, "customer_id=1001", "Customer/1001", "ada.lovelace", "example.com")
    for secret in (*secrets, "Please cancel", "shpat_", "Bearer ey"):
        assert secret not in text, secret


def test_metrics_add_up_over_two_worker_processes(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    ports = free_port(), free_port()
    workers = [
        spawn(
            f"backend-{n}",
            "backend",
            demo_env(
                backend_port=port,
                devshop_port=free_port(),
                sqlite_path=tmp_path / "backend.sqlite3",
                METRICS_TOKEN=TOKEN,
                PROMETHEUS_MULTIPROC_DIR=str(shared),
            ),
            port,
            log=tmp_path / f"backend-{n}.log",
            cwd=tmp_path,
        )
        for n, port in enumerate(ports)
    ]
    healthz = {"route": "/healthz", "method": "GET", "status": "200"}
    with running(workers), httpx.Client(timeout=10.0) as client:

        def scrape(url: str) -> float:
            response = client.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200, response.text
            return value(parse(response.text), "cancel_button_http_requests_total", **healthz)

        first, second = workers
        before = scrape(first.url)
        for _ in range(3):
            assert client.get(f"{first.url}/healthz").status_code == 200
        for _ in range(5):
            assert client.get(f"{second.url}/healthz").status_code == 200
        # Either worker answers for both.
        assert scrape(second.url) == before + 8
        assert scrape(first.url) == before + 8
