"""Issue 11 in a real browser: the merchant offers single-item cancels with a fee; the customer
chooses items, sees the refund and the fee, confirms and sees the order change; then cancels the
rest, and "Buy again" fills devshop's cart with what was ordered."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.conftest import ADA, Servers, Shop, open_order, results_dir, start_servers

SHIRT = 7001


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    # The rules saved here would change every later test's storefront: a backend of our own.
    tmp = tmp_path_factory.mktemp("partial-servers")
    yield from start_servers("partial", tmp, results_dir(pytestconfig) / "logs")


def offer_single_items_with_a_fee(page: Page, shop: Shop) -> None:
    def offline(route: Route) -> None:
        route.abort()

    page.route("https://cdn.shopify.com/**", offline)
    page.goto(shop.url("/admin"))
    admin = page.frame_locator('iframe[title="Cancel button"]')
    admin.get_by_label("Let customers cancel single items").check()
    admin.get_by_label("Percentage of the refund").fill("5")
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_have_text("Rules saved.")


def test_customer_cancels_some_shirts_then_the_rest_then_buys_them_again(
    page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    offer_single_items_with_a_fee(page, shop)
    created = shop.http.post(
        "/_devshop/orders",
        json={"product_ids": [SHIRT], "quantities": [3], "shipping_country": "US"},
    )
    order_id = created.json()["ids"][0]
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    open_order(page, shop, order_id)

    page.locator("order-cancel [data-open]").click()
    dialog = page.get_by_role("dialog")
    shirts = dialog.get_by_role("spinbutton", name="Linen shirt (3)")
    expect(shirts).to_have_value("3")
    # The whole order: 3 x 24.95 = 74.85, of which the shop keeps 5% (3.74).
    expect(dialog.get_by_text("You'll get €71.11 back of €74.85.")).to_be_visible()
    shirts.fill("1")
    expect(dialog.get_by_text("You'll get €23.70 back of €24.95.")).to_be_visible()
    expect(dialog.get_by_text("The shop keeps €1.25 as a cancellation fee.")).to_be_visible()
    snap("one-shirt-chosen")
    dialog.get_by_role("radio", name="I ordered by mistake").check()
    dialog.get_by_role("button", name="Cancel order").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("order-cancel [data-info]")).to_have_text(
        "The items have been cancelled. You'll get €23.70 back."
    )
    order = shop.order(order_id)
    assert [line["current_quantity"] for line in order["line_items"]] == [2]
    assert [refund["transactions"][0]["amount"] for refund in order["refunds"]] == ["23.70"]
    snap("one-shirt-cancelled")

    # The rest: both shirts left, chosen as offered, is the whole cancel.
    page.locator("order-cancel [data-open]").click()
    expect(dialog.get_by_role("spinbutton", name="Linen shirt (2)")).to_have_value("2")
    dialog.get_by_role("radio", name="I ordered by mistake").check()
    dialog.get_by_role("button", name="Cancel order").click()
    expect(dialog).to_be_hidden()
    shop.wait_for_order(order_id, lambda o: o["cancelled_at"] is not None)

    open_order(page, shop, order_id)
    page.get_by_role("button", name="Buy again").click()
    expect(page).to_have_url(shop.url("/cart"))
    expect(page.get_by_role("row", name="Linen shirt 3")).to_be_visible()
    snap("cart")
