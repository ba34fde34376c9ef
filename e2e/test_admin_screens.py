"""App Home's screens in devshop's admin, offline (Shopify's CDN blocked, so the page stands on
its own HTML under its own Content Security Policy): each screen checked with axe-core, the
merchant working in Dutch, and the rules form used with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Frame, FrameLocator, Page, expect

from backend.admin.screens import Screen, every_screen
from e2e.conftest import AXE, Servers, Shop, results_dir, start_servers

TITLE = 'iframe[title="Cancel button"]'


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Servers]:
    # These tests save rules: a backend of their own.
    tmp = tmp_path_factory.mktemp("admin-screens")
    yield from start_servers("admin-screens", tmp, results_dir(pytestconfig) / "logs")


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """What the browser refused under the page's Content Security Policy."""
    refused: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", listen)
    return refused


def open_admin(page: Page, shop: Shop, *, locale: str = "en", path: str = "/") -> FrameLocator:
    page.route("https://cdn.shopify.com/**", lambda route: route.abort())
    page.goto(shop.url(f"/admin?locale={locale}&path={path}"))
    frame = page.frame_locator(TITLE)
    expect(frame.locator("main#app")).to_be_visible()
    return frame


def app_frame(page: Page) -> Frame:
    [frame] = page.main_frame.child_frames
    return frame


def serious_violations(frame: Frame) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings in App Home's frame. The script is evaluated
    through the browser's devtools protocol, which the page's CSP does not govern: the page
    itself keeps refusing inline script."""
    result: dict[str, Any] = frame.evaluate(
        "async () => {\n" + AXE.read_text() + "\nreturn await window.axe.run(document);\n}"
    )
    assert result["passes"], "axe checked nothing"
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("locale", ["en", "nl"])
@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
def test_every_screen_passes_axe(
    page: Page,
    shop: Shop,
    screen: Screen,
    locale: str,
    csp_violations: list[str],
    snap: Callable[[str], None],
) -> None:
    admin = open_admin(page, shop, locale=locale, path=screen.path)
    expect(admin.locator("html")).to_have_attribute("lang", locale)
    details = admin.locator("details.chart__data")
    for index in range(details.count()):  # the charts' tables, opened, are checked too
        details.nth(index).locator("summary").click()
    snap(f"{screen.name}-{locale}")

    assert serious_violations(app_frame(page)) == []
    assert csp_violations == []


def test_a_dutch_merchant_sets_the_rules_and_reads_the_insights(
    page: Page, shop: Shop, csp_violations: list[str], snap: Callable[[str], None]
) -> None:
    admin = open_admin(page, shop, locale="nl")
    menu = admin.get_by_role("navigation", name="Annuleerknop")
    expect(menu.get_by_role("link", name="Overzicht")).to_have_attribute("aria-current", "page")

    menu.get_by_role("link", name="Regels").click()
    window = admin.get_by_label("Termijn (minuten na het plaatsen van de bestelling)")
    expect(window).to_be_visible()
    expect(admin.get_by_role("heading", name="Inzichten, afgelopen 30 dagen")).to_have_count(0)
    window.fill("45")
    admin.get_by_role("button", name="Regels opslaan").click()
    expect(admin.get_by_role("status")).to_have_text("Regels opgeslagen.")
    snap("rules-saved")

    admin.get_by_role("textbox", name="Code").first.fill("verkeerde maat")
    admin.get_by_role("button", name="Regels opslaan").click()
    expect(admin.get_by_role("alert").filter(has_text="1 veld vraagt aandacht:")).to_be_visible()
    expect(
        admin.get_by_text("Gebruik 1 tot 40 hoofdletters, cijfers of underscores")
    ).to_have_count(2)

    admin.get_by_role("navigation", name="Annuleerknop").get_by_role(
        "link", name="Inzichten"
    ).click()
    expect(admin.get_by_role("img", name="Annuleringen per dag")).to_be_visible()
    expect(admin.get_by_role("img", name="Geweigerde pogingen per oorzaak")).to_be_visible()
    expect(admin.get_by_role("link", name="Alle pogingen downloaden (CSV)")).to_be_visible()
    expect(admin.locator("form#rules")).to_have_count(0)
    snap("insights")

    admin.get_by_role("navigation", name="Annuleerknop").get_by_role("link", name="Regels").click()
    expect(admin.get_by_label("Termijn (minuten na het plaatsen van de bestelling)")).to_have_value(
        "45"
    )
    assert csp_violations == []


def codes(admin: FrameLocator) -> list[str]:
    field = admin.locator("[data-reasons] [name='code']")
    return [field.nth(i).input_value() for i in range(field.count())]


def test_the_rules_form_works_with_the_keyboard_alone(
    page: Page, shop: Shop, snap: Callable[[str], None]
) -> None:
    admin = open_admin(page, shop, path="/rules")
    before = codes(admin)
    keys = page.keyboard

    # Add a reason: focus lands in its code field.
    admin.get_by_role("button", name="Add a reason").focus()
    keys.press("Enter")
    new_code = admin.get_by_role("textbox", name="Code").last
    expect(new_code).to_be_focused()
    keys.type("CHANGED_MIND")
    keys.press("Tab")
    keys.type("Changed my mind")
    keys.press("Tab")
    keys.type("nl: Van gedachten veranderd")

    # Move it up one: the button keeps the focus.
    keys.press("Tab")
    move_up = admin.get_by_role("button", name="Move up").nth(len(before))
    expect(move_up).to_be_focused()
    keys.press("Enter")
    assert codes(admin) == before[:-1] + ["CHANGED_MIND", before[-1]]
    expect(admin.get_by_role("button", name="Move up").nth(len(before) - 1)).to_be_focused()

    # Remove the reason now below it: from here, its controls are eight tabs on.
    for _ in range(8):
        keys.press("Tab")
    expect(admin.get_by_role("button", name="Remove").last).to_be_focused()
    keys.press("Space")
    assert codes(admin) == before[:-1] + ["CHANGED_MIND"]
    expect(admin.get_by_role("textbox", name="Code").last).to_be_focused()

    # Save with Enter from the field.
    keys.press("Enter")
    expect(admin.get_by_role("status")).to_have_text("Rules saved.")
    snap("saved")

    # A mistake: the form says so, next to the field, and puts the focus there.
    keys.press("Control+A")
    keys.type("changed mind")
    keys.press("Enter")
    expect(admin.get_by_role("alert").filter(has_text="needs attention")).to_be_visible()
    last_code = admin.get_by_role("textbox", name="Code").last
    expect(last_code).to_have_attribute("aria-invalid", "true")
    expect(last_code).to_be_focused()
    snap("field-error")

    page.reload()
    admin = page.frame_locator(TITLE)
    expect(admin.get_by_role("textbox", name="Code").last).to_have_value("CHANGED_MIND")
    assert codes(admin) == before[:-1] + ["CHANGED_MIND"]
