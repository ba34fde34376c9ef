"""`/_devshop/*`: JSON endpoints with which tests and demos steer devshop (development only).

POST /_devshop/reset          reseed the world as of now; faults cleared, buckets full
GET  /_devshop/faults         the faults in force
POST /_devshop/faults         {"kind": "status"|"delay"|"throttle"|"clear", "status": 503,
                               "seconds": 1.5, "times": 2, "field": "orderCancel",
                               "mutations_only": false, "after_execute": false}
GET  /_devshop/orders/{id}    one order as the world holds it (404 if absent)
GET  /_devshop/calls          the Admin API call log (`?field=orderCancel` to filter)
POST /_devshop/clock          {"advance_seconds": 3600}: move the world's time forward

Orders (`devshop.control_orders`; each sends the webhooks its change sends, answers the order,
409 when Shopify would refuse the change):
POST /_devshop/orders         {"count": 1, "customer_id": 1001, "age_seconds": 0,
                               "product_ids": [7001], "tags": [], "shop": …} -> {"ids": […]}:
                               orders/create now, routing (fulfillment orders) shortly after
POST /_devshop/orders/{id}/tags                        {"tags": ["a", "b"]}
POST /_devshop/orders/{id}/start_fulfillment           {}
POST /_devshop/orders/{id}/fulfill                     {"line_items": {"<id>": 1}} (absent: all)
POST /_devshop/orders/{id}/hold                        {"reason": "OTHER", "notes": …}
POST /_devshop/orders/{id}/release_hold                {"hold_id": …} (absent: every hold)
POST /_devshop/orders/{id}/submit_fulfillment_request  {"message": …}
POST /_devshop/orders/{id}/accept_fulfillment_request  {"message": …}
POST /_devshop/orders/{id}/fulfillment_event           {"status": "DELIVERED"}
POST /_devshop/orders/{id}/edit                        {"line_items": {"<id>": 2}}
POST /_devshop/orders/{id}/cancel                      {"reason": "STAFF"}: the merchant's cancel

Webhooks (`devshop.webhook_control`):
POST /_devshop/webhooks       {"topic", "payload", "shop"?, "webhook_id"?}: send one now, once
GET  /_devshop/webhooks       every delivery attempt so far (`?topic=orders/updated` to filter)
GET  /_devshop/webhooks/behaviour   how devshop delivers
POST /_devshop/webhooks/behaviour   {"duplicate": true, "reorder": true, "seed": 7,
                                     "delay": 0.5, "reorder_window": 0.5,
                                     "retry_delays": [0.1, 0.5, 2]} (any of them)
POST /_devshop/webhooks/release     send the deliveries reorder holds, shuffled, now
POST /_devshop/webhooks/drain       release, then wait until every delivery is done
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.faults import Fault, Faults
from devshop.seed import DEMO_ACCESS_TOKEN, DEMO_SHOP, seed
from devshop.world import AdminCall, Order, World


def control_routes(world: World, faults: Faults) -> list[Route]:
    async def reset(request: Request) -> JSONResponse:
        # Keep the demo shop's token: the backend was configured with it.
        demo = world.shops.get(DEMO_SHOP)
        world.reset()
        faults.clear()
        seed(world, world.now(), access_token=demo.access_token if demo else DEMO_ACCESS_TOKEN)
        return JSONResponse({"now": _iso(world.now()), "orders": sorted(world.orders)})

    async def list_faults(request: Request) -> JSONResponse:
        return JSONResponse({"faults": [f.as_json() for f in faults.active]})

    async def add_fault(request: Request) -> JSONResponse:
        body = await json_body(request)
        if body is None:
            return bad_request("expected a JSON object")
        try:
            fault = _install(faults, body)
        except (KeyError, TypeError, ValueError) as error:
            return bad_request(f"invalid fault: {error}")
        return JSONResponse({"fault": fault.as_json() if fault else None})

    async def get_order(request: Request) -> JSONResponse:
        try:
            order = world.order(int(request.path_params["order_id"]))
        except ValueError:
            order = None
        if order is None:
            return JSONResponse({"error": "order not found"}, status_code=404)
        return JSONResponse(order_json(order))

    async def list_calls(request: Request) -> JSONResponse:
        field = request.query_params.get("field")
        calls = world.calls_for(field) if field else world.calls
        return JSONResponse({"calls": [call_json(call) for call in calls]})

    async def clock(request: Request) -> JSONResponse:
        body = await json_body(request)
        try:
            seconds = float((body or {})["advance_seconds"])
        except (KeyError, TypeError, ValueError):
            return bad_request('expected {"advance_seconds": <number>}')
        if seconds < 0:
            return bad_request("time only moves forward")
        return JSONResponse({"now": _iso(world.advance(seconds))})

    return [
        Route("/_devshop/reset", reset, methods=["POST"]),
        Route("/_devshop/faults", list_faults, methods=["GET"]),
        Route("/_devshop/faults", add_fault, methods=["POST"]),
        Route("/_devshop/orders/{order_id}", get_order, methods=["GET"]),
        Route("/_devshop/calls", list_calls, methods=["GET"]),
        Route("/_devshop/clock", clock, methods=["POST"]),
    ]


def _install(faults: Faults, body: dict[str, Any]) -> Fault | None:
    kind = body["kind"]
    times = body.get("times", 1)  # null: until cleared
    scope: dict[str, Any] = {
        "times": None if times is None else int(times),
        "field": body.get("field"),
        "mutations_only": bool(body.get("mutations_only", False)),
    }
    after = bool(body.get("after_execute", False))
    if kind == "clear":
        faults.clear()
        return None
    if kind == "status" and after:
        return faults.fail_after_execute(int(body.get("status", 502)), **scope)
    if kind == "status":
        retry_after = body.get("retry_after")
        retry = float(retry_after) if retry_after is not None else None
        return faults.fail(int(body.get("status", 503)), retry_after=retry, **scope)
    if kind == "delay":
        return faults.delay(float(body["seconds"]), after_execute=after, **scope)
    if kind == "throttle":
        available = int(body.get("currently_available", 0))
        return faults.throttle(currently_available=available, **scope)
    raise ValueError(f"unknown kind {kind!r}")


def order_json(order: Order) -> dict[str, Any]:
    """The order as the world holds it, dates in ISO 8601."""
    data = asdict(order)
    data["total_price"] = str(order.total_price)
    for line_item in data["line_items"]:
        product = line_item.pop("product")
        line_item["product_id"] = product["id"] if product else None
        line_item["product_tags"] = product["tags"] if product else []
    jsonable: dict[str, Any] = _jsonable(data)
    return jsonable


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def call_json(call: AdminCall) -> dict[str, Any]:
    data = asdict(call)
    data["at"] = _iso(call.at)
    data["root_fields"] = list(call.root_fields)
    return data


def _iso(value: datetime) -> str:
    return value.isoformat()


async def json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)
