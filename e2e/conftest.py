"""End-to-end flows in a real Chromium: devshop (storefront, App Proxy, Admin API) and the backend
run as real servers, as `python -m devshop` and `python -m backend` do in production-like use.

Every test starts from a freshly seeded devshop with no faults. The backend's SQLite records last
for the session, so each test cancels its own order (5001, 5011, 5013, 5014, 5015 are the
cancellable ones); a module that needs a backend with no history overrides `servers`.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from backend.ratelimit import RateLimits
from devshop.processes import ROOT, demo_servers

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ADA = 1001

CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root
    "--disable-gpu",
    # The network is closed: nothing may call home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config: pytest.Config) -> None:
    # CI machines are busy: wait up to 10 s (not 5) for the page to get where a test expects.
    expect.set_options(timeout=10_000)
    # Keep a trace and a screenshot of every failing test unless asked otherwise.
    if config.getoption("--tracing", "off") == "off":
        config.option.tracing = "retain-on-failure"
    if config.getoption("--screenshot", "off") == "off":
        config.option.screenshot = "only-on-failure"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the e2e tests, and run them after all others: Playwright's sync API keeps its own
    event loop running in the main thread from the first browser test to the end of the
    session, and pytest-asyncio cannot run an async test while it does."""
    here = Path(__file__).parent
    e2e = [item for item in items if here in item.path.parents]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    ids = {id(item) for item in e2e}
    items[:] = [item for item in items if id(item) not in ids] + e2e


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    chromium = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
    return {
        **browser_type_launch_args,
        "executable_path": chromium,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url() -> str | None:
    # Tests go to absolute URLs (`shop.url(...)`), as a module may run its own servers. This also
    # replaces pytest-playwright's fallback `base_url`, a session fixture defined as an instance
    # method, which pytest 9 deprecates (and `filterwarnings = error` turns into an error).
    return None


# -- servers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Servers:
    backend: str
    devshop: str


def results_dir(config: pytest.Config) -> Path:
    """pytest-playwright's `--output` (test-results/ by default): artifacts go there."""
    return Path(config.getoption("--output")).absolute()


def start_servers(name: str, tmp: Path, logs_dir: Path) -> Iterator[Servers]:
    """devshop and the backend on free ports, healthy; their logs kept in `logs_dir/name/`."""
    # Shopify "down" is answered with TRY_AGAIN after a second, not eight. One shopper runs every
    # flow against one backend: the rate limits (tested in tests/backend/ratelimit) are lifted.
    lifted = {RateLimits.variable(rule): "10000/minute" for rule in RateLimits.names()}
    servers = demo_servers(tmp, logs=logs_dir / name, ADMIN_RETRY_BUDGET="1.0", **lifted)
    with servers as (devshop, backend):
        yield Servers(backend=backend.url, devshop=devshop.url)


@pytest.fixture(scope="session")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("servers")
    yield from start_servers("session", tmp, results_dir(pytestconfig) / "logs")


# -- devshop, steered ----------------------------------------------------------------------------


class Shop:
    """devshop's storefront and its `/_devshop` controls."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.http = httpx.Client(base_url=servers.devshop, timeout=10.0)

    def url(self, path: str) -> str:
        return self.servers.devshop + path

    def reset(self) -> None:
        self.http.post("/_devshop/reset").raise_for_status()
        self.http.post("/_devshop/faults", json={"kind": "clear"}).raise_for_status()

    def fault(self, **body: Any) -> None:
        self.http.post("/_devshop/faults", json=body).raise_for_status()

    def create_order(self) -> int:
        """A new order for Ada, placed now; Shopify sends orders/create for it."""
        response = self.http.post("/_devshop/orders", json={"count": 1})
        response.raise_for_status()
        ids: list[int] = response.json()["ids"]
        return ids[0]

    def order(self, order_id: int) -> dict[str, Any]:
        response = self.http.get(f"/_devshop/orders/{order_id}")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def cancels(self) -> list[dict[str, Any]]:
        """The orderCancel calls Shopify executed (one a fault failed before it ran is not)."""
        response = self.http.get("/_devshop/calls", params={"field": "orderCancel"})
        response.raise_for_status()
        calls: list[dict[str, Any]] = response.json()["calls"]
        return [call for call in calls if call["executed"]]

    def wait_for_order(
        self, order_id: int, done: Callable[[dict[str, Any]], bool], seconds: float = 10
    ) -> dict[str, Any]:
        """Poll devshop (bounded) until the order satisfies `done`: Shopify's cancel job is
        asynchronous, so the order changes a moment after the storefront says so."""
        deadline = time.monotonic() + seconds
        while not done(order := self.order(order_id)):
            assert time.monotonic() < deadline, order
            time.sleep(0.05)
        return order

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def shop(servers: Servers) -> Iterator[Shop]:
    shop = Shop(servers)
    shop.reset()
    try:
        yield shop
    finally:
        shop.close()


@pytest.fixture
def ada(page: Page, shop: Shop) -> Page:
    """The page, signed in as Ada (customer 1001)."""
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    return page


def open_order(page: Page, shop: Shop, order_id: int, query: str = "") -> None:
    """Go to one of Ada's orders and wait until the block has heard from the app."""
    page.goto(shop.url(f"/account/orders/{order_id}{query}"))
    expect(page.locator("order-cancel")).not_to_have_attribute("aria-busy", "true")


def cancel_button(page: Page) -> Locator:
    """The order page's "Cancel order" button (the dialog's has the same name: it is modal)."""
    return page.locator("order-cancel [data-open]")


# -- helpers ---------------------------------------------------------------------------------------


@pytest.fixture
def snap(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Save a screenshot of the page's current state under test-results/screenshots/."""
    folder = results_dir(request.config) / "screenshots"
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)

    def take(state: str) -> None:
        page.screenshot(path=folder / f"{test}--{state}.png", full_page=True)

    return take
