"""The happy path: a signed-in customer cancels an order, with a reason, from its page.

The module runs its own servers: the backend remembers a cancellation for the rest of its life,
and later modules on the session's servers expect #1001 cancellable."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Servers, Shop, results_dir, start_servers


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("cancel")
    yield from start_servers("cancel", tmp, results_dir(pytestconfig) / "logs")


DONE = re.compile(r"Order #1001 has been cancelled|We're cancelling order #1001")


def test_customer_cancels_an_order_with_a_reason(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    ada.goto(shop.url("/account/orders/5001"))
    opener = ada.get_by_role("button", name="Cancel order")
    expect(opener).to_be_visible()
    expect(ada.get_by_text("You can cancel until")).to_be_visible()
    snap("cancellable")

    opener.click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1001?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("radio", name="Wrong size or colour").check()
    dialog.get_by_role("textbox", name="Anything else we should know?").fill("Needed a medium")
    snap("dialog")
    dialog.get_by_role("button", name="Cancel order").click()

    expect(dialog).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1001")).to_contain_text(DONE)
    expect(ada.get_by_text(DONE).first).to_be_visible()
    expect(opener).to_be_hidden()
    snap("cancelled")

    order = shop.wait_for_order(5001, lambda o: o["cancelled_at"] is not None)
    assert "Wrong size or colour" in order["staff_note"]
    assert "Needed a medium" in order["staff_note"]
    assert len(shop.cancels()) == 1
