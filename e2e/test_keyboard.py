"""The whole flow with the keyboard alone: Tab, Enter, Space and the arrow keys."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import Shop, cancel_button, open_order


def tab_to(page: Page, target_selector: str, limit: int = 30) -> None:
    """Press Tab until the element matching `target_selector` has focus (at most `limit` times)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", target_selector):
            return
    raise AssertionError(f"{target_selector} not reached with {limit} presses of Tab")


def test_cancel_with_the_keyboard_only(ada: Page, shop: Shop, snap: Callable[[str], None]) -> None:
    open_order(ada, shop, 5015)
    opener = cancel_button(ada)
    expect(opener).to_be_visible()

    tab_to(ada, "order-cancel [data-open]")
    expect(opener).to_be_focused()
    ada.keyboard.press("Enter")
    dialog = ada.get_by_role("dialog", name="Cancel order #1015?")
    expect(dialog).to_be_visible()
    radios = dialog.get_by_role("radio")
    expect(radios.first).to_be_focused()  # the modal dialog takes focus to its first control

    ada.keyboard.press("Space")
    expect(radios.nth(0)).to_be_checked()
    ada.keyboard.press("ArrowDown")
    expect(dialog.get_by_role("radio", name="Wrong size or colour")).to_be_checked()
    expect(dialog.get_by_role("radio", name="Wrong size or colour")).to_be_focused()
    ada.keyboard.press("Tab")
    note = dialog.get_by_role("textbox")
    expect(note).to_be_focused()
    ada.keyboard.type("Typed with keys")
    ada.keyboard.press("Tab")
    confirm = dialog.get_by_role("button", name="Cancel order")
    expect(confirm).to_be_focused()
    snap("confirm-focused")
    ada.keyboard.press("Enter")

    expect(dialog).to_be_hidden()
    status = ada.locator("order-cancel [data-info]")
    expect(status).to_contain_text("order #1015")
    expect(status).to_be_focused()  # the button is gone: focus lands on the news
    snap("cancelled")
    order = shop.wait_for_order(5015, lambda o: o["cancelled_at"] is not None)
    assert "Wrong size or colour" in order["staff_note"]
    assert "Typed with keys" in order["staff_note"]
    assert len(shop.cancels()) == 1
