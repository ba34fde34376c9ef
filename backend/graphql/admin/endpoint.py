"""`POST /admin/graphql`: the App Bridge ID token first, then Strawberry.

The token travels in `Authorization: Bearer`, so the body is not needed to verify; it is still
read here once, capped, and replayed, so an oversized document costs nothing to refuse. A
missing, forged or expired token gets Shopify's suggested 401 (with
`X-Shopify-Retry-Invalid-Session-Request`, which tells App Bridge to retry with a fresh token).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from backend.admin.auth import verify_fetch
from backend.body import MAX_BODY, BodyTooLarge, read_body, replaying
from backend.graphql.admin.context import AdminContext
from backend.graphql.endpoint import error_response
from backend.observability import context


class AdminGraphQL(GraphQL[AdminContext, None]):
    async def get_context(self, request: Any, response: Any) -> AdminContext:
        state = request.state
        return AdminContext(
            request=request,
            response=response,
            merchant=state.merchant,
            store=state.store,
            gateway=state.merchant_gateway,
            holds=state.holds,
            approvals=state.approvals,
            outbox=state.outbox,
            clock=state.services_clock,
        )


class VerifiedAdminGraphQL:
    def __init__(self, graphql: AdminGraphQL, max_body: int = MAX_BODY) -> None:
        self.graphql = graphql
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.graphql(scope, receive, send)
            return
        request = Request(scope)
        merchant = verify_fetch(request.state.shopify, request)
        if merchant is None:
            response: Response = error_response(
                401,
                "Unauthorized",
                "UNAUTHENTICATED",
                **{"X-Shopify-Retry-Invalid-Session-Request": "1"},
            )
            await response(scope, receive, send)
            return
        context.note(shop=merchant.shop)
        try:
            body = await read_body(receive, self.max_body)
        except BodyTooLarge:
            response = error_response(413, "The request is too large.", "BODY_TOO_LARGE")
            await response(scope, receive, send)
            return
        scope = {**scope, "state": {**scope.get("state", {}), "merchant": merchant}}
        await self.graphql(scope, replaying(body, receive), send)
