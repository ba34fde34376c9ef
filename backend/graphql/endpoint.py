"""The HTTP side of the storefront API: verify first, then hand the request to Strawberry.

Verification needs the raw request as Shopify sent it, so the body is read here once (capped),
checked with `shopifyapp`, and replayed to Strawberry. A request that fails verification gets
401 and never reaches the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopify_app import ShopifyApp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from backend.auth.viewer import Viewer
from backend.graphql.context import Context

Verify = Callable[[ShopifyApp, Request, bytes], Viewer | None]

MAX_BODY = 64 * 1024


def error_response(status: int, message: str, code: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


class StorefrontGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.state
        return Context(
            request=request,
            response=response,
            viewer=state.viewer,
            cancellations=state.cancellations,
        )


class _BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class VerifiedGraphQL:
    def __init__(self, graphql: StorefrontGraphQL, verify: Verify, max_body: int = MAX_BODY):
        self.graphql = graphql
        self.verify = verify
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.graphql(scope, receive, send)
            return
        try:
            body = await _read_body(receive, self.max_body)
        except _BodyTooLarge:
            response: Response = error_response(413, "The request is too large.", "BODY_TOO_LARGE")
            await response(scope, receive, send)
            return
        request = Request(scope)
        viewer = self.verify(request.state.shopify, request, body)
        if viewer is None:
            response = error_response(401, "Unauthorized", "UNAUTHENTICATED")
            await response(scope, receive, send)
            return
        scope = {**scope, "state": {**scope.get("state", {}), "viewer": viewer}}
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.graphql(scope, replay, send)
