"""Edit instead of cancel (issue 13): the merchant lets customers fix the address and the size; a
customer who picks "Wrong delivery address" or "Wrong size or colour" changes it instead, and
devshop's order page shows the change. With quantities allowed and the reason "I ordered too
many" added, that reason leads to fewer items and a refund; "Edit order" opens the changes
without a cancel reason (theme block, thank-you page, order action). In English and Dutch, with
the keyboard alone, with field messages, and axe finds nothing serious.

The module runs its own servers: it saves rules, which would change every later storefront."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from devshop.processes import ROOT
from e2e.conftest import ADA, Servers, Shop, cancel_button, open_order, results_dir, start_servers
from e2e.test_accessibility import serious_violations
from e2e.test_keyboard import tab_to


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp("edit-servers")
    yield from start_servers("edit", tmp, results_dir(pytestconfig) / "logs")


@pytest.fixture
def ada(page: Page, shop: Shop) -> Page:
    """Ada, on a shop whose merchant turned on address changes in App Home."""

    def offline(route: Route) -> None:
        route.abort()

    page.route("https://cdn.shopify.com/**", offline)
    page.goto(shop.url("/admin"))
    admin = page.frame_locator('iframe[title="Cancel button"]')
    admin.get_by_label("Let customers change the shipping address").check()
    admin.get_by_label("Let customers choose another size or colour").check()
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_be_visible()
    page.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    return page


def test_wrong_address_leads_to_an_address_change(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    open_order(ada, shop, 5001)
    cancel_button(ada).click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1001?")
    offer = dialog.get_by_role("button", name="Change the address instead")
    expect(offer).to_be_hidden()
    dialog.get_by_role("radio", name="Wrong delivery address").check()
    expect(dialog).to_contain_text("You can change it instead of cancelling.")
    snap("offered")
    offer.click()

    panel = ada.get_by_role("dialog", name="New delivery address")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("Country code (e.g. NL)")).to_be_hidden()  # it stays NL
    panel.get_by_label("Last name").fill("Lovelace")
    panel.get_by_label("Street and house number").fill("Prinsengracht 263")
    panel.get_by_label("Postcode").fill("1016 GV")
    panel.get_by_label("City").fill("Amsterdam")
    snap("address")
    panel.get_by_role("button", name="Save the address").click()

    expect(panel).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1001")).to_have_text(
        "The delivery address of order #1001 has been changed."
    )
    ada.reload()
    expect(ada.locator(".order__address")).to_contain_text("Prinsengracht 263")
    snap("order-page")
    order = shop.order(5001)
    assert order["shipping_address"]["address1"] == "Prinsengracht 263"
    assert order["cancelled_at"] is None and shop.cancels() == []


def test_a_wrong_field_is_named_next_to_it(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5011)
    cancel_button(ada).click()
    ada.get_by_role("radio", name="Wrong delivery address").check()
    ada.get_by_role("button", name="Change the address instead").click()
    panel = ada.get_by_role("dialog", name="New delivery address")
    panel.get_by_label("Last name").fill("Lovelace")
    panel.get_by_label("Street and house number").fill("Prinsengracht 263")
    panel.get_by_label("Postcode").fill("ABCDE")
    panel.get_by_label("City").fill("Amsterdam")
    panel.get_by_role("button", name="Save the address").click()

    postcode = panel.get_by_label("Postcode")
    expect(postcode).to_have_attribute("aria-invalid", "true")
    expect(postcode).to_be_focused()
    expect(panel.get_by_role("alert")).to_have_text("Please check the fields marked below.")
    expect(panel).to_contain_text("Please check this.")
    assert shop.order(5011)["shipping_address"]["address1"] == "Keizersgracht 123"


def test_in_dutch(ada: Page, shop: Shop, snap: Callable[[str], None]) -> None:
    open_order(ada, shop, 5014, "?locale=nl")
    cancel_button(ada).click()
    ada.get_by_role("radio", name="Verkeerd bezorgadres").check()
    ada.get_by_role("button", name="Adres wijzigen").click()
    panel = ada.get_by_role("dialog", name="Nieuw bezorgadres")
    panel.get_by_label("Achternaam").fill("Lovelace")
    panel.get_by_label("Straat en huisnummer").fill("Herengracht 1")
    panel.get_by_label("Postcode").fill("1015 BA")
    panel.get_by_label("Plaats").fill("Amsterdam")
    panel.get_by_role("button", name="Adres opslaan").click()

    expect(ada.get_by_role("status").filter(has_text="#1014")).to_have_text(
        "Het bezorgadres van bestelling #1014 is gewijzigd."
    )
    snap("dutch-done")
    assert shop.order(5014)["shipping_address"]["address1"] == "Herengracht 1"


def test_with_the_keyboard_alone(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5015)
    tab_to(ada, "order-cancel [data-open]")
    ada.keyboard.press("Enter")
    dialog = ada.get_by_role("dialog", name="Cancel order #1015?")
    address = dialog.get_by_role("radio", name="Wrong delivery address")
    for _ in range(6):
        if address.is_checked():
            break
        ada.keyboard.press("ArrowDown")
    expect(address).to_be_checked()
    ada.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Change the address instead")).to_be_focused()
    ada.keyboard.press("Enter")

    panel = ada.get_by_role("dialog", name="New delivery address")
    expect(panel.get_by_role("heading", name="New delivery address")).to_be_focused()
    for text in ["", "Lovelace", "Dam 1", "", "1012 JS", "Amsterdam"]:
        ada.keyboard.press("Tab")
        if text:
            ada.keyboard.type(text)
    ada.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Save the address")).to_be_focused()
    ada.keyboard.press("Enter")

    expect(panel).to_be_hidden()
    expect(cancel_button(ada)).to_be_focused()  # the order may still be cancelled
    assert shop.order(5015)["shipping_address"]["address1"] == "Dam 1"


def test_axe_finds_nothing_serious_in_the_address_panel(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5013)
    cancel_button(ada).click()
    ada.get_by_role("radio", name="Wrong delivery address").check()
    assert serious_violations(ada) == []
    ada.get_by_role("button", name="Change the address instead").click()
    expect(ada.get_by_role("dialog", name="New delivery address")).to_be_visible()
    assert serious_violations(ada) == []


def test_wrong_address_from_the_customer_accounts_order_action(ada: Page, shop: Shop) -> None:
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    ada.goto(shop.url(f"/extensions/order-action?order=5013&customer={ADA}"))
    ada.frame_locator("iframe.menu").get_by_role("button", name="Cancel order").click()
    modal = ada.frame_locator("dialog iframe")
    modal.get_by_role("radio", name="Wrong delivery address").check()
    modal.get_by_role("button", name="Change the address instead").click()

    expect(modal.get_by_role("heading", name="New delivery address")).to_be_visible()
    expect(modal.get_by_label("Country code (e.g. NL)")).to_have_count(0)  # it stays NL
    modal.get_by_label("Last name").fill("Lovelace")
    modal.get_by_label("Street and house number").fill("Spui 21")
    modal.get_by_label("Postcode").fill("12")
    modal.get_by_label("City").fill("Amsterdam")
    modal.get_by_role("button", name="Save the address").click()
    expect(modal.get_by_label("Postcode")).to_have_attribute("aria-invalid", "true")
    expect(modal.get_by_text("Please check this.")).to_be_visible()

    modal.get_by_label("Postcode").fill("1012 WX")
    modal.get_by_role("button", name="Save the address").click()
    expect(modal.get_by_role("status")).to_have_text(
        "The delivery address of order #1013 has been changed."
    )
    assert shop.order(5013)["shipping_address"]["address1"] == "Spui 21"
    assert shop.cancels() == []


def test_wrong_size_leads_to_a_size_change_shown_on_the_order_page(
    ada: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    open_order(ada, shop, 5011)
    expect(ada.locator(".order-details")).to_contain_text("Linen shirt – S")
    cancel_button(ada).click()
    dialog = ada.get_by_role("dialog", name="Cancel order #1011?")
    dialog.get_by_role("radio", name="Wrong size or colour").check()
    expect(dialog).to_contain_text("You can choose another instead of cancelling.")
    dialog.get_by_role("button", name="Choose another size or colour").click()

    panel = ada.get_by_role("dialog", name="Another size or colour")
    choice = panel.get_by_label("New size or colour")
    expect(choice.locator("option")).to_have_text(
        ["Linen shirt: S → M (24.95 EUR)", "Linen shirt: S → L (29.95 EUR)"]  # XL: sold out
    )
    choice.select_option(label="Linen shirt: S → M (24.95 EUR)")
    snap("size")
    panel.get_by_role("button", name="Change it").click()

    expect(panel).to_be_hidden()
    expect(ada.get_by_role("status").filter(has_text="#1011")).to_have_text(
        "Order #1011 has been changed to the new size or colour."
    )
    ada.reload()
    expect(ada.locator(".order-details")).to_contain_text("Linen shirt – M")
    expect(ada.locator(".order-details")).not_to_contain_text("Linen shirt – S")
    snap("order-page")
    sizes = [(i["variant"] or {}).get("title") for i in shop.order(5011)["line_items"]]
    assert sizes == ["S", "M"] and shop.cancels() == []


def test_wrong_size_in_dutch_with_the_keyboard(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5014, "?locale=nl")
    tab_to(ada, "order-cancel [data-open]")
    ada.keyboard.press("Enter")
    dialog = ada.get_by_role("dialog", name="Bestelling #1014 annuleren?")
    size = dialog.get_by_role("radio", name="Verkeerde maat of kleur")
    for _ in range(6):
        if size.is_checked():
            break
        ada.keyboard.press("ArrowDown")
    expect(size).to_be_checked()
    ada.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Andere maat of kleur kiezen")).to_be_focused()
    ada.keyboard.press("Enter")

    panel = ada.get_by_role("dialog", name="Andere maat of kleur")
    choice = panel.get_by_label("Nieuwe maat of kleur")
    expect(choice.locator("option")).to_have_count(2)
    ada.keyboard.press("Tab")
    expect(choice).to_be_focused()
    ada.keyboard.press("ArrowDown")  # L
    ada.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Wijzigen")).to_be_focused()
    ada.keyboard.press("Enter")

    expect(ada.get_by_role("status").filter(has_text="#1014")).to_have_text(
        "Bestelling #1014 is gewijzigd naar de nieuwe maat of kleur."
    )
    ada.reload()
    expect(ada.locator(".order-details")).to_contain_text("Linen shirt – L")


def test_axe_finds_nothing_serious_in_the_size_panel(ada: Page, shop: Shop) -> None:
    open_order(ada, shop, 5015)
    cancel_button(ada).click()
    ada.get_by_role("radio", name="Wrong size or colour").check()
    ada.get_by_role("button", name="Choose another size or colour").click()
    expect(ada.get_by_label("New size or colour").locator("option")).to_have_count(2)
    assert serious_violations(ada) == []


def test_wrong_size_from_the_thank_you_page(ada: Page, shop: Shop) -> None:
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    # #1013, not #1011: the backend's mirror keeps #1011 as an earlier test left it (refunded).
    ada.goto(shop.url(f"/extensions/thank-you?order=5013&customer={ADA}"))
    block = ada.frame_locator("iframe")
    block.get_by_role("button", name="Cancel this order").click()
    block.get_by_role("radio", name="Wrong size or colour").check()
    block.get_by_role("button", name="Choose another size or colour").click()

    expect(block.get_by_role("heading", name="Another size or colour")).to_be_visible()
    block.get_by_role("radio", name="Linen shirt: S → L (29.95 EUR)").check()
    expect(block.get_by_role("radio")).to_have_count(2)  # M and L; XL is sold out
    block.get_by_role("button", name="Change it").click()

    expect(block.get_by_role("status")).to_have_text(
        "Order #1013 has been changed to the new size or colour."
    )
    sizes = [(i["variant"] or {}).get("title") for i in shop.order(5013)["line_items"]]
    assert sizes == ["S", "L"] and shop.cancels() == []


# The quantity, and "Edit order" without a cancel reason ----------------------------------------


@pytest.fixture
def quantities(ada: Page, shop: Shop) -> Page:
    """Ada, on a shop whose merchant also lets customers change quantities and added the reason
    "I ordered too many" (code ORDERED_TOO_MANY: not one of the default reasons)."""
    ada.goto(shop.url("/admin"))
    admin = ada.frame_locator('iframe[title="Cancel button"]')
    admin.get_by_label("Let customers change quantities").check()
    if admin.locator("[data-reasons] input[name=code][value=ORDERED_TOO_MANY]").count() == 0:
        admin.get_by_role("button", name="Add a reason").click()
        admin.get_by_role("textbox", name="Code").last.fill("ORDERED_TOO_MANY")
        admin.get_by_role("textbox", name="Label").last.fill("I ordered too many")
    admin.get_by_role("button", name="Save rules").click()
    expect(admin.get_by_role("status").filter(has_text="Rules saved")).to_be_visible()
    ada.goto(shop.url(f"/account/login?customer={ADA}&return_url=/account"))
    return ada


def shirts(shop: Shop, quantity: int) -> tuple[int, str]:
    """A new order of Ada's: linen shirts in S, at 24.95 each."""
    response = shop.http.post("/_devshop/orders", json={"quantities": [quantity]})
    response.raise_for_status()
    order_id: int = response.json()["ids"][0]
    return order_id, shop.order(order_id)["name"]


