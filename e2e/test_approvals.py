"""Approvals (issue 14) in a real browser: the merchant turns approval on in App Home, the
customer's cancel becomes a request ("Requested: the shop will confirm", on the theme block and
in the order action extension), the customer withdraws one (on the block, and in the order
action extension), and the merchant approves another on the Requests screen (axe clean), which
cancels the order."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from devshop.processes import ROOT
from e2e.conftest import ADA, Servers, Shop, cancel_button, open_order, results_dir, start_servers
from e2e.test_admin_screens import app_frame, open_admin, serious_violations

REQUESTED = re.compile(r"Requested at .+: the shop will confirm\.")


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    # The rules saved here ask for approval: a backend of our own. The extension host serves
    # the UI extensions' bundles from extensions/*/dist/: build them first.
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    tmp = tmp_path_factory.mktemp("approvals")
    yield from start_servers("approvals", tmp, results_dir(pytestconfig) / "logs")


def turn_approval_on(page: Page, shop: Shop) -> None:
    admin = open_admin(page, shop, path="/rules")
    admin.get_by_role("radio", name="Yes, every cancellation").check()
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_have_text("Rules saved.")


def request_on_the_block(page: Page, shop: Shop, order_id: int) -> None:
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, order_id)
    cancel_button(page).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="Wrong size or colour").check()
    dialog.get_by_role("button", name="Cancel order").click()
    expect(page.locator("order-cancel [data-info]")).to_have_text(REQUESTED)


def open_requests(page: Page, shop: Shop) -> FrameLocator:
    return open_admin(page, shop, path="/requests")


def test_the_customer_requests_and_the_merchant_approves(page: Page, shop: Shop) -> None:
    turn_approval_on(page, shop)
    order_id = shop.create_order()

    request_on_the_block(page, shop, order_id)
    expect(page.get_by_role("button", name="Withdraw request")).to_be_visible()
    assert shop.cancels() == []
    open_order(page, shop, order_id)  # the state survives a reload
    expect(page.locator("order-cancel [data-info]")).to_have_text(REQUESTED)

    requests = open_requests(page, shop)
    name = shop.order(order_id)["name"]
    row = requests.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Wrong size or colour")
    assert serious_violations(app_frame(page)) == []
    row.get_by_role("checkbox").check()
    requests.get_by_role("button", name="Approve selected").click()
    expect(row).to_contain_text("Approved: the order is being cancelled.")
    assert serious_violations(app_frame(page)) == []

    shop.wait_for_order(order_id, lambda o: o["cancelled_at"] is not None)
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, order_id)
    expect(page.locator("order-cancel [data-info]")).to_have_text("This order has been cancelled.")


def test_the_customer_withdraws_a_request(page: Page, shop: Shop) -> None:
    turn_approval_on(page, shop)
    # A seeded order: devshop's reset gives a new order the id the first test's order had,
    # and this backend remembers that one's cancellation.
    order_id = 5015
    request_on_the_block(page, shop, order_id)

    page.get_by_role("button", name="Withdraw request").click()

    expect(page.get_by_role("status").filter(has_text="withdrawn")).to_have_text(
        "Your request to cancel has been withdrawn."
    )
    expect(cancel_button(page)).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw request")).to_be_hidden()
    requests = open_requests(page, shop)
    expect(requests.get_by_text("No requests are waiting.")).to_be_visible()


def test_the_order_action_extension_shows_the_request(page: Page, shop: Shop) -> None:
    turn_approval_on(page, shop)
    page.goto(shop.url(f"/extensions/order-action?order=5014&customer={ADA}"))
    page.frame_locator("iframe.menu").get_by_role("button", name="Cancel order").click()
    modal = page.frame_locator("dialog iframe")
    modal.get_by_role("radio", name="Wrong delivery address").check()
    modal.get_by_role("button", name="Cancel order").click()

    expect(modal.get_by_text(REQUESTED)).to_be_visible()
    assert shop.cancels() == []
    assert shop.order(5014)["cancelled_at"] is None


def test_the_customer_withdraws_a_request_in_the_order_action_extension(
    page: Page, shop: Shop
) -> None:
    turn_approval_on(page, shop)
    # A seeded order no other test here asks about (this backend remembers requests).
    page.goto(shop.url(f"/extensions/order-action?order=5011&customer={ADA}"))
    menu = page.frame_locator("iframe.menu")
    menu.get_by_role("button", name="Cancel order").click()
    modal = page.frame_locator("dialog iframe")
    modal.get_by_role("radio", name="Wrong size or colour").check()
    modal.get_by_role("button", name="Cancel order").click()
    expect(modal.get_by_text(REQUESTED)).to_be_visible()
    modal.get_by_role("button", name="Close").click()

    # Later, on the order page: the menu offers to take the request back.
    expect(page.get_by_role("dialog")).to_be_hidden()
    menu.get_by_role("button", name="Withdraw cancel request").click()
    expect(modal.get_by_text(REQUESTED)).to_be_visible()
    modal.get_by_role("button", name="Withdraw request").click()

    expect(modal.get_by_text("Your request to cancel has been withdrawn.")).to_be_visible()
    modal.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(menu.get_by_role("button", name="Cancel order")).to_be_visible()
    assert shop.cancels() == []
    assert shop.order(5011)["cancelled_at"] is None
