"""The UI extensions in devshop's extension host: cancel from the thank-you page (as a guest
and signed in) and from the customer account order action menu, against the real backend.

The host frames each target cross-origin to the backend, so the CORS preflight and the
session token run as they do in Shopify. The module runs its own servers: it cancels orders
other modules cancel too, and the backend remembers cancellations for its whole life.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from devshop.processes import ROOT
from e2e.conftest import ADA, Servers, Shop, results_dir, start_servers


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    # The host serves the bundles from extensions/*/dist/: build them first.
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    tmp = tmp_path_factory.mktemp("ui-extensions")
    yield from start_servers("ui-extensions", tmp, results_dir(pytestconfig) / "logs")


def done(name: str) -> re.Pattern[str]:
    return re.compile(f"Order {name} has been cancelled|We're cancelling order {name}")


def test_guest_cancels_from_the_thank_you_page(page: Page, shop: Shop) -> None:
    page.goto(shop.url("/extensions/thank-you?order=5001"))
    block = page.frame_locator("iframe")
    expect(block.get_by_role("heading", name="Changed your mind?")).to_be_visible()
    expect(block.get_by_text("You can cancel until")).to_be_visible()
    block.get_by_role("button", name="Cancel this order").click()

    block.get_by_role("radio", name="Wrong size or colour").check()
    block.get_by_role("textbox", name="Anything else we should know?").fill("Guest, wrong size")
    block.get_by_role("button", name="Cancel order").click()

    expect(block.get_by_role("status")).to_contain_text(done("#1001"))
    order = shop.wait_for_order(5001, lambda o: o["cancelled_at"] is not None)
    assert "Guest, wrong size" in order["staff_note"]


def test_reason_is_required_before_cancelling(page: Page, shop: Shop) -> None:
    page.goto(shop.url("/extensions/thank-you?order=5013"))
    block = page.frame_locator("iframe")
    block.get_by_role("button", name="Cancel this order").click()
    block.get_by_role("button", name="Cancel order").click()
    expect(block.get_by_role("alert")).to_have_text("Please choose one of the reasons listed.")
    assert shop.cancels() == []


def test_signed_in_customer_cancels_from_the_thank_you_page(page: Page, shop: Shop) -> None:
    page.goto(shop.url(f"/extensions/thank-you?order=5011&customer={ADA}"))
    block = page.frame_locator("iframe")
    block.get_by_role("button", name="Cancel this order").click()
    block.get_by_role("radio", name="I ordered by mistake").check()
    block.get_by_role("button", name="Cancel order").click()
    expect(block.get_by_role("status")).to_contain_text(done("#1011"))
    shop.wait_for_order(5011, lambda o: o["cancelled_at"] is not None)


def test_blocked_order_says_why_on_the_thank_you_page(page: Page, shop: Shop) -> None:
    page.goto(shop.url(f"/extensions/thank-you?order=5002&customer={ADA}"))
    block = page.frame_locator("iframe")
    expect(block.get_by_role("status")).to_have_text("Your order is already being packed.")
    expect(block.get_by_role("button", name="Cancel this order")).to_have_count(0)


def test_customer_cancels_from_the_order_action_menu(page: Page, shop: Shop) -> None:
    page.goto(shop.url(f"/extensions/order-action?order=5014&customer={ADA}"))
    menu = page.frame_locator("iframe.menu")
    menu.get_by_role("button", name="Cancel order").click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    modal = page.frame_locator("dialog iframe")
    expect(modal.get_by_role("heading", name="Cancel order #1014?")).to_be_visible()
    modal.get_by_role("radio", name="Wrong delivery address").check()
    modal.get_by_role("button", name="Cancel order").click()
    expect(modal.get_by_role("status")).to_contain_text(done("#1014"))
    modal.get_by_role("button", name="Close").click()

    expect(dialog).to_be_hidden()
    shop.wait_for_order(5014, lambda o: o["cancelled_at"] is not None)
    # The order page renders its menu again: nothing left to cancel.
    expect(menu.locator("body[data-rendered]")).to_have_count(1)
    expect(menu.get_by_role("button", name="Cancel order")).to_have_count(0)


def test_order_action_menu_is_empty_for_an_order_that_cannot_be_cancelled(
    page: Page, shop: Shop
) -> None:
    page.goto(shop.url(f"/extensions/order-action?order=5003&customer={ADA}"))
    menu = page.frame_locator("iframe.menu")
    expect(menu.locator("body[data-rendered]")).to_have_count(1)
    expect(menu.get_by_role("button")).to_have_count(0)
