"""The EU withdrawal function in a real Chromium, keyboard only, axe clean at every step: in
Dutch before shipping (a cancel with full refund, though the cancel window has run out) and in
German after shipping (a return request). Its own backend: withdrawals last for the session."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from devshop.id_tokens import app_home_token
from devshop.settings import DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP
from e2e.conftest import ADA, Servers, Shop, results_dir, start_servers
from e2e.test_accessibility import serious_violations
from e2e.test_keyboard import tab_to

BLOCKS = "order-cancel,order-withdraw"
TURN_ON = """
mutation { saveWithdrawalRule(enabled: true, countries: ["NL", "DE", "BE"]) { __typename } }
"""


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("withdrawal-servers")
    for running in start_servers("withdrawal", tmp, results_dir(pytestconfig) / "logs"):
        token = app_home_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
        response = httpx.post(
            f"{running.backend}/admin/graphql",
            json={"query": TURN_ON},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.json() == {
            "data": {"saveWithdrawalRule": {"__typename": "WithdrawalRuleSaved"}}
        }
        yield running


def withdraw_with_keys(
    page: Page,
    snap: Callable[[str], None],
    *,
    label: str,
    next_label: str,
    confirm: str,
    received: str,
) -> str:
    block = page.locator("order-withdraw")
    opener = block.get_by_role("button", name=label)
    expect(opener).to_be_visible()
    assert serious_violations(page) == []

    tab_to(page, "order-withdraw [data-open]")
    expect(opener).to_be_focused()
    page.keyboard.press("Enter")
    statement = block.locator("[data-statement]")
    expect(statement).to_be_visible()
    expect(statement.get_by_role("heading")).to_be_focused()
    name = statement.get_by_role("textbox").first
    expect(name).to_have_value("Ada Lovelace")
    snap("statement")
    assert serious_violations(page) == []

    page.keyboard.press("Tab")
    expect(name).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(statement.get_by_role("button", name=next_label)).to_be_focused()
    page.keyboard.press("Enter")

    review = block.locator("[data-review]")
    expect(review).to_be_visible()
    expect(review.get_by_role("heading")).to_be_focused()
    expect(review).to_contain_text("Ada Lovelace")
    snap("review")
    assert serious_violations(page) == []

    page.keyboard.press("Tab")
    expect(review.get_by_role("button", name=confirm)).to_be_focused()
    page.keyboard.press("Enter")

    done = block.locator("[data-received]")
    expect(done).to_be_visible()
    expect(done.get_by_role("heading", name=received)).to_be_focused()
    acknowledgement = done.locator("[data-acknowledgement]")
    expect(acknowledgement).to_contain_text("Ada Lovelace")
    expect(done.get_by_role("link")).to_have_attribute("href", re.compile("^blob:"))
    snap("received")
    assert serious_violations(page) == []
    return acknowledgement.inner_text()


def sign_in(page: Page, shop: Shop, order_id: int, language: str) -> None:
    page.goto(
        shop.url(
            f"/account/login?customer={ADA}&return_url=/account/orders/{order_id}?locale={language}"
        )
    )
    # The merchant added the withdrawal block to the "Apps" section, after the cancel block.
    page.goto(shop.url(f"/account/orders/{order_id}?locale={language}&apps={BLOCKS}"))


def test_in_dutch_before_shipping_a_withdrawal_cancels_with_a_full_refund(
    page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    order_id = 5003  # its cancel window ran out three hours ago
    sign_in(page, shop, order_id, "nl")

    text = withdraw_with_keys(
        page,
        snap,
        label="Overeenkomst hier herroepen",
        next_label="Verder",
        confirm="Herroeping bevestigen",
        received="Wij hebben uw herroeping ontvangen",
    )

    assert "Herroepen: de hele bestelling" in text
    assert "volledige bedrag terug" in text
    order = shop.wait_for_order(order_id, lambda o: o["cancelled_at"] is not None)
    assert order["refund_method"] == "ORIGINAL_PAYMENT_METHODS"


def test_in_german_after_shipping_a_withdrawal_requests_a_return(
    page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    order_id = 5002  # fulfilled, not yet delivered: the withdrawal period has not started
    sign_in(page, shop, order_id, "de")

    text = withdraw_with_keys(
        page,
        snap,
        label="Vertrag widerrufen",
        next_label="Weiter",
        confirm="Widerruf bestätigen",
        received="Wir haben Ihren Widerruf erhalten",
    )

    assert "Rücksendeanfrage" in text
    order = shop.wait_for_order(order_id, lambda o: bool(o.get("returns")))
    assert order["cancelled_at"] is None
