"""`orderCancel` as Shopify documents it: checked at once, carried out later by a job.

The mutation answers with a job that is not done; the order changes when the job completes.
It refuses (user errors, no job) orders that are absent or another shop's, already cancelled or
being cancelled, with fulfilment started or handed to a fulfilment service, with pending payment
authorizations or active returns; and bad input: `refund` together with `refundMethod`, a staff
note over 255 characters, store credit for an order without a customer or expiring in the past.
The deprecated `refund` argument still works, and the call log records that it was sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from devshop.admin_context import AdminContext
from devshop.gids import gid
from devshop.world import CancelRequest, Job, Order, RefundMethod

STAFF_NOTE_MAX_LENGTH = 255
_STARTED_FULFILLMENT = {"FULFILLED", "PARTIALLY_FULFILLED", "IN_PROGRESS"}
_STARTED_FULFILLMENT_ORDER = {"IN_PROGRESS", "CLOSED", "INCOMPLETE"}
_AT_FULFILLMENT_SERVICE = {"SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED"}

UserError = dict[str, Any]


def order_cancel(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("refund") is not None:
        ctx.call.deprecated_arguments.append("orderCancel.refund")
    order = ctx.order(args["orderId"])
    error = _input_error(args, order, ctx.world.now()) or _state_error(ctx, order)
    if error is not None:
        return _payload(None, [error], None)
    assert order is not None  # _state_error refuses a missing order
    request = CancelRequest(
        reason=args["reason"],
        restock=args["restock"],
        notify_customer=bool(args.get("notifyCustomer")),
        staff_note=args.get("staffNote"),
        refund_method=_refund_method(args),
    )
    return _payload(ctx.world.start_cancel(order, request), [], order)


def _payload(job: Job | None, errors: list[UserError], order: Order | None) -> dict[str, Any]:
    # jobResult is the same job told in cancellation terms; it is never done yet here.
    result: dict[str, Any] | None = None
    if job is not None:
        result = {
            "id": gid("Job", job.id),
            "done": False,
            "status": "STARTED",
            "errors": [],
            "order": order,
        }
    return {
        "job": job,
        "jobResult": result,
        "orderCancelUserErrors": errors,
        "userErrors": [{"field": e["field"], "message": e["message"]} for e in errors],
    }


def _error(code: str, field: list[str], message: str) -> UserError:
    return {"code": code, "field": field, "message": message}


def _input_error(args: dict[str, Any], order: Order | None, now: datetime) -> UserError | None:
    if args.get("refund") is not None and args.get("refundMethod") is not None:
        return _error(
            "INVALID", ["refundMethod"], "Only one of refund and refundMethod can be used."
        )
    note = args.get("staffNote")
    if note is not None and len(note) > STAFF_NOTE_MAX_LENGTH:
        return _error(
            "INVALID",
            ["staffNote"],
            f"Staff note is too long (maximum is {STAFF_NOTE_MAX_LENGTH} characters)",
        )
    store_credit = (args.get("refundMethod") or {}).get("storeCreditRefund")
    if store_credit is None:
        return None
    field = ["refundMethod", "storeCreditRefund"]
    if order is not None and order.customer_id is None:
        return _error(
            "STORE_CREDIT_REFUND_MISSING_CUSTOMER",
            field,
            "Store credit can only be issued to an order with a customer.",
        )
    expires_at = store_credit.get("expiresAt")
    if expires_at is not None:
        try:
            expired = datetime.fromisoformat(str(expires_at)) <= now
        except ValueError:
            return _error("INVALID", [*field, "expiresAt"], "Expires at is invalid")
        if expired:
            return _error(
                "STORE_CREDIT_REFUND_EXPIRATION_IN_PAST",
                [*field, "expiresAt"],
                "Store credit expiration date must be in the future.",
            )
    return None


def _state_error(ctx: AdminContext, order: Order | None) -> UserError | None:
    if order is None:
        return _error("NOT_FOUND", ["orderId"], "Order does not exist")
    if order.cancelled_at is not None or ctx.world.pending_cancel(order.id) is not None:
        return _error("INVALID", ["orderId"], "Order has already been cancelled")
    fulfillment_orders = order.fulfillment_orders
    if order.display_fulfillment_status in _STARTED_FULFILLMENT or any(
        fo.status in _STARTED_FULFILLMENT_ORDER for fo in fulfillment_orders
    ):
        return _error("INVALID", ["orderId"], "Cannot cancel an order with fulfillments")
    if any(fo.request_status in _AT_FULFILLMENT_SERVICE for fo in fulfillment_orders):
        return _error(
            "INVALID",
            ["orderId"],
            "Cannot cancel an order with fulfillment requests sent to a fulfillment service",
        )
    if order.pending_authorization:
        return _error(
            "INVALID", ["orderId"], "Cannot cancel an order with pending payment authorizations"
        )
    if order.active_return:
        return _error("INVALID", ["orderId"], "Cannot cancel an order with an active return")
    return None


def _refund_method(args: dict[str, Any]) -> RefundMethod | None:
    method = args.get("refundMethod")
    if method is not None:
        if method.get("storeCreditRefund") is not None:
            return "STORE_CREDIT"
        return "ORIGINAL_PAYMENT_METHODS" if method.get("originalPaymentMethodsRefund") else None
    return "ORIGINAL_PAYMENT_METHODS" if args.get("refund") else None
