"""`Observe`: each request's id, its one JSON log line, and its HTTP metrics.

The outermost middleware: it sees every answer, the door's 429s included. The request id is the
caller's `X-Request-Id` when it is a safe token, else a fresh one; it goes back in the answer's
`X-Request-Id` and on every log line written while the request runs.

The route is the matched route's path (`/proxy/graphql`), never the URL: a URL carries the
signature and the customer id, and unmatched paths would make unbounded metric labels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.observability import context, metrics

logger = logging.getLogger("backend.access")

UNMATCHED = "unmatched"

_OUTCOME_BY_STATUS = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def default_outcome(status: int) -> str:
    if status < 400:
        return "ok"
    if status in _OUTCOME_BY_STATUS:
        return _OUTCOME_BY_STATUS[status]
    return "client_error" if status < 500 else "server_error"


def route_of(routes: Sequence[BaseRoute], scope: Scope) -> str:
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE and isinstance(route, Route):
            return route.path
    return UNMATCHED


class Observe:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        info = context.RequestInfo(
            request_id=context.request_id_from(Headers(scope=scope).get("x-request-id")),
            route=route_of(self.routes, scope),
            # Any other word a client sends would be a new metric label.
            method=scope["method"] if scope["method"] in METHODS else "OTHER",
        )
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = info.request_id
            await send(message)

        token = context.begin(info)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            status, info.outcome = 500, "exception"
            raise
        finally:
            duration = time.perf_counter() - started
            self._record(info, status, duration)
            context.end(token)

    @staticmethod
    def _record(info: context.RequestInfo, status: int, duration: float) -> None:
        outcome = info.outcome or default_outcome(status)
        metrics.HTTP_REQUESTS.labels(info.route, info.method, str(status)).inc()
        metrics.HTTP_DURATION.labels(info.route).observe(duration)
        logger.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "request",
            extra={
                "fields": {
                    "method": info.method,
                    "route": info.route,
                    "shop": info.shop,
                    "status": status,
                    "outcome": outcome,
                    "duration_ms": round(duration * 1000, 2),
                }
            },
        )
