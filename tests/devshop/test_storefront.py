"""devshop's storefront: the customer pages render the theme app block's real Liquid."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
import pytest
from starlette.applications import Starlette

from devshop.seed import DemoCustomers, DemoOrders
from devshop.session import CUSTOMER_COOKIE, cookie_value
from devshop.settings import DEMO_SHOP, DevshopSettings
from devshop.storefront import StorefrontConfig, storefront_routes
from devshop.storefront.drops import order_token
from devshop.storefront.liquid_env import translate
from devshop.world import World

VOID = frozenset({"input", "br", "meta", "link", "img", "hr", "source", "col"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find_all(self, match: Callable[[Element], bool]) -> list[Element]:
        found = [self] if match(self) else []
        for child in self.children:
            found += child.find_all(match)
        return found

    def one(self, match: Callable[[Element], bool]) -> Element:
        found = self.find_all(match)
        assert len(found) == 1, f"expected one element, found {len(found)}"
        return found[0]

    @property
    def words(self) -> str:
        return " ".join(self.text.split())


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.text += data


def parse(html: str) -> Element:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def has(attr: str, value: str | None = None) -> Callable[[Element], bool]:
    return lambda e: attr in e.attrs and (value is None or e.attrs[attr] == value)


def tag(name: str) -> Callable[[Element], bool]:
    return lambda e: e.tag == name


def gid(order_id: int) -> str:
    return f"gid://shopify/Order/{order_id}"


@pytest.fixture
def config() -> StorefrontConfig:
    return StorefrontConfig()


@pytest.fixture
def storefront(devshop_world: World, config: StorefrontConfig) -> Starlette:
    return Starlette(routes=storefront_routes(devshop_world, DevshopSettings(), config=config))


def browser(app: Starlette, customer: int | None) -> httpx.AsyncClient:
    cookies = {} if customer is None else {CUSTOMER_COOKIE: cookie_value(DEMO_SHOP, customer)}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"https://{DEMO_SHOP}", cookies=cookies
    )


@pytest.fixture
async def ada(storefront: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(storefront, DemoCustomers.ADA) as client:
        yield client


@pytest.fixture
async def anonymous(storefront: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(storefront, None) as client:
        yield client


async def page(client: httpx.AsyncClient, url: str) -> Element:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return parse(response.text)


def block(document: Element) -> Element:
    return document.one(tag("order-cancel"))


def rows(document: Element) -> list[Element]:
    return block(document).find_all(has("data-order"))


# -- signing in --------------------------------------------------------------------------------


async def test_account_page_sends_a_signed_out_visitor_to_sign_in(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/account/login?return_url=%2Faccount"


async def test_sign_in_page_offers_the_shops_customers_only(anonymous: httpx.AsyncClient) -> None:
    document = await page(anonymous, "/account/login")
    choices = document.find_all(has("name", "customer_id"))
    assert [c.attrs["value"] for c in choices] == ["1001", "1002"]  # not other-shop's Grace


async def test_signing_in_sets_the_cookie_the_app_proxy_reads(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(
        "/account/login",
        content="customer_id=1002&return_url=%2Faccount%2Forders%2F5010",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account/orders/5010"
    assert anonymous.cookies[CUSTOMER_COOKIE] == cookie_value(DEMO_SHOP, DemoCustomers.BOB)
    assert (await anonymous.get("/account/orders/5010")).status_code == 200


async def test_signing_in_by_link_for_tests_and_demos(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/account/login?customer=1001")
    assert response.headers["location"] == "/account"
    assert (await anonymous.get("/account")).status_code == 200


async def test_signing_in_as_another_shops_customer_is_refused(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.get(f"/account/login?customer={DemoCustomers.GRACE}")
    assert response.status_code == 404
    assert CUSTOMER_COOKIE not in anonymous.cookies


async def test_sign_in_never_returns_to_another_site(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/account/login?customer=1001&return_url=//evil.example/")
    assert response.headers["location"] == "/account"


async def test_signing_out_forgets_the_customer(anonymous: httpx.AsyncClient) -> None:
    await anonymous.get("/account/login?customer=1001")
    response = await anonymous.post("/account/logout")
    assert response.status_code == 303
    assert (await anonymous.get("/account")).status_code == 303


# -- customers/order ---------------------------------------------------------------------------


async def test_order_page_renders_the_block_for_that_order(ada: httpx.AsyncClient) -> None:
    document = await page(ada, "/account/orders/5001")
    element = block(document)
    assert element.attrs["data-endpoint"] == "/apps/cancel/graphql"
    assert element.attrs["data-locale"] == "en"
    [row] = rows(document)
    assert row.attrs["data-order"] == gid(DemoOrders.CANCELLABLE)
    assert row.attrs["data-name"] == "#1001"
    # Rendered before the script runs: the checking text and a button kept hidden until asked.
    assert row.one(has("data-info")).words == "Checking whether this order can be cancelled…"
    assert "hidden" in row.one(has("data-open")).attrs
    headings = document.one(tag("dialog")).find_all(tag("h2"))
    cancel_heading, choose_heading, edit_heading, size_heading, quantity_heading = headings
    assert cancel_heading.words == "Cancel order #1001?"
    # Issue 13: the panels wait, hidden, with the order's country known; "Edit order" too.
    assert choose_heading.words == "Edit order #1001"
    assert edit_heading.words == "New delivery address"
    assert size_heading.words == "Another size or colour"
    assert quantity_heading.words == "Change the quantity"
    for panel in ("data-choose", "data-edit", "data-size", "data-quantity"):
        assert "hidden" in document.one(has(panel)).attrs
    assert "hidden" in row.one(has("data-edit-open")).attrs
    assert row.attrs["data-country"] == "NL"


async def test_order_page_is_reached_by_token_as_well_as_by_id(
    ada: httpx.AsyncClient, devshop_world: World
) -> None:
    token = order_token(devshop_world.orders[DemoOrders.CANCELLABLE])
    document = await page(ada, f"/account/orders/{token}")
    assert rows(document)[0].attrs["data-name"] == "#1001"


async def test_another_customers_order_does_not_exist(ada: httpx.AsyncClient) -> None:
    response = await ada.get(f"/account/orders/{DemoOrders.BOBS_ORDER}")
    assert response.status_code == 404


async def test_fulfilled_order_is_never_asked_about(ada: httpx.AsyncClient) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.FULFILLED}")
    assert rows(document) == []
    assert not block(document).find_all(has("data-open"))
    assert block(document).one(has("data-info")).words == "Your order is already on its way."


async def test_cancelled_order_is_never_asked_about(ada: httpx.AsyncClient) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.ALREADY_CANCELLED}")
    assert rows(document) == []
    assert block(document).one(has("data-info")).words == "This order has been cancelled."


async def test_without_explanations_a_shipped_order_gets_the_general_words(
    ada: httpx.AsyncClient,
) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.FULFILLED}?block.explain=false")
    assert "data-explain" not in block(document).attrs
    assert (
        block(document)
        .one(has("data-info"))
        .words.startswith("This order can no longer be cancelled online.")
    )


async def test_what_happens_to_the_payment_follows_the_financial_status(
    ada: httpx.AsyncClient, devshop_world: World
) -> None:
    devshop_world.orders[DemoOrders.CANCELLABLE_10_MIN].display_financial_status = "AUTHORIZED"
    paid = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    authorized = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE_10_MIN}")
    assert paid.one(has("data-payment")).words.startswith("Your payment will be refunded")
    assert authorized.one(has("data-payment")).words == "You won't be charged for this order."


async def test_store_credit_refunds_are_announced_as_such(
    ada: httpx.AsyncClient, config: StorefrontConfig
) -> None:
    config.app_metafields = {"cancel_button": {"rules": {"refund_method": "STORE_CREDIT"}}}
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    assert "store credit" in document.one(has("data-payment")).words


# -- customers/account -------------------------------------------------------------------------


async def test_account_page_lists_the_orders_that_might_be_cancelled(
    ada: httpx.AsyncClient,
) -> None:
    document = await page(ada, "/account")
    listed = [row.attrs["data-order"] for row in rows(document)]
    # The ten newest orders, less those Liquid knows are shipped (#1002) or cancelled (#1006).
    expected = [5013, 5001, 5004, 5005, 5007, 5011, 5008, 5009, 5012]
    assert listed == [gid(order_id) for order_id in expected]
    assert block(document).one(has("class", "order-cancel__title")).words == "Cancel an order"


async def test_each_listed_order_has_a_button_named_for_it(ada: httpx.AsyncClient) -> None:
    document = await page(ada, "/account")
    first = rows(document)[0]
    assert first.one(has("data-open")).words == "Cancel order #1013"
    assert first.one(tag("a")).attrs["href"] == f"/account/orders/{order_token_of(first)}"


def order_token_of(row: Element) -> str:
    href = row.one(tag("a")).attrs["href"] or ""
    return href.rsplit("/", 1)[-1]


async def test_account_page_without_candidates_shows_no_block(
    storefront: Starlette, devshop_world: World
) -> None:
    for order in devshop_world.orders.values():
        if order.customer_id == DemoCustomers.BOB:
            order.display_fulfillment_status = "FULFILLED"
    async with browser(storefront, DemoCustomers.BOB) as bob:
        document = await page(bob, "/account")
    assert not document.find_all(tag("order-cancel"))
    assert not document.find_all(has("class", "order-cancel order-cancel__editor"))


# -- the merchant's settings and the app's metafield -------------------------------------------


async def test_block_settings_default_to_the_schema(ada: httpx.AsyncClient) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    element = block(document)
    assert "data-explain" in element.attrs
    assert element.attrs["data-reason-codes"] == ""
    assert "--order-cancel-accent: #1a1a1a" in (element.attrs["style"] or "")
    assert element.one(has("data-open")).attrs["class"] == (
        "order-cancel__button order-cancel__button--solid"
    )
    assert element.find_all(tag("textarea"))  # the note is asked for by default


async def test_block_settings_can_be_set_per_request(ada: httpx.AsyncClient) -> None:
    document = await page(
        ada,
        f"/account/orders/{DemoOrders.CANCELLABLE}?block.button_label=Stop+it"
        "&block.button_style=link&block.ask_note=false&block.proxy_path=a/cancel/"
        "&block.reasons=wrong_address,+OTHER&block.confirmation=Sure%3F",
    )
    element = block(document)
    assert element.one(has("data-open")).words == "Stop it"
    assert "order-cancel__button--link" in (element.one(has("data-open")).attrs["class"] or "")
    assert not element.find_all(tag("textarea"))
    assert element.attrs["data-endpoint"] == "/a/cancel/graphql"
    assert element.attrs["data-reason-codes"] == "WRONG_ADDRESS,OTHER"
    confirmation, _choose_intro = element.find_all(has("class", "order-cancel__text"))
    assert confirmation.words == "Sure?"


async def test_a_merchants_text_is_escaped(ada: httpx.AsyncClient) -> None:
    response = await ada.get(f"/account/orders/{DemoOrders.CANCELLABLE}?block.button_label=<b>x")
    assert "&lt;b&gt;x" in response.text
    assert "<b>x" not in response.text


async def test_an_unknown_or_mistyped_setting_is_a_bad_request(ada: httpx.AsyncClient) -> None:
    unknown = await ada.get("/account?block.nope=1")
    bad_option = await ada.get("/account?block.button_style=huge")
    assert unknown.status_code == bad_option.status_code == 400


async def test_block_settings_can_be_set_for_a_run(
    ada: httpx.AsyncClient, config: StorefrontConfig
) -> None:
    config.block_settings["button_label"] = "Cancel it"
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    assert block(document).one(has("data-open")).words == "Cancel it"


async def test_disabled_rules_hide_the_block(
    ada: httpx.AsyncClient, config: StorefrontConfig
) -> None:
    config.app_metafields = {"cancel_button": {"rules": {"enabled": False}}}
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    assert not document.find_all(tag("order-cancel"))
    account = await page(ada, "/account")
    assert not account.find_all(tag("order-cancel"))


async def test_disabled_rules_can_come_with_the_request(ada: httpx.AsyncClient) -> None:
    rules = "metafield.cancel_button.rules=%7B%22enabled%22%3Afalse%7D"
    url = f"/account/orders/{DemoOrders.CANCELLABLE}?{rules}"
    document = await page(ada, url)
    assert not document.find_all(tag("order-cancel"))
    assert (await ada.get("/account?metafield.cancel_button.rules={nope")).status_code == 400


async def test_the_theme_editor_is_told_why_the_block_is_hidden(
    ada: httpx.AsyncClient, config: StorefrontConfig
) -> None:
    config.app_metafields = {"cancel_button": {"rules": {"enabled": False}}}
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}?design_mode=1")
    notice = document.one(has("class", "order-cancel order-cancel__editor"))
    assert "turned off" in notice.words


async def test_the_theme_editor_previews_the_dialog_without_asking_the_app(
    ada: httpx.AsyncClient,
) -> None:
    url = f"/account/orders/{DemoOrders.CANCELLABLE}?design_mode=1&block.reasons=OTHER,GIFT_WRAP"
    document = await page(ada, url)
    assert rows(document) == []  # nothing for the script to ask about
    assert "data-shopify-editor-block" in block(document).attrs
    dialog = document.one(tag("dialog"))
    assert "open" in dialog.attrs
    reasons = dialog.one(has("data-reasons")).find_all(has("name", "reason"))
    assert [r.attrs["value"] for r in reasons] == ["OTHER", "GIFT_WRAP"]
    labels = dialog.one(has("data-reasons")).find_all(has("class", "order-cancel__reason"))
    assert [label.words for label in labels] == [
        "Another reason",
        "GIFT_WRAP",
    ]


# -- languages -----------------------------------------------------------------------------------


async def test_the_customers_language_is_used_and_remembered(ada: httpx.AsyncClient) -> None:
    dutch = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}?locale=nl")
    assert dutch.one(tag("html")).attrs["lang"] == "nl"
    assert block(dutch).attrs["data-locale"] == "nl"
    assert block(dutch).one(has("data-open")).words == "Bestelling annuleren"
    later = await page(ada, "/account")
    assert block(later).one(has("class", "order-cancel__title")).words == "Een bestelling annuleren"


@pytest.mark.parametrize(
    ("locale", "served"), [("de", "de"), ("fr-CA", "fr"), ("es", "es"), ("ja", "en")]
)
async def test_a_language_falls_back_as_shopify_does(
    ada: httpx.AsyncClient, locale: str, served: str
) -> None:
    document = await page(ada, f"/account?locale={locale}")
    assert block(document).attrs["data-locale"] == served


async def test_messages_for_the_script_come_in_the_customers_language(
    ada: httpx.AsyncClient,
) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}?locale=de")
    messages = {p.attrs["data-m"]: p.words for p in block(document).find_all(has("data-m"))}
    assert messages["FULFILLMENT_STARTED"] == "Deine Bestellung wird bereits verpackt."
    assert messages["deadline"] == "Du kannst bis %s stornieren."
    assert messages["title"] == "Bestellung %s stornieren?"
    assert messages["reason.OTHER"] == "Ein anderer Grund"


# -- assets and the page around the block ------------------------------------------------------


async def test_the_head_loads_the_blocks_stylesheet_and_script(ada: httpx.AsyncClient) -> None:
    document = await page(ada, "/account")
    head = document.one(tag("head"))
    [script] = [
        s for s in head.find_all(tag("script")) if "order-cancel.js" in (s.attrs["src"] or "")
    ]
    [link] = [
        s for s in head.find_all(tag("link")) if "order-cancel.css" in (s.attrs["href"] or "")
    ]
    assert "defer" in script.attrs
    javascript = await ada.get(script.attrs["src"] or "")
    stylesheet = await ada.get(link.attrs["href"] or "")
    assert javascript.status_code == stylesheet.status_code == 200
    assert "customElements.define('order-cancel'" in javascript.text
    assert javascript.headers["content-type"].startswith("text/javascript")
    assert stylesheet.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        (
            f"/account/orders/{DemoOrders.CANCELLABLE}",
            [
                "order-cancel-items",
                "order-cancel-edit",
                "order-cancel-quantity",
                "order-cancel-buy-again",
            ],
        ),
        ("/account", ["order-cancel-items", "order-cancel-edit", "order-cancel-quantity"]),
    ],
)
async def test_the_block_loads_the_scripts_of_its_parts(
    ada: httpx.AsyncClient, url: str, parts: list[str]
) -> None:
    document = await page(ada, url)
    # The block's own Liquid loads them, deferred, after the schema's script in the head.
    scripts = [
        s for s in document.find_all(tag("script")) if "/cancel-button/" in (s.attrs["src"] or "")
    ]
    names = [(s.attrs["src"] or "").split("/assets/")[1].split("?")[0] for s in scripts]
    assert names == ["order-cancel.js"] + [f"{part}.js" for part in parts]
    assert all("defer" in s.attrs for s in scripts)
    for script, part in zip(scripts[1:], parts, strict=True):
        javascript = await ada.get(script.attrs["src"] or "")
        assert javascript.status_code == 200
        assert javascript.headers["content-type"].startswith("text/javascript")
        assert f"customElements.define('{part}'" in javascript.text
    # The elements they define are in the rendered markup.
    assert [bool(block(document).find_all(tag(part))) for part in parts[:2]] == [True, True]


@pytest.mark.parametrize(
    "path",
    [
        "/cdn/shop/extensions/cancel-button/assets/nope.js",
        "/cdn/shop/extensions/cancel-button/assets/..%2Fshopify.extension.toml",
        "/cdn/shop/extensions/other-app/assets/order-cancel.js",
        "/cdn/shop/t/devshop/assets/..%2Flayout%2Ftheme.liquid",
    ],
)
async def test_only_the_extensions_assets_are_served(ada: httpx.AsyncClient, path: str) -> None:
    assert (await ada.get(path)).status_code == 404


async def test_the_schema_is_not_rendered(ada: httpx.AsyncClient) -> None:
    response = await ada.get("/account")
    assert '"enabled_on"' not in response.text
    assert "{%" not in response.text


async def test_the_order_page_shows_the_orders_own_details(ada: httpx.AsyncClient) -> None:
    document = await page(ada, f"/account/orders/{DemoOrders.CANCELLABLE}")
    assert document.one(tag("h1")).words == "Order #1001"
    assert re.search(r"Linen shirt", document.words)


# -- the `t` filter ------------------------------------------------------------------------------


def test_t_interpolates_and_escapes_unless_the_key_ends_in_html() -> None:
    strings = {"a": {"plain": "{{ who }} & co's", "rich_html": "<b>{{ who }}</b>"}}
    assert translate(strings, "en", "a.plain", {"who": "Ada"}) == "Ada &amp; co&#x27;s"
    assert translate(strings, "en", "a.rich_html", {"who": "Ada"}) == "<b>Ada</b>"


def test_t_pluralizes_on_count() -> None:
    strings = {"items": {"one": "{{ count }} item", "other": "{{ count }} items"}}
    assert translate(strings, "en", "items", {"count": 1}) == "1 item"
    assert translate(strings, "en", "items", {"count": 3}) == "3 items"


def test_t_says_when_a_translation_is_missing() -> None:
    assert translate({}, "nl", "a.b", {}) == "translation missing: nl.a.b"
