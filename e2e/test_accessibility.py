"""axe-core finds no serious or critical violations on the pages the block is on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import AXE, Shop, cancel_button, open_order


def serious_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=AXE)
    result: dict[str, Any] = page.evaluate("() => axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_order_page_closed_and_with_the_dialog_open(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    open_order(ada, shop, 5001)
    expect(cancel_button(ada)).to_be_visible()
    assert serious_violations(ada) == []

    cancel_button(ada).click()
    expect(ada.get_by_role("dialog")).to_be_visible()
    snap("dialog")
    assert serious_violations(ada) == []


def test_order_page_that_cannot_be_cancelled(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5003)
    expect(ada.locator("order-cancel [data-info]")).to_contain_text("run out")
    assert serious_violations(ada) == []


def test_account_page(ada: Page, shop: Shop, snap: Callable[[str], None]) -> None:
    ada.goto(shop.url("/account"))
    expect(ada.locator("order-cancel")).not_to_have_attribute("aria-busy", "true")
    expect(ada.locator("order-cancel [data-open]:visible")).to_have_count(3)
    snap("account")
    assert serious_violations(ada) == []
