"""`fulfillmentOrderHold` and `fulfillmentOrderReleaseHold` as Shopify documents them (2026-10).

Holds stack (since 2025-01): each app may place up to `HOLDS_PER_APP` active holds on one
fulfilment order, each with its own `handle`; a second hold with a handle the app already uses
is `DUPLICATE_FULFILLMENT_HOLD_HANDLE`. Only fulfilment orders whose `supportedActions` include
HOLD (open, scheduled or already on hold) can be held. A release with `holdIds` releases exactly
those (the app's own; another's is `INVALID_ACCESS`); without them, every hold. The order's
`placed_on_hold` / `hold_released` webhooks follow `devshop.order_actions`.
"""

from __future__ import annotations

from typing import Any

from devshop import order_actions
from devshop.admin_context import AdminContext
from devshop.gids import numeric_id
from devshop.world import FulfillmentOrder, Order

HOLDS_PER_APP = 10
HANDLE_MAX_LENGTH = 64
_HOLDABLE = {"OPEN", "SCHEDULED", "ON_HOLD"}


def supported_actions(fulfillment_order: FulfillmentOrder) -> list[dict[str, Any]]:
    """What Shopify lets an app do with the fulfilment order in its present state."""
    # At a fulfilment service the merchant requests fulfilment; at their own location, creates it.
    at_service = fulfillment_order.at_fulfillment_service or (
        fulfillment_order.request_status != "UNSUBMITTED"
    )
    fulfil = "REQUEST_FULFILLMENT" if at_service else "CREATE_FULFILLMENT"
    actions = {
        "OPEN": [fulfil, "HOLD", "MOVE", "SPLIT"],
        "SCHEDULED": ["HOLD", "MARK_AS_OPEN"],
        "ON_HOLD": ["HOLD", "RELEASE_HOLD"],
        "IN_PROGRESS": ["REPORT_PROGRESS"] if at_service else ["CREATE_FULFILLMENT"],
    }.get(fulfillment_order.status, [])
    if fulfillment_order.request_status in {"SUBMITTED", "ACCEPTED"}:
        actions = [a for a in actions if a not in {"HOLD", "REQUEST_FULFILLMENT"}]
        actions.append("REQUEST_CANCELLATION")
    return [{"action": action, "externalUrl": None} for action in sorted(actions)]


def _find(ctx: AdminContext, fulfillment_order_gid: str) -> tuple[Order, FulfillmentOrder] | None:
    wanted = numeric_id(fulfillment_order_gid, "FulfillmentOrder")
    for order in ctx.world.orders.values():
        if order.shop != ctx.shop.domain:
            continue
        for fulfillment_order in order.fulfillment_orders:
            if fulfillment_order.id == wanted:
                return order, fulfillment_order
    return None


def _error(code: str | None, field: list[str], message: str) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def fulfillment_order_hold(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    hold_input = args["fulfillmentHold"]
    found = _find(ctx, args["id"])

    def refused(error: dict[str, Any]) -> dict[str, Any]:
        return {
            "fulfillmentHold": None,
            "fulfillmentOrder": None,
            "remainingFulfillmentOrder": None,
            "userErrors": [error],
        }

    if found is None:
        return refused(
            _error("FULFILLMENT_ORDER_NOT_FOUND", ["id"], "Fulfillment order does not exist.")
        )
    order, fulfillment_order = found
    handle = hold_input.get("handle") or ""
    if len(handle) > HANDLE_MAX_LENGTH:
        return refused(_error(None, ["fulfillmentHold", "handle"], "Handle is too long"))
    if hold_input.get("fulfillmentOrderLineItems"):
        return refused(_error(None, ["fulfillmentHold"], "devshop holds whole orders only"))
    if (
        order.cancelled_at is not None
        or fulfillment_order.status not in _HOLDABLE
        or (fulfillment_order.request_status in {"SUBMITTED", "ACCEPTED"})
    ):
        return refused(
            _error(None, ["id"], "The fulfillment order's status does not allow a hold.")
        )
    ours = [hold for hold in fulfillment_order.holds if hold.by_app]
    if any(hold.handle == handle for hold in ours):
        return refused(
            _error(
                "DUPLICATE_FULFILLMENT_HOLD_HANDLE",
                ["fulfillmentHold", "handle"],
                "The app has already placed a hold with this handle on the fulfillment order.",
            )
        )
    if len(ours) >= HOLDS_PER_APP:
        return refused(
            _error(
                "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED",
                ["id"],
                f"The maximum number of fulfillment holds ({HOLDS_PER_APP}) for this "
                "fulfillment order has been reached for this app.",
            )
        )
    hold = order_actions.place_hold(
        ctx.world,
        order,
        hold_input["reason"],
        hold_input.get("reasonNotes"),
        handle,
        by_app=True,
        fulfillment_order=fulfillment_order,
    )
    return {
        "fulfillmentHold": hold,
        "fulfillmentOrder": fulfillment_order,
        "remainingFulfillmentOrder": None,
        "userErrors": [],
    }


def fulfillment_order_release_hold(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    found = _find(ctx, args["id"])
    if found is None:
        error = _error("FULFILLMENT_ORDER_NOT_FOUND", ["id"], "Fulfillment order does not exist.")
        return {"fulfillmentOrder": None, "userErrors": [error]}
    order, fulfillment_order = found
    hold_ids = args.get("holdIds")
    if hold_ids is not None:
        wanted = [numeric_id(hold_id, "FulfillmentHold") for hold_id in hold_ids]
        held = {hold.id: hold for hold in fulfillment_order.holds}
        if any(hold_id is None or hold_id not in held for hold_id in wanted) or not wanted:
            error = _error(None, ["holdIds"], "Fulfillment hold does not exist.")
            return {"fulfillmentOrder": None, "userErrors": [error]}
        if any(not held[hold_id].by_app for hold_id in wanted if hold_id is not None):
            error = _error("INVALID_ACCESS", ["holdIds"], "The app cannot release this hold.")
            return {"fulfillmentOrder": None, "userErrors": [error]}
        ids = [hold_id for hold_id in wanted if hold_id is not None]
    elif fulfillment_order.status != "ON_HOLD":
        error = _error(None, ["id"], "The fulfillment order is not on hold.")
        return {"fulfillmentOrder": None, "userErrors": [error]}
    else:
        ids = [hold.id for hold in fulfillment_order.holds]
    order_actions.release_hold(ctx.world, order, fulfillment_order=fulfillment_order, hold_ids=ids)
    return {"fulfillmentOrder": fulfillment_order, "userErrors": []}
