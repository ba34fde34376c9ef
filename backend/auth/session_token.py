"""UI-extension requests: a session token from `shopify.sessionToken.get()`, checked by shopifyapp.

Checkout and customer account extensions run in a sandboxed worker on Shopify's origin and call
`POST /extensions/graphql` cross-origin with `Authorization: Bearer <JWT>` (HS256 with the app
secret; `dest` is the shop, `sub` the customer GID when signed in, absent for a guest). The token
cannot be exchanged for an access token, and nothing else in the request is trusted.

A guest on the thank-you page presents `X-Order-Confirmation: <order id> <confirmation number>`;
the viewer carries that claim and `Cancellations` checks it against the order itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopify_app import ShopifyApp
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.auth.viewer import GuestOrder, Surface, Viewer
from backend.orders import customer_gid, order_gid

if TYPE_CHECKING:
    from shopify_app.types import RequestInput, ResultWithNonExchangeableIdToken

GUEST_HEADER = "X-Order-Confirmation"
# The customer account extension says which surface it is with `?surface=customer-account`;
# it only labels the viewer: a customer account token always carries `sub`.
SURFACE_PARAM = "surface"
_CONFIRMATION_MAX = 32


def _surface(request: Request) -> Surface:
    if request.query_params.get(SURFACE_PARAM) == "customer-account":
        return Surface.CUSTOMER_ACCOUNT
    return Surface.CHECKOUT


def _verify(shopify: ShopifyApp, request: Request, body: bytes) -> ResultWithNonExchangeableIdToken:
    req: RequestInput = {
        "method": request.method,
        "headers": dict(request.headers),
        "url": str(request.url),
        "body": body.decode("utf-8", errors="replace"),
    }
    if _surface(request) is Surface.CUSTOMER_ACCOUNT:
        return shopify.verify_customer_account_ui_ext_req(req)
    return shopify.verify_checkout_ui_ext_req(req)


def guest_order(header: str | None) -> GuestOrder | None:
    """`<order id> <confirmation number>` -> the guest's claim, or None when malformed."""
    if not header:
        return None
    parts = header.split()
    if len(parts) != 2:
        return None
    gid = order_gid(parts[0])
    number = parts[1]
    if gid is None or not number.isalnum() or len(number) > _CONFIRMATION_MAX:
        return None
    return GuestOrder(order_id=gid, confirmation_number=number)


def verify_session_token(shopify: ShopifyApp, request: Request, body: bytes) -> Viewer | None:
    """The viewer of a request with a valid UI-extension session token, or None."""
    result = _verify(shopify, request, body)
    if not result.ok or not result.shop or result.id_token is None:
        return None
    claims = result.id_token.claims
    surface = _surface(request)
    customer = customer_gid(str(claims["sub"])) if claims.get("sub") else None
    guest = None
    if customer is None and surface is Surface.CHECKOUT:
        guest = guest_order(request.headers.get(GUEST_HEADER))
    return Viewer(shop=result.shop, customer_id=customer, surface=surface, guest_order=guest)


class ExtensionCORS:
    """Cross-origin access for the extensions' worker: preflight and the response header.

    `shopifyapp` answers the preflight (204 with its headers; we add our guest header to the
    allowed ones). Every other answer, 401 included, gets `Access-Control-Allow-Origin: *` so
    the extension can read it: the bearer token, not a cookie, is the credential.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.method == "OPTIONS":
            result = _verify(request.state.shopify, request, b"")
            if result.ok and result.response.status == 204:
                headers = dict(result.response.headers)
                allowed = headers.get("Access-Control-Allow-Headers", "")
                headers["Access-Control-Allow-Headers"] = f"{allowed}, {GUEST_HEADER}".lstrip(", ")
                headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response = Response(status_code=204, headers=headers)
            else:
                response = Response(status_code=405, headers={"Allow": "POST, OPTIONS"})
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"access-control-allow-origin" for name, _ in headers):
                    headers.append((b"access-control-allow-origin", b"*"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)
