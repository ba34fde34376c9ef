"""A request's body, read once and capped, then handed on to Strawberry as if unread.

The GraphQL endpoints must see the body before Strawberry does (to verify, to classify the
operation), the webhook endpoint before it verifies the HMAC over it; none may let a client
stream an unbounded body into memory.
"""

from __future__ import annotations

from starlette.types import Message, Receive

MAX_BODY = 64 * 1024


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int = MAX_BODY) -> bytes:
    """The whole body; `BodyTooLarge` as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` first, then whatever the client sends next (a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
