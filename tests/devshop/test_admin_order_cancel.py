"""`orderCancel` in devshop: asynchronous as Shopify's, and refusing what Shopify refuses."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devshop.seed import DemoOrders
from devshop.world import Order, World
from tests.devshop.conftest import admin_data

CANCEL = """
mutation Cancel(
  $orderId: ID!
  $refundMethod: OrderCancelRefundMethodInput
  $refund: Boolean
  $staffNote: String
  $notifyCustomer: Boolean
) {
  orderCancel(
    orderId: $orderId
    reason: CUSTOMER
    restock: true
    refundMethod: $refundMethod
    refund: $refund
    staffNote: $staffNote
    notifyCustomer: $notifyCustomer
  ) {
    job { id done }
    jobResult { id done status }
    orderCancelUserErrors { code field message }
    userErrors { field message }
  }
}
"""
ORIGINAL = {"originalPaymentMethodsRefund": True}
JOB = "query Job($id: ID!) { job(id: $id) { id done query { shop { name } } } }"


def gid(order_id: int) -> str:
    return f"gid://shopify/Order/{order_id}"


async def cancel(client: httpx.AsyncClient, order_id: int, **variables: Any) -> dict[str, Any]:
    variables = {"orderId": gid(order_id), "refundMethod": ORIGINAL, **variables}
    payload: dict[str, Any] = (await admin_data(client, CANCEL, variables))["orderCancel"]
    return payload


def order(world: World, order_id: int) -> Order:
    found = world.order(order_id)
    assert found is not None
    return found


async def test_cancel_answers_with_a_job_that_is_not_done(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    payload = await cancel(admin_client, DemoOrders.CANCELLABLE, staffNote="Wrong size")
    assert payload["job"]["id"].startswith("gid://shopify/Job/")
    assert payload["job"]["done"] is False
    assert payload["jobResult"] == {"id": payload["job"]["id"], "done": False, "status": "STARTED"}
    assert payload["orderCancelUserErrors"] == payload["userErrors"] == []
    assert order(devshop_world, DemoOrders.CANCELLABLE).cancelled_at is None


async def test_the_job_completes_after_the_delay_and_cancels_the_order(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    cancelled: list[int] = []
    devshop_world.on_cancelled.append(lambda o: cancelled.append(o.id))
    payload = await cancel(
        admin_client, DemoOrders.CANCELLABLE, staffNote="Wrong size", notifyCustomer=True
    )
    job_id = payload["job"]["id"]
    pending = await admin_data(admin_client, JOB, {"id": job_id})
    assert pending["job"] == {"id": job_id, "done": False, "query": None}

    devshop_world.advance(0.2)
    done = await admin_data(admin_client, JOB, {"id": job_id})
    assert done["job"] == {"id": job_id, "done": True, "query": {"shop": {"name": "Demo Shop"}}}
    cancelled_order = order(devshop_world, DemoOrders.CANCELLABLE)
    assert cancelled_order.cancelled_at == devshop_world.now()
    assert cancelled_order.cancel_reason == "CUSTOMER"
    assert cancelled_order.staff_note == "Wrong size"
    assert cancelled_order.closed is True
    assert cancelled_order.display_financial_status == "REFUNDED"
    assert cancelled_order.display_fulfillment_status == "UNFULFILLED"
    assert [fo.status for fo in cancelled_order.fulfillment_orders] == ["CANCELLED"]
    assert (cancelled_order.restocked, cancelled_order.customer_notified) == (True, True)
    assert cancelled == [DemoOrders.CANCELLABLE]


async def test_the_cancelled_order_reads_back_cancelled(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    await cancel(admin_client, DemoOrders.CANCELLABLE, staffNote="Duplicate")
    devshop_world.advance(1)
    query = """
    query Order($id: ID!) {
      order(id: $id) {
        cancelledAt cancelReason closed displayFinancialStatus cancellation { staffNote }
        fulfillmentOrders(first: 5) { nodes { status } }
      }
    }
    """
    data = await admin_data(admin_client, query, {"id": gid(DemoOrders.CANCELLABLE)})
    assert data["order"] == {
        "cancelledAt": "2026-11-26T12:00:00Z",
        "cancelReason": "CUSTOMER",
        "closed": True,
        "displayFinancialStatus": "REFUNDED",
        "cancellation": {"staffNote": "Duplicate"},
        "fulfillmentOrders": {"nodes": [{"status": "CANCELLED"}]},
    }


@pytest.mark.parametrize(
    ("financial_status", "refund_method", "after"),
    [
        ("AUTHORIZED", None, "VOIDED"),  # an authorization is released even without a refund
        ("PENDING", ORIGINAL, "VOIDED"),
        ("PARTIALLY_PAID", ORIGINAL, "REFUNDED"),
        ("PAID", None, "PAID"),
        ("PAID", {"storeCreditRefund": {}}, "REFUNDED"),
    ],
)
async def test_the_financial_status_after_cancelling(
    admin_client: httpx.AsyncClient,
    devshop_world: World,
    financial_status: str,
    refund_method: dict[str, Any] | None,
    after: str,
) -> None:
    placed = devshop_world.add_order(customer_id=1001, financial_status=financial_status)
    await cancel(admin_client, placed.id, refundMethod=refund_method)
    devshop_world.advance(0.2)
    assert order(devshop_world, placed.id).display_financial_status == after


async def test_the_deprecated_refund_argument_works_and_is_logged(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    payload = await cancel(admin_client, DemoOrders.CANCELLABLE, refundMethod=None, refund=True)
    assert payload["orderCancelUserErrors"] == []
    devshop_world.advance(0.2)
    assert order(devshop_world, DemoOrders.CANCELLABLE).refund_method == "ORIGINAL_PAYMENT_METHODS"
    (call,) = devshop_world.calls_for("orderCancel")
    assert call.deprecated_arguments == ["orderCancel.refund"]


async def test_an_order_that_does_not_exist_is_not_found(admin_client: httpx.AsyncClient) -> None:
    payload = await cancel(admin_client, 424242)
    assert payload["job"] is None and payload["jobResult"] is None
    assert payload["orderCancelUserErrors"] == [
        {"code": "NOT_FOUND", "field": ["orderId"], "message": "Order does not exist"}
    ]
    assert payload["userErrors"] == [{"field": ["orderId"], "message": "Order does not exist"}]


async def test_another_shops_order_is_not_found(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    payload = await cancel(admin_client, DemoOrders.OTHER_SHOP_ORDER)
    assert payload["orderCancelUserErrors"][0]["code"] == "NOT_FOUND"
    assert order(devshop_world, DemoOrders.OTHER_SHOP_ORDER).cancelled_at is None


async def test_an_already_cancelled_order_is_refused(admin_client: httpx.AsyncClient) -> None:
    payload = await cancel(admin_client, DemoOrders.ALREADY_CANCELLED)
    assert payload["orderCancelUserErrors"] == [
        {"code": "INVALID", "field": ["orderId"], "message": "Order has already been cancelled"}
    ]


async def test_a_second_cancel_while_the_first_job_runs_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    first = await cancel(admin_client, DemoOrders.CANCELLABLE)
    second = await cancel(admin_client, DemoOrders.CANCELLABLE)
    assert first["job"] is not None
    assert second["job"] is None
    assert second["orderCancelUserErrors"][0]["message"] == "Order has already been cancelled"
    assert len(devshop_world.jobs) == 1


@pytest.mark.parametrize(
    "order_id",
    [
        DemoOrders.FULFILLED,
        DemoOrders.FULFILLMENT_IN_PROGRESS,
        DemoOrders.SUBMITTED_TO_SERVICE,
    ],
)
async def test_fulfilment_started_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World, order_id: int
) -> None:
    payload = await cancel(admin_client, order_id)
    (error,) = payload["orderCancelUserErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["orderId"])
    assert "fulfillment" in error["message"]
    assert devshop_world.jobs == {}


@pytest.mark.parametrize("flag", ["pending_authorization", "active_return"])
async def test_pending_authorizations_and_active_returns_are_refused(
    admin_client: httpx.AsyncClient, devshop_world: World, flag: str
) -> None:
    placed = devshop_world.add_order(customer_id=1001)
    setattr(placed, flag, True)
    payload = await cancel(admin_client, placed.id)
    assert payload["orderCancelUserErrors"][0]["code"] == "INVALID"


async def test_refund_and_refund_method_together_are_refused(
    admin_client: httpx.AsyncClient,
) -> None:
    payload = await cancel(admin_client, DemoOrders.CANCELLABLE, refund=True)
    assert payload["orderCancelUserErrors"][0]["code"] == "INVALID"
    assert payload["job"] is None


async def test_a_staff_note_over_255_characters_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    at_limit = await cancel(admin_client, DemoOrders.SPARE_2_MIN, staffNote="x" * 255)
    too_long = await cancel(admin_client, DemoOrders.CANCELLABLE, staffNote="x" * 256)
    assert at_limit["orderCancelUserErrors"] == []
    (error,) = too_long["orderCancelUserErrors"]
    assert (error["code"], error["field"]) == ("INVALID", ["staffNote"])


async def test_store_credit_for_an_order_without_a_customer_is_refused(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    guest = devshop_world.add_order(customer_id=None)
    payload = await cancel(admin_client, guest.id, refundMethod={"storeCreditRefund": {}})
    (error,) = payload["orderCancelUserErrors"]
    assert error["code"] == "STORE_CREDIT_REFUND_MISSING_CUSTOMER"
    assert error["field"] == ["refundMethod", "storeCreditRefund"]


async def test_store_credit_expiring_in_the_past_is_refused(
    admin_client: httpx.AsyncClient,
) -> None:
    method = {"storeCreditRefund": {"expiresAt": "2026-11-25T00:00:00Z"}}
    payload = await cancel(admin_client, DemoOrders.CANCELLABLE, refundMethod=method)
    assert payload["orderCancelUserErrors"][0]["code"] == "STORE_CREDIT_REFUND_EXPIRATION_IN_PAST"


async def test_both_refund_methods_at_once_fail_schema_validation(
    admin_client: httpx.AsyncClient,
) -> None:
    both = {"originalPaymentMethodsRefund": True, "storeCreditRefund": {}}
    response = await admin_client.post(
        "/admin/api/2026-10/graphql.json",
        json={"query": CANCEL, "variables": {"orderId": gid(5001), "refundMethod": both}},
    )
    assert "data" not in response.json()
    assert "OneOf" in response.json()["errors"][0]["message"]


async def test_the_call_log_counts_cancels_that_ran(
    admin_client: httpx.AsyncClient, devshop_world: World
) -> None:
    await cancel(admin_client, DemoOrders.CANCELLABLE)
    await cancel(admin_client, DemoOrders.FULFILLED)
    await admin_data(admin_client, "{ shop { name } }")
    calls = devshop_world.calls_for("orderCancel")
    assert [c.executed for c in calls] == [True, True]
    assert all(c.operation == "mutation" and c.operation_name == "Cancel" for c in calls)
    assert len(devshop_world.calls) == 3
