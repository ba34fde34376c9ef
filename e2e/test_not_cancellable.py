"""Orders that cannot be cancelled offer no button and say why (the block explains by default)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Shop, cancel_button, open_order


@pytest.mark.parametrize(
    ("order_id", "why"),
    [
        (5002, "Your order is already on its way."),  # fulfilled: Liquid knows, no request
        (5003, "The time to cancel this order online has run out."),
        (5004, "This order contains items that can't be cancelled online."),
        (5006, "This order has been cancelled."),  # already cancelled: Liquid knows
    ],
    ids=["fulfilled", "window-closed", "excluded-product", "already-cancelled"],
)
def test_an_order_that_cannot_be_cancelled_says_why(
    ada: Page, shop: Shop, snap: Callable[[str], None], order_id: int, why: str
) -> None:
    open_order(ada, shop, order_id)
    expect(ada.locator("order-cancel").get_by_text(why)).to_be_visible()
    expect(cancel_button(ada)).to_be_hidden()
    expect(ada.get_by_role("button", name="Cancel order")).to_have_count(0)
    snap("blocked")


def test_without_explaining_the_block_says_only_that_it_cannot(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5003, "?block.explain=false")
    expect(
        ada.locator("order-cancel").get_by_text("can no longer be cancelled online")
    ).to_be_visible()
    expect(ada.get_by_text("The time to cancel this order online has run out.")).to_have_count(0)
    expect(ada.get_by_role("button", name="Cancel order")).to_have_count(0)


@pytest.mark.parametrize(
    ("order_id", "requests"),
    [(5001, 1), (5002, 0), (5006, 0)],
    ids=["cancellable-asks-once", "fulfilled-asks-nothing", "cancelled-asks-nothing"],
)
def test_requests_on_page_load(ada: Page, shop: Shop, order_id: int, requests: int) -> None:
    asked: list[str] = []
    ada.on("request", lambda r: asked.append(r.url) if "/apps/cancel/" in r.url else None)
    open_order(ada, shop, order_id)
    ada.wait_for_load_state("networkidle")
    assert len(asked) == requests
