"""When Shopify or the app cannot be reached, the customer is told, nothing changes, and trying
again works, cancelling exactly once."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from e2e.conftest import Shop, cancel_button, open_order

TRY_AGAIN = "The shop couldn't be reached just now. Nothing was changed: please try again."


def test_shopify_failing_to_cancel_then_trying_again(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    open_order(ada, shop, 5011)
    cancel_button(ada).click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1011?")
    dialog.get_by_role("radio", name="Wrong delivery address").check()
    # Shopify answers 503 to orderCancel until told otherwise; the backend gives up after its
    # (shortened) retry budget and answers TRY_AGAIN.
    shop.fault(kind="status", status=503, times=None, field="orderCancel")
    confirm = dialog.get_by_role("button", name="Cancel order")
    confirm.click()

    expect(dialog.get_by_role("alert")).to_have_text(TRY_AGAIN)
    expect(dialog).to_be_visible()
    snap("try-again")
    assert shop.cancels() == []
    assert shop.order(5011)["cancelled_at"] is None

    shop.fault(kind="clear")
    confirm.click()
    expect(dialog).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1011")).to_contain_text("order #1011")
    snap("cancelled")
    order = shop.wait_for_order(5011, lambda o: o["cancelled_at"] is not None)
    assert "Wrong delivery address" in order["staff_note"]
    assert len(shop.cancels()) == 1


def test_checking_fails_then_try_again_offers_the_button(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    # A new order whose full read fails: the mirror holds only what its orders/create webhook
    # said (no product tags), so the check must ask Shopify, which is down.
    shop.fault(kind="status", status=503, times=None)  # every Admin API call fails
    order = shop.create_order()
    open_order(ada, shop, order)
    block = ada.locator("order-cancel")
    expect(block.get_by_role("alert").filter(has_text="couldn't reach")).to_have_text(
        "We couldn't reach the shop. Check your connection and try again."
    )
    retry = block.get_by_role("button", name="Try again")
    expect(cancel_button(ada)).to_be_hidden()
    snap("unreachable")

    shop.fault(kind="clear")
    retry.click()
    expect(cancel_button(ada)).to_be_visible()
    expect(retry).to_be_hidden()
    expect(block.get_by_text("You can cancel until")).to_be_visible()
    assert shop.cancels() == []
