"""The storefront's classic customer account pages, with our theme app block in an "Apps" section.

GET  /account/login              development sign-in: pick a customer (`?customer=1001` signs in
                                 at once); POST the form to sign in; the choice lives in a cookie
POST /account/logout             sign out
GET  /account                    customers/account: order history, then the block
GET  /account/orders/{token}     customers/order: one of the signed-in customer's orders
GET  /cdn/shop/extensions/{name}/assets/{file}   the extension's assets, where `asset_url` points
GET  /cdn/shop/t/devshop/assets/{file}           devshop's theme stylesheet
GET  /cart/{items}, GET /cart, POST /cart/checkout   cart permalinks and the cart
                                 (`devshop.storefront.cart`)

Every page takes, for demos and tests: `?apps=order-cancel,order-withdraw` (the app blocks on
the page), `?locale=nl` (kept in a cookie), `?block.<setting>=…`
(a block setting, typed by the schema), `?metafield.<namespace>.<key>=<json>` (an app-data
metafield, as `app.metafields.<namespace>.<key>`) and `?design_mode=1` (the theme editor).
`StorefrontConfig` holds the same for a whole run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from liquid import FileSystemLoader
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from devshop import order_actions
from devshop.session import CUSTOMER_COOKIE, cookie_value, signed_in_customer
from devshop.settings import DevshopSettings
from devshop.storefront.cart import CART_COOKIE, attributes, cart_of, new_cart, parse_items
from devshop.storefront.drops import (
    customer_drop,
    customer_orders,
    find_order,
    order_drop,
    shop_drop,
)
from devshop.storefront.extension import EXTENSION_DIR, Block, ThemeAppExtension
from devshop.storefront.liquid_env import block_environment, theme_environment
from devshop.world import Customer, Metafield, Shop, World

TEMPLATES_DIR = Path(__file__).parent / "templates"
LOCALE_COOKIE = "devshop_locale"
BLOCK_HANDLE = "order-cancel"
DEFAULT_PROXY_PREFIX = "/apps/cancel"


@dataclass
class StorefrontConfig:
    """How the merchant set the store up: block settings changed in the theme editor (on top of
    the schema's defaults) and the app's app-data metafields, `{namespace: {key: value}}`."""

    block_settings: dict[str, object] = field(default_factory=dict)
    app_metafields: dict[str, dict[str, object]] = field(default_factory=dict)
    design_mode: bool = False
    block_id: str = "AZk1Yb2xjRmN3V__cancel_button_order_cancel"
    # The app blocks the merchant added to the "Apps" section, in order; `?apps=a,b` on a page
    # overrides it (the withdrawal block, issue 15, is added by the tests and demos that show it).
    blocks: tuple[str, ...] = (BLOCK_HANDLE,)


class BadRequest(Exception):
    pass


def storefront_routes(
    world: World,
    settings: DevshopSettings,
    *,
    shop_for: Callable[[Request], str | None] | None = None,
    config: StorefrontConfig | None = None,
    extension_dir: Path = EXTENSION_DIR,
) -> list[BaseRoute]:
    """The storefront's routes. `shop_for` tells which shop a request is for (default: the
    settings' shop); `config` is the merchant's setup, shared with the caller so tests can
    change it between requests. Files are read on every request, so edits show on reload."""
    storefront = Storefront(world, settings, shop_for, config or StorefrontConfig(), extension_dir)
    return [
        Route("/account/login", storefront.login, methods=["GET", "POST"]),
        Route("/account/logout", storefront.logout, methods=["GET", "POST"]),
        Route("/account", storefront.account, methods=["GET"]),
        Route("/account/orders/{token}", storefront.order, methods=["GET"]),
        Route(
            "/cdn/shop/extensions/{extension}/assets/{file}",
            storefront.extension_asset,
            methods=["GET"],
        ),
        Route("/cdn/shop/t/devshop/assets/{file}", storefront.theme_asset, methods=["GET"]),
        Route("/cart", storefront.cart, methods=["GET"]),
        Route("/cart/checkout", storefront.checkout, methods=["POST"]),
        Route("/cart/{items}", storefront.cart_permalink, methods=["GET"]),
    ]


class Storefront:
    def __init__(
        self,
        world: World,
        settings: DevshopSettings,
        shop_for: Callable[[Request], str | None] | None,
        config: StorefrontConfig,
        extension_dir: Path,
    ) -> None:
        self.world = world
        self.settings = settings
        self.shop_for = shop_for or (lambda request: settings.shop)
        self.config = config
        self.extension_dir = extension_dir
        self.theme = theme_environment(FileSystemLoader(TEMPLATES_DIR, ext=".liquid"))

    # -- pages ---------------------------------------------------------------------------------

    async def login(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        return_url = _local_path(request.query_params.get("return_url"))
        chosen = request.query_params.get("customer")
        if request.method == "POST":
            form = dict(parse_qsl((await request.body()).decode()))
            chosen = form.get("customer_id")
            return_url = _local_path(form.get("return_url"))
        if chosen is not None:
            customer = self._customer(shop, chosen)
            if customer is None:
                return _not_found("No such customer in this shop.")
            response = RedirectResponse(return_url, status_code=303)
            value = cookie_value(shop.domain, customer.id)
            response.set_cookie(CUSTOMER_COOKIE, value, httponly=True, samesite="lax")
            return response
        customers = sorted(
            (c for c in self.world.customers.values() if c.shop == shop.domain), key=lambda c: c.id
        )
        people = [customer_drop(c, [], ZoneInfo(shop.iana_timezone)) for c in customers]
        return self._page(
            request,
            shop,
            None,
            "customers/login",
            "Sign in",
            {"customers": people, "return_url": return_url},
        )

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/account/login", status_code=303)
        response.delete_cookie(CUSTOMER_COOKIE)
        return response

    async def account(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        customer = self._signed_in(request, shop)
        if customer is None:
            return _to_login(request)
        return self._page(request, shop, customer, "customers/account", "Account", {})

    async def order(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        customer = self._signed_in(request, shop)
        if customer is None:
            return _to_login(request)
        order = find_order(self.world, shop.domain, customer.id, request.path_params["token"])
        if order is None:
            return _not_found("No such order in your account.")
        drop = order_drop(order, ZoneInfo(shop.iana_timezone))
        return self._page(
            request, shop, customer, "customers/order", f"Order {order.name}", {"order": drop}
        )

    async def extension_asset(self, request: Request) -> Response:
        extension = ThemeAppExtension.load(self.extension_dir)
        path = extension.asset(request.path_params["file"])
        if request.path_params["extension"] != extension.name or path is None:
            return _not_found()
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def theme_asset(self, request: Request) -> Response:
        assets = (TEMPLATES_DIR / "assets").resolve()
        path = (assets / request.path_params["file"]).resolve()
        if path.parent != assets or not path.is_file():
            return _not_found()
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def cart_permalink(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        cart = new_cart(self.world, shop.domain)
        cart.items = parse_items(self.world, shop.domain, request.path_params["items"])
        cart.attributes = attributes(request.query_params.multi_items())
        response = RedirectResponse("/cart", status_code=302)
        response.set_cookie(CART_COOKIE, cart.token, samesite="lax")
        return response

    async def cart(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        cart = cart_of(self.world, shop.domain, request.cookies.get(CART_COOKIE))
        items = [
            {
                "title": product.title,
                "quantity": quantity,
                "variant_id": product.id * 10 + 1,
                "price": f"€{product.price}",
            }
            for product, quantity in (cart.items if cart else [])
        ]
        objects = {"shop": shop_drop(shop), "cart": {"items": items}}
        content = self.theme.get_template("cart").render(**objects)
        extension = ThemeAppExtension.load(self.extension_dir)
        page = self.theme.get_template("layout/theme").render(
            **objects,
            customer=None,
            request={"locale": {"iso_code": self._locale(request, extension)}},
            content_for_layout=content,
            content_for_header="",
            page_title="Your cart",
            locales=extension.locales,
            theme_css_url="/cdn/shop/t/devshop/assets/theme.css",
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    async def checkout(self, request: Request) -> Response:
        shop = self._shop(request)
        if shop is None:
            return _not_found()
        customer = self._signed_in(request, shop)
        cart = cart_of(self.world, shop.domain, request.cookies.get(CART_COOKIE))
        if customer is None or cart is None or not cart.items:
            return _to_login(request) if customer is None else RedirectResponse("/cart", 303)
        order = order_actions.create_order(
            self.world,
            shop=shop.domain,
            customer_id=customer.id,
            products=[product for product, _ in cart.items],
            quantities=[quantity for _, quantity in cart.items],
            note_attributes=cart.attributes,
        )
        cart.items = []
        return RedirectResponse(f"/account/orders/{order.id}", status_code=303)

    # -- rendering -----------------------------------------------------------------------------

    def _page(
        self,
        request: Request,
        shop: Shop,
        customer: Customer | None,
        template: str,
        title: str,
        extra: Mapping[str, object],
    ) -> Response:
        extension = ThemeAppExtension.load(self.extension_dir)
        locale = self._locale(request, extension)
        try:
            design_mode = self.config.design_mode or _flag(request.query_params.get("design_mode"))
            tz = ZoneInfo(shop.iana_timezone)
            orders = customer_orders(self.world, shop.domain, customer.id) if customer else []
            objects: dict[str, Any] = {
                "shop": shop_drop(shop),
                "customer": customer_drop(customer, orders, tz) if customer else None,
                "request": {
                    "design_mode": design_mode,
                    "locale": {"iso_code": locale, "primary": locale == extension.default_locale},
                    "path": request.url.path,
                    "host": request.url.hostname,
                    "page_type": template,
                },
                "template": {
                    "name": template.split("/")[-1],
                    "directory": template.split("/")[0],
                },
                **extra,
            }
            apps = ""
            head = ""
            if template != "customers/login":
                chosen = request.query_params.get("apps")
                handles = chosen.split(",") if chosen else self.config.blocks
                blocks = [extension.blocks[h] for h in handles if h in extension.blocks]
                apps = "".join(
                    self._render_block(request, extension, block, objects, design_mode)
                    for block in blocks
                )
                head = "".join(_block_assets(extension, block) for block in blocks)
        except BadRequest as error:
            return HTMLResponse(str(error), status_code=400)
        content = self.theme.get_template(template).render(**objects, apps=apps)
        page = self.theme.get_template("layout/theme").render(
            **objects,
            content_for_layout=content,
            content_for_header=head,
            page_title=title,
            locales=extension.locales,
            theme_css_url="/cdn/shop/t/devshop/assets/theme.css",
        )
        response = HTMLResponse(page, headers={"Cache-Control": "no-store"})
        if "locale" in request.query_params:
            response.set_cookie(LOCALE_COOKIE, locale, samesite="lax")
        return response

    def _render_block(
        self,
        request: Request,
        extension: ThemeAppExtension,
        block: Block,
        objects: Mapping[str, Any],
        design_mode: bool,
    ) -> str:
        block_settings = self._block_settings(request, block)
        block_id = self.config.block_id
        if block.handle != BLOCK_HANDLE:
            block_id = f"{block_id.split('__')[0]}__cancel_button_{block.handle.replace('-', '_')}"
        env = block_environment(extension, lambda name: _asset_url(extension, name))
        return env.from_string(block.source, name=f"blocks/{block.handle}.liquid").render(
            **objects,
            block={
                "id": block_id,
                "type": f"shopify://apps/{extension.name}/blocks/{block.handle}",
                "settings": block_settings,
                "shopify_attributes": (
                    f'data-shopify-editor-block="{{&quot;id&quot;:&quot;{block_id}&quot;}}"'
                    if design_mode
                    else ""
                ),
            },
            app={"metafields": self._app_metafields(request)},
        )

    def _block_settings(self, request: Request, block: Block) -> dict[str, object]:
        values = block.default_settings()
        if self.settings.proxy_prefix != DEFAULT_PROXY_PREFIX:
            # The merchant renamed the proxy and told the block, as the setting's help asks.
            values["proxy_path"] = self.settings.proxy_prefix
        ours = {setting["id"] for setting in block.settings}
        if block.handle != BLOCK_HANDLE:
            # The tests' and demos' settings are the cancel block's; this one keeps its own.
            values.update({k: v for k, v in self.config.block_settings.items() if k in ours})
            return values
        values.update(self.config.block_settings)
        for key, raw in request.query_params.multi_items():
            if key.startswith("block."):
                try:
                    values[key.removeprefix("block.")] = block.parse_setting(
                        key.removeprefix("block."), raw
                    )
                except (StopIteration, ValueError) as error:
                    raise BadRequest(f"bad block setting {key}={raw!r}: {error}") from error
        return values

    def _app_metafields(self, request: Request) -> dict[str, dict[str, dict[str, object]]]:
        # What the app wrote with metafieldsSet, under what the run's config sets by hand.
        stored: dict[str, dict[str, object]] = {}
        shop = self._shop(request)
        for namespace, written in self.world.app_metafields(shop.domain if shop else "").items():
            for name, metafield in written.items():
                stored.setdefault(namespace, {})[name] = _metafield_value(metafield)
        for namespace, keys in self.config.app_metafields.items():
            stored.setdefault(namespace, {}).update(keys)
        for key, raw in request.query_params.multi_items():
            if key.startswith("metafield."):
                namespace, _, name = key.removeprefix("metafield.").partition(".")
                try:
                    stored.setdefault(namespace, {})[name] = json.loads(raw)
                except json.JSONDecodeError as error:
                    raise BadRequest(f"{key} must be JSON: {error}") from error
        # Liquid reads a metafield's value through `.value`, as with a JSON metafield.
        return {
            namespace: {
                name: {"value": value, "type": _metafield_type(value)}
                for name, value in keys.items()
            }
            for namespace, keys in stored.items()
        }

    # -- who and where -------------------------------------------------------------------------

    def _shop(self, request: Request) -> Shop | None:
        domain = self.shop_for(request)
        return self.world.shops.get(domain) if domain else None

    def _customer(self, shop: Shop, raw_id: str) -> Customer | None:
        customer = self.world.customers.get(int(raw_id)) if raw_id.isdigit() else None
        return customer if customer is not None and customer.shop == shop.domain else None

    def _signed_in(self, request: Request, shop: Shop) -> Customer | None:
        customer_id = signed_in_customer(request, shop.domain)
        return self._customer(shop, str(customer_id)) if customer_id is not None else None

    def _locale(self, request: Request, extension: ThemeAppExtension) -> str:
        wanted = request.query_params.get("locale") or request.cookies.get(LOCALE_COOKIE) or ""
        return extension.resolve_locale(wanted) if wanted else extension.default_locale


def _asset_url(extension: ThemeAppExtension, name: str) -> str:
    path = extension.asset(name)
    version = int(path.stat().st_mtime) if path else 0
    return f"/cdn/shop/extensions/{extension.name}/assets/{name}?v={version}"


def _block_assets(extension: ThemeAppExtension, block: Block) -> str:
    """What Shopify adds to <head> for an app block on the page: its stylesheet and script."""
    tags = []
    if block.stylesheet:
        tags.append(f'<link rel="stylesheet" href="{_asset_url(extension, block.stylesheet)}">')
    if block.javascript:
        tags.append(f'<script src="{_asset_url(extension, block.javascript)}" defer></script>')
    return "\n    ".join(tags)


def _metafield_value(metafield: Metafield) -> object:
    """A stored metafield's value as Liquid sees it: JSON parsed, booleans and numbers typed."""
    if metafield.type == "json":
        return json.loads(metafield.value)
    if metafield.type == "boolean":
        return metafield.value == "true"
    if metafield.type == "number_integer":
        return int(metafield.value)
    return metafield.value


def _metafield_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number_integer"
    if isinstance(value, str):
        return "single_line_text_field"
    return "json"


def _flag(raw: str | None) -> bool:
    return raw is not None and raw.strip().lower() in {"1", "true", "on", "yes"}


def _local_path(raw: str | None) -> str:
    """A same-site path to return to after signing in; anything else goes to the account."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/account"


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/account/login?" + urlencode({"return_url": target}), status_code=303)


def _not_found(message: str = "Not found.") -> Response:
    return HTMLResponse(message, status_code=404)
