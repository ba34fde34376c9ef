"""App Home's screens through HTTP: each one in each language, its navigation, and its Content
Security Policy."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from backend.admin.csp import APP_BRIDGE, POLARIS
from backend.admin.i18n import LANGUAGES, Speaker, language_of
from backend.admin.screens import HOME, SCREENS, Screen, every_screen
from backend.admin.templating import templates
from backend.admin.views import page_context, rules_form
from backend.policy import ShopPolicy
from backend.store.base import Attempt, Outcome
from devshop.settings import DEMO_SHOP
from tests.backend.admin.conftest import id_token
from tests.backend.admin.markup import parse
from tests.conftest import Stack

HOST = "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtby1zaG9w"
# A string of each screen's own, and the page's button, per language.
SAVE = {"en": "Save rules", "nl": "Regels opslaan", "de": "Regeln speichern"}
SAVE |= {"fr": "Enregistrer les règles", "es": "Guardar reglas"}
INSIGHTS = {"en": "Insights, last 30 days", "nl": "Inzichten, afgelopen 30 dagen"}
INSIGHTS |= {"de": "Statistiken, letzte 30 Tage", "fr": "Statistiques, 30 derniers jours"}
INSIGHTS |= {"es": "Estadísticas, últimos 30 días"}


async def open_screen(stack: Stack, screen: Screen, locale: str | None = None) -> httpx.Response:
    query = f"embedded=1&host={HOST}&shop={DEMO_SHOP}&id_token={id_token()}"
    if locale is not None:
        query += f"&locale={locale}"
    async with stack.direct() as backend:
        return await backend.get(f"{screen.path}?{query}")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
async def test_each_screen_renders_in_each_language(
    stack: Stack, screen: Screen, language: str
) -> None:
    response = await open_screen(stack, screen, language)

    assert response.status_code == 200
    assert response.headers["content-language"] == language
    page = response.text
    assert f'<html lang="{language}">' in page
    title = Speaker.for_locale(language).gettext(screen.title)
    assert f"<title>{title} · " in page
    assert ("rules" in screen.needs) == (SAVE[language] in page)
    assert ("insights" in screen.needs) == (INSIGHTS[language] in page)
    if language != "en":
        assert SAVE["en"] not in page and INSIGHTS["en"] not in page


@pytest.mark.parametrize(
    ("locale", "language"),
    [("nl", "nl"), ("nl-BE", "nl"), ("de_AT", "de"), ("FR", "fr"), ("es-419", "es")]
    + [("pt-BR", "en"), ("", "en"), (None, "en"), ('"><script>', "en")],
)
def test_shopifys_locale_picks_the_closest_language(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


async def test_without_a_locale_app_home_speaks_english(stack: Stack) -> None:
    response = await open_screen(stack, HOME)

    assert response.headers["content-language"] == "en"
    assert SAVE["en"] in response.text


@pytest.mark.parametrize(
    ("language", "number", "percent", "day", "axis", "moment"),
    [
        ("en", "12,345", "12.5%", "November 26, 2026", "Nov 26", "11/26/26, 2:05\u202fPM"),
        ("nl", "12.345", "12,5%", "26 november 2026", "26 nov", "26-11-2026, 14:05"),
        ("de", "12.345", "12,5\xa0%", "26. November 2026", "26. Nov.", "26.11.26, 14:05"),
        ("fr", "12\u202f345", "12,5\xa0%", "26 novembre 2026", "26 nov.", "26/11/2026 14:05"),
        ("es", "12.345", "12,5\xa0%", "26 de noviembre de 2026", "26 nov", "26/11/26, 14:05"),
    ],
)
def test_numbers_percentages_and_dates_follow_the_language(
    language: str, number: str, percent: str, day: str, axis: str, moment: str
) -> None:
    speaker = Speaker.for_locale(language)

    assert speaker.number(12345) == number
    assert speaker.percent(0.125) == percent
    assert speaker.date(date(2026, 11, 26)) == day
    assert speaker.day(date(2026, 11, 26)) == axis
    assert speaker.moment(datetime(2026, 11, 26, 14, 5, tzinfo=UTC)) == moment


async def test_the_figures_are_formatted_for_the_merchant(stack: Stack) -> None:
    orders = sum(1 for o in stack.world.orders.values() if o.shop == DEMO_SHOP)
    await stack.store.record_attempt(
        Attempt(
            shop="demo-shop",
            order_id="gid://shopify/Order/5001",
            customer_id="gid://shopify/Customer/1001",
            reason_code="OTHER",
            note=None,
            outcome=Outcome.CANCELLED,
            at=stack.clock() - timedelta(hours=1),
        )
    )

    response = await open_screen(stack, SCREENS[1], "de")

    rate = Speaker.for_locale("de").percent(1 / orders)
    assert "\xa0%" in rate and f'data-figure="rate">{rate}<' in response.text


@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
async def test_app_bridge_gets_the_menu_and_the_page_a_plain_one(
    stack: Stack, screen: Screen
) -> None:
    response = await open_screen(stack, screen, "nl")
    page = parse(response.text)

    app_nav = [value for tag, name, value in page.attributes if tag == "s-link" and name == "href"]
    assert app_nav == [HOME.path] + [s.path for s in SCREENS]
    assert ("s-link", "rel", "home") in page.attributes
    own_nav = [value for tag, name, value in page.attributes if tag == "a" and name == "href"]
    for target in every_screen():
        [href] = [h for h in own_nav if urlsplit(h).path == target.path]
        query = parse_qs(urlsplit(href).query)
        assert query["shop"] == [DEMO_SHOP] and query["locale"] == ["nl"]
        assert query["id_token"] and query["host"] == [HOST]
    [current] = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', response.text)
    assert current == Speaker.for_locale("nl").gettext(screen.title)


async def test_the_rules_screen_does_not_ask_shopify_for_numbers(stack: Stack) -> None:
    response = await open_screen(stack, SCREENS[0])

    assert '<form id="rules"' in response.text and 'id="chart-over-time"' not in response.text
    assert not [c for c in stack.world.calls_for("ordersCount") if c.executed]


async def test_the_insights_screen_shows_the_insights_alone(stack: Stack) -> None:
    response = await open_screen(stack, SCREENS[1])

    assert 'id="chart-over-time"' in response.text and '<form id="rules"' not in response.text


@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
async def test_every_screen_sends_its_content_security_policy(stack: Stack, screen: Screen) -> None:
    response = await open_screen(stack, screen)

    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["content-security-policy"].split(";")
        if directive.strip()
    }
    # Shopify's: only the shop's admin (and, in development, devshop) may frame the page.
    assert policy["frame-ancestors"][:2] == [
        "https://demo-shop.myshopify.com",
        "https://admin.shopify.com",
    ]
    assert policy["script-src"] == ["'self'", APP_BRIDGE, POLARIS]
    assert policy["style-src"] == ["'self'", "https://cdn.shopify.com"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert not [s for v in policy.values() for s in v if s.startswith("'unsafe")]


@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
async def test_the_markup_needs_no_inline_script_or_style(stack: Stack, screen: Screen) -> None:
    page = parse((await open_screen(stack, screen)).text)

    scripts = [value for tag, name, value in page.attributes if tag == "script" and name == "src"]
    assert scripts == [APP_BRIDGE, POLARIS, "/admin/assets/admin.js"]
    assert len([e for e in page.elements if e[0] == "script"]) == len(scripts)
    assert not [t for t, _ in page.texts if t and t[-1] == "script"]  # no inline body
    assert not [name for _, name, _ in page.attributes if name.startswith("on")]
    assert not [name for _, name, _ in page.attributes if name == "style"]
    assert not [e for e in page.elements if e[0] == "style"]


def test_the_warning_banner_speaks_the_merchants_language() -> None:
    warning = "We couldn't connect to your shop just now. Reload the page to try again."
    speaker = Speaker.for_locale("de")
    context = page_context(
        screen=SCREENS[0],
        speaker=speaker,
        api_key="devshop-api-key",
        shop="demo-shop",
        id_token="header.payload.signature",
        query="",
        warning=warning,
        form=rules_form(ShopPolicy()),
        insights=None,
    )

    html = templates.get_template(SCREENS[0].template).render(context)

    assert '<p class="banner" role="alert">Wir konnten gerade keine Verbindung' in html
