"""The merchant in devshop's admin: App Home framed as Shopify frames it, offline (Shopify's CDN
is blocked, so App Bridge and Polaris never load and the page stands on its own HTML)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import FrameLocator, Page, Route, expect

from e2e.conftest import ADA, Servers, Shop, cancel_button, open_order, results_dir, start_servers

SHOP_ZONE = ZoneInfo("Europe/Amsterdam")  # devshop's demo shop


def statuses(order: dict[str, Any]) -> list[str]:
    return [fo["status"] for fo in order["fulfillment_orders"]]


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    # Rules saved here would change every later test's storefront: a backend of our own.
    tmp = tmp_path_factory.mktemp("admin-servers")
    yield from start_servers("admin", tmp, results_dir(pytestconfig) / "logs")


@pytest.fixture
def admin(page: Page, shop: Shop) -> FrameLocator:
    """devshop's admin with App Home in its frame; Shopify's CDN unreachable, as here it is."""

    def offline(route: Route) -> None:
        route.abort()

    page.route("https://cdn.shopify.com/**", offline)
    page.goto(shop.url("/admin"))
    frame = page.frame_locator('iframe[title="Cancel button"]')
    expect(frame.get_by_role("button", name="Save rules")).to_be_visible()
    return frame


def test_the_customers_block_follows_a_shorter_window(
    admin: FrameLocator, page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    window = admin.get_by_label("Window (minutes after the order is placed)")
    expect(window).to_have_value("60")
    window.fill("5")
    snap("window-5")
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_have_text("Rules saved.")
    snap("saved")

    # Order 5011 is ten minutes old: open under an hour, closed under five minutes.
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, 5011)
    expect(cancel_button(page)).to_be_hidden()
    expect(page.get_by_text("The time to cancel this order online has run out.")).to_be_visible()
    snap("customer-window-closed")


def test_a_mistake_is_named_next_to_its_field(
    admin: FrameLocator, snap: Callable[[str], None]
) -> None:
    admin.get_by_label("Daily cutoff (shop time, HH:MM)").fill("")
    first_code = admin.get_by_role("textbox", name="Code").first
    first_code.fill("wrong size")
    admin.get_by_role("button", name="Save rules").click()

    expect(admin.get_by_role("alert").filter(has_text="needs attention")).to_be_visible()
    expect(first_code).to_have_attribute("aria-invalid", "true")
    expect(first_code).to_be_focused()
    expect(admin.get_by_text(re.compile("capital letters, digits or underscores"))).to_have_count(2)
    snap("invalid-code")


def test_the_insights_render_their_charts(
    page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    # Order 5013 is two minutes old: cancellable whether or not the window test ran first.
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, 5013)
    cancel_button(page).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("radio", name="Wrong size or colour").check()
    dialog.get_by_role("textbox").fill("Needed a medium")
    dialog.get_by_role("button", name="Cancel order").click()
    expect(dialog).to_be_hidden()

    page.route("https://cdn.shopify.com/**", lambda route: route.abort())
    page.goto(shop.url("/admin"))
    admin = page.frame_locator('iframe[title="Cancel button"]')
    over_time = admin.get_by_role("img", name="Cancellations per day")
    expect(over_time).to_be_visible()
    expect(admin.get_by_role("img", name="Cancellations by reason")).to_be_visible()
    expect(admin.get_by_role("img", name="Refused attempts by cause")).to_be_visible()
    expect(admin.locator('[data-figure="cancellations"]')).to_have_text("1")
    expect(over_time.locator("rect.chart__bar[height]:not([height='0.0'])")).to_have_count(1)
    expect(admin.get_by_text("“Needed a medium”")).to_be_visible()
    admin.locator("#insights").scroll_into_view_if_needed()
    snap("insights")
    admin.get_by_text("Cancellations by reason: the numbers").click()
    expect(
        admin.get_by_role("table", name="Cancellations by reason").get_by_role(
            "row", name="Wrong size or colour 1"
        )
    ).to_be_visible()


def test_the_customer_sees_the_deadline_the_fulfilment_hold_uses(
    admin: FrameLocator, page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    admin.get_by_label("Hold fulfilment until the cancel window closes").check()
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_have_text("Rules saved.")

    order_id = shop.create_order()
    order = shop.wait_for_order(
        order_id,
        lambda o: any(h["by_app"] for fo in o["fulfillment_orders"] for h in fo["holds"]),
    )
    [hold] = [h for fo in order["fulfillment_orders"] for h in fo["holds"] if h["by_app"]]
    # "… released automatically at 2026-12-01 14:05 CET.": the shop's wall clock.
    found = re.search(r"at (\d{4}-\d\d-\d\d \d\d:\d\d) ", hold["reason_notes"])
    assert found is not None, hold
    release = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=SHOP_ZONE)

    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, order_id)
    # The block formats the deadline in the customer's browser: format the hold's time there too.
    shown = page.evaluate(
        """iso => {
          const block = document.querySelector('order-cancel');
          return block.time(iso);
        }""",
        release.isoformat(),
    )
    expect(page.get_by_text(f"You can cancel until {shown}")).to_be_visible()
    snap("held-deadline")

    # The merchant releases it from the Holds screen. (One order per test: devshop's reset
    # starts its ids again, and a second test's order would carry this one's id.)
    page.route("https://cdn.shopify.com/**", lambda route: route.abort())
    page.goto(shop.url("/admin"))
    admin = page.frame_locator('iframe[title="Cancel button"]')
    admin.get_by_role("link", name="Holds").click()
    row = admin.get_by_role("table", name="Orders on hold now").get_by_role("row")
    held = row.filter(has_text=str(order_id))
    expect(held).to_be_visible()
    snap("holds")
    held.get_by_role("button", name="Release now").click()

    expect(admin.get_by_role("status")).to_contain_text("The release is on its way")
    shop.wait_for_order(order_id, lambda o: statuses(o) == ["OPEN"])
