"""`/_devshop/webhooks*`: send a webhook by hand, read the delivery log, steer delivery."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.control import bad_request, json_body
from devshop.webhooks import DeliveryBehaviour, WebhookSender

_SETTABLE = set(DeliveryBehaviour.__dataclass_fields__)


def webhook_routes(sender: WebhookSender, *, default_shop: str) -> list[Route]:
    async def send(request: Request) -> JSONResponse:
        body = await json_body(request)
        if body is None or not isinstance(body.get("topic"), str):
            return bad_request('expected {"topic": …, "payload": {…}}')
        payload = body.get("payload") or {}
        if not isinstance(payload, dict):
            return bad_request("payload must be a JSON object")
        delivery = await sender.send(
            body["topic"],
            payload,
            shop=str(body.get("shop") or default_shop),
            webhook_id=body.get("webhook_id"),
        )
        return JSONResponse(asdict(delivery))

    async def listing(request: Request) -> JSONResponse:
        topic = request.query_params.get("topic")
        deliveries = sender.for_topic(topic) if topic else sender.deliveries
        return JSONResponse({"deliveries": [asdict(d) for d in deliveries]})

    async def behaviour(request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse(sender.behaviour.as_json())
        body = await json_body(request)
        if body is None or not set(body) <= _SETTABLE:
            return bad_request(f"expected an object with some of {sorted(_SETTABLE)}")
        try:
            changed = sender.configure(**_typed(body))
        except (TypeError, ValueError) as error:
            return bad_request(f"invalid behaviour: {error}")
        return JSONResponse(changed.as_json())

    async def release(request: Request) -> JSONResponse:
        return JSONResponse({"released": sender.release()})

    async def drain(request: Request) -> JSONResponse:
        await sender.drain()
        return JSONResponse({"deliveries": len(sender.deliveries)})

    return [
        Route("/_devshop/webhooks", send, methods=["POST"]),
        Route("/_devshop/webhooks", listing, methods=["GET"]),
        Route("/_devshop/webhooks/behaviour", behaviour, methods=["GET", "POST"]),
        Route("/_devshop/webhooks/release", release, methods=["POST"]),
        Route("/_devshop/webhooks/drain", drain, methods=["POST"]),
    ]


def _typed(body: dict[str, Any]) -> dict[str, Any]:
    """JSON values checked and converted to the behaviour's field types."""
    typed: dict[str, Any] = {}
    for key, value in body.items():
        if key in {"duplicate", "reorder"}:
            if not isinstance(value, bool):
                raise TypeError(f"{key} must be true or false")
            typed[key] = value
        elif key == "seed":
            typed[key] = int(value)
        elif key == "retry_delays":
            if not isinstance(value, list):
                raise TypeError("retry_delays must be a list of seconds")
            typed[key] = tuple(_seconds(key, v) for v in value)
        else:
            typed[key] = _seconds(key, value)
    return typed


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{key} must be a number of seconds, not {value!r}")
    return float(value)
