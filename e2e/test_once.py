"""However often the customer presses confirm, the order is cancelled once."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import Shop, cancel_button, open_order


def test_double_click_on_confirm_cancels_once(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    open_order(ada, shop, 5013)
    cancel_button(ada).click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1013?")
    dialog.get_by_role("radio", name="I found a better price").check()
    dialog.get_by_role("button", name="Cancel order").dblclick()

    expect(dialog).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1013")).to_contain_text("order #1013")
    snap("cancelled")
    shop.wait_for_order(5013, lambda o: o["cancelled_at"] is not None)
    assert len(shop.cancels()) == 1


def test_submitting_the_form_twice_at_once_cancels_once(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5014)
    cancel_button(ada).click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1014?")
    dialog.get_by_role("radio", name="I ordered by mistake").check()
    # Two submissions in the same task, before the first request can answer.
    dialog.locator("form[method=dialog]").evaluate(
        """form => {
            const confirm = form.querySelector('button[value="cancel"]');
            form.requestSubmit(confirm);
            form.requestSubmit(confirm);
        }"""
    )

    expect(dialog).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1014")).to_contain_text("order #1014")
    shop.wait_for_order(5014, lambda o: o["cancelled_at"] is not None)
    assert len(shop.cancels()) == 1
