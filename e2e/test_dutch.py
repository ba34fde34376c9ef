"""A Dutch storefront (`?locale=nl`) speaks Dutch from the button to the confirmation.

The module runs its own servers: it cancels #1001, as the happy path does, and the backend
remembers a cancellation for the rest of its life."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Servers, Shop, results_dir, start_servers


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("dutch")
    yield from start_servers("dutch", tmp, results_dir(pytestconfig) / "logs")


def test_cancel_in_dutch(ada: Page, shop: Shop, snap: Callable[[str], None]) -> None:
    ada.goto(shop.url("/account/orders/5001?locale=nl"))
    block = ada.locator("order-cancel")
    expect(block.get_by_text("Je kunt annuleren tot")).to_be_visible()
    opener = ada.get_by_role("button", name="Bestelling annuleren")
    opener.click()

    dialog = ada.get_by_role("dialog", name="Bestelling #1001 annuleren?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Waarom wil je annuleren?")
    expect(dialog.get_by_role("button", name="Bestelling behouden")).to_be_visible()
    dialog.get_by_role("radio", name="Verkeerde maat of kleur").check()
    snap("dialog")
    dialog.get_by_role("button", name="Bestelling annuleren").click()

    expect(dialog).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1001")).to_contain_text(
        "bestelling #1001", ignore_case=True
    )
    expect(block.locator("[data-info]")).to_contain_text("#1001")
    expect(block.locator("[data-info]")).not_to_contain_text("Order")
    snap("cancelled")
    shop.wait_for_order(5001, lambda o: o["cancelled_at"] is not None)
    assert len(shop.cancels()) == 1
