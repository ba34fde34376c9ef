"""The HTTP side of the storefront API: every check a request must pass before Strawberry.

In order, the first failing check answers (the storefront contract):
1. method not POST: 405 (development only: a GET for text/html gets GraphiQL, still verified);
2. body over 64 KiB: 413, read no further;
3. signature invalid: 401, nothing else looked at;
4. Content-Type not application/json: 415;
5. body not one JSON object with a string `query`: 400 (a JSON array: BATCH_NOT_SUPPORTED);
6. document not parsed, several operations, a subscription, several `cancelOrder`s: 400;
   with trusted documents on, a document not in the registry: 400 UNTRUSTED_DOCUMENT;
7. rate limit exceeded: 429 with Retry-After;
8. limiter or store unavailable: 503 with Retry-After (fail closed: nothing reaches Shopify);
9. Strawberry: validation (depth, aliases, tokens), execution, masking.

Verification needs the raw request as Shopify sent it, so the body is read here once (capped)
and replayed to Strawberry. The client's IP comes from `X-Forwarded-For`, which Shopify's proxy
sets; it is read only after the signature proved the request came through that proxy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shopify_app import ShopifyApp
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from backend.auth.viewer import Viewer
from backend.body import MAX_BODY, BodyTooLarge, read_body, replaying
from backend.graphql.context import Context
from backend.graphql.errors import UNAVAILABLE
from backend.graphql.operations import Rejected, operation_of, read_request
from backend.graphql.schema import MAX_TOKENS
from backend.graphql.trusted_documents import is_trusted
from backend.observability import context
from backend.ratelimit import Limiter, LimiterUnavailable, Subject

Verify = Callable[[ShopifyApp, Request, bytes], Viewer | None]

# Long enough for a restarted Redis to come back, short enough that a shopper's retry helps.
UNAVAILABLE_RETRY_AFTER = 5


def error_response(status: int, message: str, code: str, **headers: str) -> JSONResponse:
    context.note(outcome=code.lower())
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


def unavailable_response() -> JSONResponse:
    return error_response(
        503,
        "The service is briefly unavailable; please try again in a moment.",
        UNAVAILABLE,
        **{"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
    )


class StorefrontGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.state
        return Context(
            request=request,
            response=response,
            viewer=state.viewer,
            cancellations=state.cancellations,
            partial=state.partial,
            edits=state.edits,
            approvals=state.approvals,
            withdrawals=state.withdrawals,
        )

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        # The store failed under a resolver: the whole answer is "retry", as HTTP says it.
        errors = response_data.get("errors") or [] if isinstance(response_data, dict) else []
        if any((e.get("extensions") or {}).get("code") == UNAVAILABLE for e in errors):
            return unavailable_response()
        return super().create_response(response_data, sub_response)


def client_ip(
    headers: Headers, client: Sequence[Any] | None, *, trusted_hops: int, via_shopify: bool
) -> str | None:
    """The shopper's address as the nearest proxy we trust saw it.

    Each proxy appends the address it saw to `X-Forwarded-For`, after whatever the shopper sent:
    only the last entries, one per proxy we trust (Shopify's App Proxy, then `trusted_hops`
    of our own), are facts. With no proxy to trust, the socket's peer is the shopper.
    """
    trusted = trusted_hops + (1 if via_shopify else 0)
    entries = [
        part.strip()
        for value in headers.getlist("x-forwarded-for")
        for part in value.split(",")
        if part.strip()
    ]
    if trusted and len(entries) >= trusted:
        return entries[-trusted]
    return str(client[0]) if client else None


def _json_content_type(headers: Headers) -> bool:
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


class VerifiedGraphQL:
    def __init__(
        self,
        graphql: StorefrontGraphQL,
        verify: Verify,
        *,
        development: bool = False,
        trusted_documents: bool = False,
        trusted_proxy_hops: int = 0,
        via_shopify: bool = False,
        max_body: int = MAX_BODY,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.graphql = graphql
        self.verify = verify
        self.development = development
        self.trusted_documents = trusted_documents
        self.trusted_proxy_hops = trusted_proxy_hops
        self.via_shopify = via_shopify
        self.max_body = max_body
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.graphql(scope, receive, send)
            return
        response = await self._refusal(scope, receive)
        if isinstance(response, Response):
            await response(scope, receive, send)
            return
        scope, body = response
        await self.graphql(scope, replaying(body, receive), send)

    async def _refusal(self, scope: Scope, receive: Receive) -> Response | tuple[Scope, bytes]:
        """The answer to a request that fails a check, or its scope (with the viewer) and body."""
        headers = Headers(scope=scope)
        ide = (
            self.development
            and scope["method"] == "GET"
            and "text/html" in headers.get("accept", "")
        )
        if scope["method"] != "POST" and not ide:
            return error_response(405, "Use POST.", "METHOD_NOT_ALLOWED", **{"Allow": "POST"})
        try:
            body = await read_body(receive, self.max_body)
        except BodyTooLarge:
            return error_response(413, "The request is too large.", "BODY_TOO_LARGE")
        request = Request(scope)
        viewer = self.verify(request.state.shopify, request, body)
        if viewer is None:
            return error_response(401, "Unauthorized", "UNAUTHENTICATED")
        context.note(shop=viewer.shop)
        scope = {**scope, "state": {**scope.get("state", {}), "viewer": viewer}}
        if ide:
            return scope, body
        if not _json_content_type(headers):
            return error_response(415, "Send application/json.", "UNSUPPORTED_MEDIA_TYPE")
        try:
            graphql_request = read_request(body)
            operation = operation_of(graphql_request, self.max_tokens)
        except Rejected as rejected:
            return error_response(rejected.status, rejected.message, rejected.code)
        if self.trusted_documents and not is_trusted(graphql_request.query):
            return error_response(400, "This document is not accepted here.", "UNTRUSTED_DOCUMENT")
        limiter: Limiter = request.state.limiter
        subject = Subject(
            shop=viewer.shop,
            customer=viewer.customer_id,
            ip=client_ip(
                headers,
                scope.get("client"),
                trusted_hops=self.trusted_proxy_hops,
                via_shopify=self.via_shopify,
            ),
            order=operation.order,
        )
        try:
            refusal = await limiter.hit(operation.kind, subject)
        except LimiterUnavailable:
            return unavailable_response()
        if refusal is not None:
            return error_response(
                429,
                "Too many requests; please wait a moment and try again.",
                "RATE_LIMITED",
                **{"Retry-After": str(refusal.retry_after)},
            )
        # Strawberry matches the media type case-sensitively; it has been checked here.
        headers_out = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
        headers_out.append((b"content-type", b"application/json"))
        return {**scope, "headers": headers_out}, body
