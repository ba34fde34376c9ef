"""Closing the dialog without confirming changes nothing and returns focus to the opener."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import Shop, cancel_button, open_order


def keep(page: Page, dialog: Locator) -> None:
    dialog.get_by_role("button", name="Keep my order").click()


def escape(page: Page, dialog: Locator) -> None:
    page.keyboard.press("Escape")


def backdrop(page: Page, dialog: Locator) -> None:
    page.mouse.click(5, 5)  # outside the panel: on the modal dialog's backdrop


@pytest.mark.parametrize("close", [keep, escape, backdrop], ids=lambda f: f.__name__)
def test_closing_the_dialog_keeps_the_order(
    ada: Page, shop: Shop, snap: Callable[[str], None], close: Callable[[Page, Locator], None]
) -> None:
    open_order(ada, shop, 5011)
    opener = cancel_button(ada)
    opener.click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1011?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("radio", name="I ordered by mistake").check()

    close(ada, dialog)

    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    expect(opener).to_be_visible()
    snap("closed")
    assert shop.cancels() == []
    assert shop.order(5011)["cancelled_at"] is None
