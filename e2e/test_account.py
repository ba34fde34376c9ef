"""The account page: every recent order that might be cancelled, checked in one request."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, Request, expect

from e2e.conftest import Shop


def test_only_eligible_orders_offer_cancel_after_one_request(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    asked: list[Request] = []
    ada.on("request", lambda r: asked.append(r) if "/apps/cancel/graphql" in r.url else None)
    ada.goto(shop.url("/account"))
    block = ada.locator("order-cancel")
    expect(block).not_to_have_attribute("aria-busy", "true")

    buttons = block.get_by_role("button", name=re.compile(r"^Cancel order #"))
    # The ten newest orders minus those Liquid knows are done; of these, #1013, #1001 and #1011
    # are young, unfulfilled, paid and untagged.
    expect(buttons).to_have_text(["Cancel order #1013", "Cancel order #1001", "Cancel order #1011"])
    for name, why in [
        ("#1004", "This order contains items that can't be cancelled online."),
        ("#1005", "This order can't be cancelled online."),
        ("#1007", "This order's payment status doesn't allow cancelling it online."),
        ("#1008", "Your order is already being packed."),
        ("#1009", "This order is being reviewed, so it can't be cancelled online."),
    ]:
        expect(block.get_by_role("listitem").filter(has_text=name)).to_contain_text(why)
    snap("account")
    assert len(asked) == 1, [r.url for r in asked]
    assert asked[0].method == "POST"
