"""The guest's withdrawal page on the App Proxy: `/apps/cancel/withdraw` (forwarded, signed, to
`/proxy/withdraw`) asks for the order number and e-mail; `/apps/cancel/withdraw/{token}`, the
e-mailed one-time link, runs the two steps as plain forms (no script needed) and ends with the
acknowledgement on screen and as a download."""

from __future__ import annotations

from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from shopify_app import ShopifyApp
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from backend.auth.app_proxy import verify_app_proxy
from backend.graphql.endpoint import client_ip
from backend.ratelimit.limiter import Limiter, LimiterUnavailable, Subject
from backend.ratelimit.rules import Kind
from backend.settings import Settings
from backend.withdrawal.acknowledgement import language
from backend.withdrawal.guest import GuestLinks
from backend.withdrawal.withdrawing import Review, Statement, Withdrawals, Withdrawn
from backend.withdrawal.words import WORDS

_pages = Environment(
    loader=PackageLoader("backend.withdrawal", "templates"),
    autoescape=select_autoescape(["html"]),
)
MAX_FORM = 4096


def _page(lang: str, status: int = 200, **context: str) -> HTMLResponse:
    html = _pages.get_template("withdraw.html").render(lang=lang, w=WORDS[lang], **context)
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _lang(request: Request) -> str:
    return language(request.headers.get("accept-language", "").split(",")[0].split(";")[0])


async def withdraw_page(request: Request) -> Response:
    """`/proxy/withdraw`: ask for the order number and e-mail; answer alike for every order."""
    shopify: ShopifyApp = request.state.shopify
    viewer = verify_app_proxy(shopify, request, b"")
    if viewer is None:
        return Response("Unauthorized", status_code=401)
    lang = _lang(request)
    if request.method != "POST":
        return _page(lang, step="ask")
    form = await _form(request)
    settings: Settings = request.state.settings
    limiter: Limiter = request.state.limiter
    subject = Subject(
        shop=viewer.shop,
        ip=client_ip(
            request.headers,
            request.scope.get("client"),
            trusted_hops=settings.trusted_proxy_hops,
            via_shopify=True,
        ),
        order=form.get("number", "").strip().lstrip("#")[:20] or None,
    )
    try:
        refusal = await limiter.hit(Kind.CANCEL, subject)
    except LimiterUnavailable:
        return _page(lang, 503, step="ask", problem=WORDS[lang]["limited"])
    if refusal is not None:
        response = _page(lang, 429, step="ask", problem=WORDS[lang]["limited"])
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    links: GuestLinks = request.state.guest_links
    prefix = request.query_params.get("path_prefix") or "/apps/cancel"
    await links.request(
        viewer.shop,
        form.get("number", ""),
        form.get("email", ""),
        link_base=f"https://{viewer.shop}.myshopify.com{prefix}/withdraw",
        locale=lang,
    )
    return _page(lang, step="sent")


async def withdraw_link(request: Request) -> Response:
    """`/proxy/withdraw/{token}`: the statement, its review and "confirm withdrawal"."""
    shopify: ShopifyApp = request.state.shopify
    viewer = verify_app_proxy(shopify, request, b"")
    if viewer is None:
        return Response("Unauthorized", status_code=401)
    lang = _lang(request)
    links: GuestLinks = request.state.guest_links
    token = request.path_params["token"]
    opened = await links.open(viewer.shop, token)
    if opened is None:
        return _page(lang, step="gone")
    if request.method != "POST":
        return _page(
            lang, step="statement", name="", email=opened.link.email, order_name=opened.order_name
        )
    form = await _form(request)
    statement = Statement(
        order_id=opened.link.order_id,
        name=form.get("name", ""),
        email=form.get("email", ""),
        locale=lang,
    )
    confirming = form.get("step") == "CONFIRM"
    withdrawals: Withdrawals = request.state.withdrawals
    outcome = await withdrawals.withdraw(
        opened.viewer,
        statement,
        confirmation=form.get("confirmation", "-") if confirming else None,
    )
    if isinstance(outcome, Review):
        return _page(
            lang,
            step="review",
            name=outcome.name,
            email=outcome.email,
            confirmation=outcome.confirmation,
            order_name=opened.order_name,
        )
    if isinstance(outcome, Withdrawn):
        await links.use(token)
        return _page(lang, step="received", acknowledgement=outcome.record.acknowledgement)
    return _page(
        lang,
        step="statement",
        name=statement.name,
        email=statement.email,
        problem=outcome.message,
        order_name=opened.order_name,
    )
