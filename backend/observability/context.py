"""What one request learns about itself while it runs, for its log line and its metrics.

The middleware opens a `RequestInfo` per request in a context variable; code deeper down (the
endpoint once it has verified the shop, the cancel once it has an outcome) fills it in with
`note()`. Tasks spawned during the request copy the context, so their log lines carry the
request id too.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from dataclasses import dataclass

# An incoming X-Request-Id is kept only if it cannot break a log line or a header.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass(slots=True)
class RequestInfo:
    request_id: str
    route: str
    method: str
    shop: str | None = None
    outcome: str | None = None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "cancel_button_request", default=None
)


def request_id_from(header: str | None) -> str:
    if header and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current() -> RequestInfo | None:
    return _current.get()


def begin(info: RequestInfo) -> contextvars.Token[RequestInfo | None]:
    return _current.set(info)


def end(token: contextvars.Token[RequestInfo | None]) -> None:
    _current.reset(token)


def note(*, shop: str | None = None, outcome: str | None = None) -> None:
    """Record the request's shop (once verified) or its outcome; outside a request, nothing."""
    info = _current.get()
    if info is None:
        return
    if shop is not None:
        info.shop = shop
    if outcome is not None:
        info.outcome = outcome
