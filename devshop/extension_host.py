"""UI extensions hosted the way Shopify hosts them, closely enough for a click-through.

GET  /extensions/thank-you?order=5001[&customer=1001][&locale=nl]
     the thank-you page with `purchase.thank-you.block.render`; without `customer` the buyer
     checked out as a guest
GET  /extensions/order-action?order=5001[&customer=1001][&locale=nl]
     the customer account order page: the order action menu item, and its modal on click
GET  /extensions/frame/{extension}/{module}?…   one target, isolated in its own frame as
     Shopify isolates each target in its own worker: the `shopify` global, a small set of
     Polaris web components, then the built bundle
GET  /extensions/dist/{extension}/{file}        the bundle `scripts/build-extensions.mjs` built
POST /extensions/session-token                  `shopify.sessionToken.get()`: a fresh token,
     signed as Shopify signs it (devshop.id_tokens)

What it does not emulate is listed in the README ("devshop's extension host").
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from devshop.id_tokens import extension_token
from devshop.settings import DevshopSettings
from devshop.world import World

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).with_name("extension_host_assets")
EXTENSIONS = {
    "cancel-thank-you": {"ThankYouBlock.js"},
    "cancel-order-action": {"MenuItem.js", "CancelModal.js"},
    "withdraw-order-action": {"MenuItem.js", "WithdrawModal.js"},
}
LOCALES = ("en", "nl", "de", "fr", "es")


def _customer(request: Request) -> int | None:
    raw = request.query_params.get("customer", "")
    return int(raw) if raw.isdigit() else None


def _locale(request: Request) -> str:
    locale = request.query_params.get("locale", "en")
    return locale if locale in LOCALES else "en"


def _translations(extension: str, locale: str) -> object:
    name = "en.default" if locale == "en" else locale
    return json.loads((ROOT / "extensions" / extension / "locales" / f"{name}.json").read_text())


def extension_host_routes(world: World, settings: DevshopSettings) -> list[BaseRoute]:
    def page(template: str, **values: str) -> HTMLResponse:
        text = (ASSETS / template).read_text()
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        return HTMLResponse(text)

    def order_or_404(request: Request) -> tuple[int, str] | Response:
        raw = request.query_params.get("order", "")
        order = world.order(int(raw)) if raw.isdigit() else None
        if order is None or order.shop != settings.shop:
            return Response("No such order in the demo shop.", status_code=404)
        return order.id, order.name

    async def thank_you(request: Request) -> Response:
        found = order_or_404(request)
        if isinstance(found, Response):
            return found
        order_id, name = found
        return page(
            "thank-you.html",
            name=html.escape(name),
            frame=html.escape(
                f"/extensions/frame/cancel-thank-you/ThankYouBlock.js?{request.url.query}"
            ),
        )

    async def order_action(request: Request) -> Response:
        found = order_or_404(request)
        if isinstance(found, Response):
            return found
        _, name = found
        query = request.url.query
        # `?action=withdraw`: the EU withdrawal's order action (issue 15) instead of the cancel.
        extension, modal = (
            ("withdraw-order-action", "WithdrawModal.js")
            if request.query_params.get("action") == "withdraw"
            else ("cancel-order-action", "CancelModal.js")
        )
        return page(
            "order-action.html",
            name=html.escape(name),
            menu=html.escape(f"/extensions/frame/{extension}/MenuItem.js?{query}"),
            modal=html.escape(f"/extensions/frame/{extension}/{modal}?{query}"),
        )

    async def frame(request: Request) -> Response:
        extension = request.path_params["extension"]
        module = request.path_params["module"]
        if module not in EXTENSIONS.get(extension, set()):
            return Response("No such extension target.", status_code=404)
        raw = request.query_params.get("order", "")
        order = world.order(int(raw)) if raw.isdigit() else None
        if order is None:
            return Response("No such order.", status_code=404)
        locale = _locale(request)
        context = {
            "appUrl": settings.backend_url,
            "bundle": f"/extensions/dist/{extension}/{module}",
            "module": module,
            "locale": locale,
            "translations": _translations(extension, locale),
            "customer": _customer(request),
            "orderId": f"gid://shopify/Order/{order.id}",
            "confirmationNumber": order.confirmation_number,
            # The storefront's URL (`shopify.shop.storefrontUrl`): devshop serves it itself.
            "storefrontUrl": str(request.base_url).rstrip("/"),
        }
        # `</` cannot end the inline script early when JSON is embedded in HTML.
        data = json.dumps(context).replace("</", "<\\/")
        return page("frame.html", context=data, lang=locale)

    async def bundle(request: Request) -> Response:
        extension, file = request.path_params["extension"], request.path_params["file"]
        path = ROOT / "extensions" / extension / "dist" / file
        if file not in EXTENSIONS.get(extension, set()) or not path.is_file():
            return Response("Not built: run `node scripts/build-extensions.mjs`.", status_code=404)
        return FileResponse(
            path, media_type="text/javascript", headers={"Cache-Control": "no-store"}
        )

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("components.js", "runtime.js"):
            return Response(status_code=404)
        return FileResponse(ASSETS / name, media_type="text/javascript")

    async def session_token(request: Request) -> JSONResponse:
        body = await request.json()
        customer = body.get("customer")
        token = extension_token(
            settings.shop,
            api_key=settings.api_key,
            secret=settings.api_secret,
            customer_id=customer if isinstance(customer, int) else None,
        )
        return JSONResponse({"token": token})

    return [
        Route("/extensions/thank-you", thank_you, methods=["GET"]),
        Route("/extensions/order-action", order_action, methods=["GET"]),
        Route("/extensions/frame/{extension}/{module}", frame, methods=["GET"]),
        Route("/extensions/dist/{extension}/{file}", bundle, methods=["GET"]),
        Route("/extensions/assets/{name}", asset, methods=["GET"]),
        Route("/extensions/session-token", session_token, methods=["POST"]),
    ]
