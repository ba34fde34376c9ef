"""However often the customer presses confirm, the order is cancelled once.

The module runs its own servers: the backend remembers the cancellations (#1013, #1014) for the
rest of its life, and later modules on the session's servers expect #1013 cancellable."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Servers, Shop, cancel_button, open_order, results_dir, start_servers


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("once")
    yield from start_servers("once", tmp, results_dir(pytestconfig) / "logs")


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
    # The cancel's own form, the one with the cancel button (the dialog's others change the
    # order instead).
    dialog.locator('form:has(button[value="cancel"])').evaluate(
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
