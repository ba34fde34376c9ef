"""`GET /admin`: the Shopify admin's frame around App Home, so the merchant side runs locally.

Shopify's admin loads an embedded app in an iframe at the app's URL with `shop`, `host` (the
admin's address, base64), `embedded=1`, the staff member's language as `locale` and a freshly
signed one-minute ID token as `id_token`; this page does the same on every load. `?shop=` picks
another of devshop's shops, `?locale=` the staff member's language (default `en`), `?path=` the
app's screen (default `/`), as a click in the admin's app menu would.
"""

from __future__ import annotations

import base64
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from devshop.id_tokens import app_home_token
from devshop.settings import DevshopSettings
from devshop.world import World

APP_TITLE = "Cancel button"


def host_param(shop: str) -> str:
    """What Shopify passes as `host`: the admin's address for the store, base64 encoded."""
    store = shop.removesuffix(".myshopify.com")
    return base64.b64encode(f"admin.shopify.com/store/{store}".encode()).decode().rstrip("=")


def app_home_url(
    backend_url: str, shop: str, id_token: str, locale: str = "en", path: str = "/"
) -> str:
    query = urlencode(
        {
            "embedded": "1",
            "host": host_param(shop),
            "id_token": id_token,
            "locale": locale,
            "shop": shop,
        }
    )
    return f"{backend_url}{path}?{query}"


def admin_frame_routes(world: World, settings: DevshopSettings) -> list[Route]:
    async def frame(request: Request) -> Response:
        shop = request.query_params.get("shop") or settings.shop
        if shop not in world.shops:
            return HTMLResponse("No such shop.", status_code=404)
        token = app_home_token(shop, api_key=settings.api_key, secret=settings.api_secret)
        locale = request.query_params.get("locale") or "en"
        path = request.query_params.get("path") or "/"
        if not path.startswith("/") or path.startswith("//"):
            return HTMLResponse("No such screen.", status_code=404)
        src = app_home_url(settings.backend_url, shop, token, locale, path)
        name = world.shops[shop].name
        return HTMLResponse(
            _PAGE.format(
                shop=escape(name),
                title=escape(APP_TITLE),
                src=escape(src, quote=True),
            ),
            headers={"Cache-Control": "no-store"},
        )

    return [Route("/admin", frame, methods=["GET"])]


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {shop} · devshop admin</title>
<style>
  body {{ margin: 0; font-family: system-ui, sans-serif; background: #1a1a1a; color: #fff; }}
  .bar {{ display: flex; gap: 1rem; align-items: center; padding: 0.5rem 1rem; }}
  .bar strong {{ font-weight: 650; }}
  .layout {{ display: grid; grid-template-columns: 12rem 1fr; min-height: calc(100vh - 2.5rem); }}
  nav {{ background: #ebebeb; color: #303030; padding: 1rem; }}
  nav a {{ color: #303030; }}
  main {{ background: #f1f1f1; }}
  iframe {{ border: 0; width: 100%; height: calc(100vh - 2.5rem); display: block; }}
</style>
</head>
<body>
<header class="bar"><strong>devshop admin</strong><span>{shop}</span></header>
<div class="layout">
<nav aria-label="Admin"><p>Apps</p><p><a href="/admin" aria-current="page">{title}</a></p></nav>
<main><iframe title="{title}" src="{src}"></iframe></main>
</div>
</body>
</html>"""