def test_ordered_too_many_leads_to_a_lower_quantity_and_a_refund(
    quantities: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    order_id, name = shirts(shop, 2)
    open_order(quantities, shop, order_id)
    cancel_button(quantities).click()
    dialog = quantities.get_by_role("dialog", name=f"Cancel order {name}?")
    offer = dialog.get_by_role("button", name="Change the quantity instead")
    expect(offer).to_be_hidden()
    dialog.get_by_role("radio", name="I ordered too many").check()
    expect(dialog).to_contain_text("You can change the quantity instead of cancelling.")
    offer.click()

    panel = quantities.get_by_role("dialog", name="Change the quantity")
    expect(panel.get_by_role("heading", name="Change the quantity")).to_be_focused()
    field = panel.get_by_role("spinbutton", name="Linen shirt – S")
    expect(field).to_have_value("2")
    field.fill("1")
    expect(panel).to_contain_text("You will be refunded €24.95.")
    snap("quantity")
    assert serious_violations(quantities) == []
    panel.get_by_role("button", name="Change the quantity", exact=True).click()

    expect(panel).to_be_hidden()
    expect(quantities.get_by_role("status").filter(has_text=name)).to_have_text(
        f"The quantity of order {name} has been changed. €24.95 will be refunded."
    )
    assert shop.order(order_id)["line_items"][0]["current_quantity"] == 1
    quantities.reload()
    expect(quantities.locator(".order-details tbody td").nth(1)).to_have_text("1")
    snap("order-page")
    assert shop.cancels() == []


def test_edit_order_changes_the_address_without_a_cancel_reason(
    quantities: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    order_id = shop.create_order()
    name = shop.order(order_id)["name"]
    open_order(quantities, shop, order_id)
    tab_to(quantities, "order-cancel [data-edit-open]")
    quantities.keyboard.press("Enter")

    dialog = quantities.get_by_role("dialog", name=f"Edit order {name}")
    expect(dialog.get_by_role("heading", name=f"Edit order {name}")).to_be_focused()
    expect(dialog.get_by_role("button")).to_have_text(
        [
            "Change the address",
            "Choose another size or colour",
            "Change the quantity",
            "Keep my order",
        ]
    )
    expect(dialog.get_by_role("radio")).to_have_count(0)  # no cancel reason is asked for
    snap("edit-order")
    assert serious_violations(quantities) == []
    quantities.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Change the address")).to_be_focused()
    quantities.keyboard.press("Enter")

    panel = quantities.get_by_role("dialog", name="New delivery address")
    expect(panel.get_by_role("heading", name="New delivery address")).to_be_focused()
    for text in ["", "Lovelace", "Singel 1", "", "1012 VC", "Amsterdam"]:
        quantities.keyboard.press("Tab")
        if text:
            quantities.keyboard.type(text)
    quantities.keyboard.press("Tab")
    expect(panel.get_by_role("button", name="Save the address")).to_be_focused()
    quantities.keyboard.press("Enter")

    expect(panel).to_be_hidden()
    expect(quantities.get_by_role("status").filter(has_text=name)).to_have_text(
        f"The delivery address of order {name} has been changed."
    )
    expect(quantities.locator("order-cancel [data-edit-open]")).to_be_focused()
    assert shop.order(order_id)["shipping_address"]["address1"] == "Singel 1"
    assert shop.cancels() == []


def test_edit_order_goes_back_to_its_choices_and_escape_closes_it(
    quantities: Page, shop: Shop
) -> None:
    order_id = shop.create_order()
    open_order(quantities, shop, order_id)
    quantities.locator("order-cancel [data-edit-open]").click()
    name = shop.order(order_id)["name"]
    dialog = quantities.get_by_role("dialog", name=f"Edit order {name}")
    dialog.get_by_role("button", name="Change the quantity").click()
    panel = quantities.get_by_role("dialog", name="Change the quantity")
    expect(panel.get_by_role("spinbutton", name="Linen shirt – S")).to_have_value("1")
    panel.get_by_role("button", name="Back").click()
    expect(dialog.get_by_role("heading", name=f"Edit order {name}")).to_be_focused()
    quantities.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(quantities.locator("order-cancel [data-edit-open]")).to_be_focused()


def test_edit_order_lowers_the_quantity_from_the_thank_you_page(
    quantities: Page, shop: Shop
) -> None:
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    order_id, name = shirts(shop, 2)
    quantities.goto(shop.url(f"/extensions/thank-you?order={order_id}&customer={ADA}"))
    block = quantities.frame_locator("iframe")
    block.get_by_role("button", name="Edit order").click()
    expect(block.get_by_role("heading", name=f"Edit order {name}")).to_be_visible()
    block.get_by_role("button", name="Change the quantity", exact=True).click()

    field = block.get_by_role("spinbutton", name="Linen shirt – S")
    expect(field).to_have_value("2")
    field.fill("1")
    field.press("Tab")
    expect(block.get_by_text("You will be refunded €24.95.")).to_be_visible()
    block.get_by_role("button", name="Change the quantity", exact=True).click()

    expect(block.get_by_text(f"The quantity of order {name} has been changed.")).to_be_visible()
    assert shop.order(order_id)["line_items"][0]["current_quantity"] == 1
    assert shop.cancels() == []


def test_a_higher_quantity_shows_the_link_to_pay_the_difference(
    quantities: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    order_id, name = shirts(shop, 1)
    open_order(quantities, shop, order_id)
    tab_to(quantities, "order-cancel [data-edit-open]")
    quantities.keyboard.press("Enter")
    dialog = quantities.get_by_role("dialog", name=f"Edit order {name}")
    for _ in range(3):
        quantities.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Change the quantity")).to_be_focused()
    quantities.keyboard.press("Enter")

    panel = quantities.get_by_role("dialog", name="Change the quantity")
    field = panel.get_by_role("spinbutton", name="Linen shirt – S")
    expect(field).to_have_value("1")
    quantities.keyboard.press("Tab")
    expect(field).to_be_focused()
    quantities.keyboard.press("ArrowUp")
    expect(field).to_have_value("2")
    expect(panel).to_contain_text("You will pay €24.95 more.")
    quantities.keyboard.press("Enter")

    pay = panel.get_by_role("link", name="Pay the difference")
    expect(pay).to_be_focused()
    expect(pay).to_have_attribute("href", re.compile(rf"/orders/{order_id}/pay$"))
    expect(panel.get_by_role("status").first).to_have_text(
        f"The quantity of order {name} has been changed. Please pay the difference of €24.95."
    )
    snap("owed")
    assert serious_violations(quantities) == []
    assert shop.order(order_id)["line_items"][0]["current_quantity"] == 2


def test_edit_order_from_the_customer_accounts_order_action(quantities: Page, shop: Shop) -> None:
    subprocess.run(["node", "scripts/build-extensions.mjs"], cwd=ROOT, check=True, timeout=120)
    order_id, name = shirts(shop, 2)
    quantities.goto(shop.url(f"/extensions/order-action?order={order_id}&customer={ADA}"))
    quantities.frame_locator("iframe.menu").get_by_role("button", name="Cancel order").click()
    modal = quantities.frame_locator("dialog iframe")
    modal.get_by_role("button", name="Edit order").click()
    expect(modal.get_by_role("heading", name=f"Edit order {name}")).to_be_visible()
    modal.get_by_role("button", name="Change the quantity", exact=True).click()
    field = modal.get_by_role("spinbutton", name="Linen shirt – S")
    field.fill("1")
    field.press("Tab")
    expect(modal.get_by_text("You will be refunded €24.95.")).to_be_visible()
    modal.get_by_role("button", name="Change the quantity", exact=True).click()

    expect(modal.get_by_text(f"The quantity of order {name} has been changed.")).to_be_visible()
    assert shop.order(order_id)["line_items"][0]["current_quantity"] == 1
    assert shop.cancels() == []


def test_edit_order_and_the_quantity_in_dutch(quantities: Page, shop: Shop) -> None:
    order_id, name = shirts(shop, 2)
    open_order(quantities, shop, order_id, "?locale=nl")
    quantities.get_by_role("button", name="Bestelling wijzigen").click()
    dialog = quantities.get_by_role("dialog", name=f"Bestelling {name} wijzigen")
    expect(dialog.get_by_text("Wat wilt u wijzigen?")).to_be_visible()
    dialog.get_by_role("button", name="Aantal wijzigen").click()
    panel = quantities.get_by_role("dialog", name="Aantal wijzigen")
    panel.get_by_role("spinbutton", name="Linen shirt – S").fill("1")
    expect(panel).to_contain_text("U krijgt € 24,95 terug.")
    panel.get_by_role("button", name="Aantal wijzigen", exact=True).click()
    expect(quantities.get_by_role("status").filter(has_text=name)).to_have_text(
        f"Het aantal van bestelling {name} is gewijzigd. U krijgt € 24,95 terug."
    )
