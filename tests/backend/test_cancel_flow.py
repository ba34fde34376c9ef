"""The cancel, end to end through Shopify's App Proxy (devshop) to the Admin API (devshop)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from backend.policy import CancelBlock, CancelReason, ShopPolicy
from backend.store.base import FlightState, Outcome
from devshop.seed import DemoOrders
from tests.conftest import (
    BOB,
    ORDER_QUERY,
    ORDERS_QUERY,
    Stack,
    cancel,
    graphql,
    running_stack,
)
from tests.stores import postgres_store

GID = "gid://shopify/Order/{}"


async def test_customer_cancels_their_order(stack: Stack) -> None:
    async with stack.shopper() as ada:
        result = await cancel(
            ada, DemoOrders.CANCELLABLE, "WRONG_SIZE_OR_COLOUR", note="Meant to order M"
        )

    assert result["__typename"] == "CancelOrderSuccess"
    assert result["order"] == {
        "id": GID.format(DemoOrders.CANCELLABLE),
        "name": "#1001",
        "cancellable": False,
        "blockedBy": "ALREADY_CANCELLED",
        "status": "PENDING",
    }
    await stack.jobs.drain()
    record = await stack.store.get_cancellation("demo-shop", GID.format(DemoOrders.CANCELLABLE))
    assert record is not None and record.state is FlightState.CANCELLED
    assert record.reason_code == "WRONG_SIZE_OR_COLOUR" and record.note == "Meant to order M"

    order = stack.world.order(DemoOrders.CANCELLABLE)
    assert order is not None and order.cancelled_at is not None
    assert order.cancel_reason == "CUSTOMER"
    assert order.staff_note == 'Cancelled by the customer: Wrong size or colour. "Meant to order M"'
    [call] = [c for c in stack.world.calls_for("orderCancel") if c.executed]
    assert call.deprecated_arguments == []
    assert call.variables["refundMethod"] == {"originalPaymentMethodsRefund": True}
    assert call.variables["restock"] is True and call.variables["notifyCustomer"] is True

    [attempt] = await stack.store.attempts("demo-shop")
    assert (attempt.outcome, attempt.reason_code, attempt.customer_id) == (
        Outcome.PENDING,
        "WRONG_SIZE_OR_COLOUR",
        "gid://shopify/Customer/1001",
    )


async def test_cancelled_order_reads_as_cancelled_afterwards(stack: Stack) -> None:
    async with stack.shopper() as ada:
        await cancel(ada, DemoOrders.CANCELLABLE)
        await stack.jobs.drain()
        response = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
    order = response.json()["data"]["order"]
    assert (order["status"], order["cancellable"]) == ("CANCELLED", False)


async def test_read_confirms_a_pending_cancel_when_shopify_is_done(tmp_path: Path) -> None:
    # No worker: no job polls Shopify, so the read alone must confirm it.
    async with running_stack(tmp_path, in_process_worker=False) as stack, stack.shopper() as ada:
        await cancel(ada, DemoOrders.CANCELLABLE)
        stack.clock.advance(seconds=5)
        response = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
        record = await stack.store.get_cancellation("demo-shop", GID.format(DemoOrders.CANCELLABLE))
    assert response.json()["data"]["order"]["status"] == "CANCELLED"
    assert record is not None and record.state is FlightState.CANCELLED


@pytest.mark.parametrize(
    ("order_id", "code"),
    [
        (DemoOrders.FULFILLED, CancelBlock.FULFILLMENT_STARTED),
        (DemoOrders.FULFILLMENT_IN_PROGRESS, CancelBlock.FULFILLMENT_STARTED),
        (DemoOrders.SUBMITTED_TO_SERVICE, CancelBlock.FULFILLMENT_STARTED),
        (DemoOrders.WINDOW_CLOSED, CancelBlock.WINDOW_CLOSED),
        (DemoOrders.EXCLUDED_PRODUCT, CancelBlock.EXCLUDED_PRODUCT),
        (DemoOrders.EXCLUDED_ORDER, CancelBlock.EXCLUDED_ORDER),
        (DemoOrders.ALREADY_CANCELLED, CancelBlock.ALREADY_CANCELLED),
        (DemoOrders.PARTIALLY_REFUNDED, CancelBlock.PAYMENT_STATE),
        (DemoOrders.RISK_CANCEL, CancelBlock.RISK_REVIEW),
        (DemoOrders.BOBS_ORDER, CancelBlock.NOT_FOUND),
        (DemoOrders.OTHER_SHOP_ORDER, CancelBlock.NOT_FOUND),
        (987654321, CancelBlock.NOT_FOUND),
    ],
    ids=lambda value: str(value),
)
async def test_orders_the_rules_refuse_are_left_alone(
    stack: Stack, order_id: int, code: CancelBlock
) -> None:
    before = stack.world.order(order_id)
    snapshot = repr(before)
    async with stack.shopper() as ada:
        result = await cancel(ada, order_id)
        view = await graphql(ada, ORDER_QUERY, {"id": str(order_id)})

    assert result["__typename"] == "CancelOrderRefused"
    assert result["code"] == code.value
    assert result["message"]
    assert stack.admin_calls("orderCancel") == 0
    assert repr(stack.world.order(order_id)) == snapshot
    [attempt] = await stack.store.attempts("demo-shop")
    assert (attempt.outcome, attempt.block) == (Outcome.REFUSED, code)
    order = view.json()["data"]["order"]
    if code is CancelBlock.NOT_FOUND:
        assert order is None
    else:
        assert (order["cancellable"], order["blockedBy"]) == (False, code.value)


async def test_cutoff_passed(stack: Stack) -> None:
    # The demo shop's clock is Amsterdam's; a cutoff 2 minutes ago is after the order (5 min).
    local = (stack.clock() - timedelta(minutes=2)).astimezone(ZoneInfo("Europe/Amsterdam"))
    await stack.store.save_policy(
        "demo-shop", ShopPolicy(cutoff=local.time().replace(microsecond=0))
    )
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result["code"] == "CUTOFF_PASSED"
    assert stack.admin_calls("orderCancel") == 0


async def test_disabled_shop_refuses(stack: Stack) -> None:
    await stack.store.save_policy("demo-shop", ShopPolicy(enabled=False))
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result["code"] == "DISABLED"
    assert stack.admin_calls("orderCancel") == 0


async def test_reason_outside_the_merchants_list_is_refused(stack: Stack) -> None:
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE, reason="JUST_BECAUSE")
    assert result["code"] == "INVALID_REASON"
    assert stack.admin_calls("orderCancel") == 0
    assert stack.admin_calls("order") == 0  # refused before asking Shopify anything


async def test_overlong_note_is_refused_not_truncated(stack: Stack) -> None:
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE, note="x" * 501)
    assert result["code"] == "INVALID_NOTE"
    assert stack.admin_calls("orderCancel") == 0


async def test_store_credit_refund_is_sent_as_refund_method(stack: Stack) -> None:
    from backend.policy import RefundMethod

    await stack.store.save_policy(
        "demo-shop", ShopPolicy(refund_method=RefundMethod.STORE_CREDIT, restock=False)
    )
    async with stack.shopper() as ada:
        result = await cancel(ada, DemoOrders.CANCELLABLE)
    assert result["__typename"] == "CancelOrderSuccess"
    [call] = stack.world.calls_for("orderCancel")
    assert call.variables["refundMethod"] == {"storeCreditRefund": {}}
    assert call.variables["restock"] is False


@pytest.mark.parametrize(
    "order_id", [str(DemoOrders.CANCELLABLE), GID.format(DemoOrders.CANCELLABLE)]
)
async def test_order_ids_are_accepted_as_numbers_and_gids(stack: Stack, order_id: str) -> None:
    async with stack.shopper() as ada:
        response = await graphql(ada, ORDER_QUERY, {"id": order_id})
    order = response.json()["data"]["order"]
    assert order["id"] == GID.format(DemoOrders.CANCELLABLE)
    assert (order["name"], order["cancellable"], order["blockedBy"]) == ("#1001", True, None)
    assert order["deadline"] is not None
    assert {"code": "OTHER", "label": "Other reason"} in order["reasons"]


@pytest.mark.parametrize(
    ("customer", "order_id"),
    [
        (1001, DemoOrders.BOBS_ORDER),  # someone else's
        (1001, 987654321),  # nobody's
        (None, DemoOrders.CANCELLABLE),  # signed out
        (BOB, DemoOrders.CANCELLABLE),  # Bob asks for Ada's
        (1001, DemoOrders.OTHER_SHOP_ORDER),  # another shop's
    ],
)
async def test_not_yours_and_not_there_look_exactly_alike(
    stack: Stack, customer: int | None, order_id: int
) -> None:
    async with stack.shopper(customer) as shopper:
        read = await graphql(shopper, ORDER_QUERY, {"id": str(order_id)})
        result = await cancel(shopper, order_id)
    assert read.json() == {"data": {"order": None}}
    assert result == {
        "__typename": "CancelOrderRefused",
        "code": "NOT_FOUND",
        "message": "We couldn't find that order.",
    }


async def test_account_page_of_50_orders_takes_one_admin_request(stack: Stack) -> None:
    ids = [str(DemoOrders.CANCELLABLE), str(DemoOrders.FULFILLED), str(DemoOrders.BOBS_ORDER)]
    for _ in range(47):
        ids.append(str(stack.world.add_order(customer_id=1001).id))
    async with stack.shopper() as ada:
        response = await graphql(ada, ORDERS_QUERY, {"ids": ids})
    orders = response.json()["data"]["orders"]
    assert len(orders) == 49  # Bob's is not Ada's
    assert orders[0]["cancellable"] is True
    assert orders[1]["blockedBy"] == "FULFILLMENT_STARTED"
    assert stack.admin_calls("nodes") == 1
    assert len(stack.world.calls) == 1


async def test_more_than_50_orders_is_a_clear_error(stack: Stack) -> None:
    async with stack.shopper() as ada:
        response = await graphql(ada, ORDERS_QUERY, {"ids": [str(i) for i in range(1, 52)]})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_IDS"
    assert stack.world.calls == []


async def test_one_eligibility_check_takes_one_admin_request(stack: Stack) -> None:
    async with stack.shopper() as ada:
        await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
    assert len(stack.world.calls) == 1


async def test_one_cancel_takes_two_admin_requests_on_the_customers_path(stack: Stack) -> None:
    async with stack.shopper() as ada:
        await cancel(ada, DemoOrders.CANCELLABLE)
    assert [call.root_fields for call in stack.world.calls] == [
        ("shop", "order"),
        ("orderCancel",),
    ]


async def test_fifty_concurrent_identical_cancels_make_one_order_cancel(stack: Stack) -> None:
    # devshop completes the job on its own clock and sends orders/cancelled; here it does so
    # after the burst. (Mid-burst, a read older than that webhook can answer NONE: see issue 10.)
    stack.world.job_delay = 30
    async with stack.shopper() as ada:
        results = await asyncio.gather(*(cancel(ada, DemoOrders.CANCELLABLE) for _ in range(50)))
    assert stack.admin_calls("orderCancel") == 1
    assert {r["__typename"] for r in results} == {"CancelOrderSuccess"}
    assert {r["order"]["status"] for r in results} <= {"PENDING", "CANCELLED"}
    attempts = await stack.store.attempts("demo-shop")
    assert len(attempts) == 50
    assert sum(a.outcome is Outcome.PENDING for a in attempts) == 1
    assert sum(a.outcome is Outcome.DUPLICATE for a in attempts) == 49


async def test_single_flight_holds_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    async with running_stack(tmp_path, store=store) as pg_stack, pg_stack.shopper() as ada:
        results = await asyncio.gather(*(cancel(ada, DemoOrders.CANCELLABLE) for _ in range(50)))
        assert {r["__typename"] for r in results} == {"CancelOrderSuccess"}
        assert pg_stack.admin_calls("orderCancel") == 1


async def test_a_repeat_returns_the_first_outcome_without_a_second_cancel(stack: Stack) -> None:
    async with stack.shopper() as ada:
        first = await cancel(ada, DemoOrders.CANCELLABLE, "OTHER")
        await stack.jobs.drain()
        again = await cancel(ada, DemoOrders.CANCELLABLE, "FOUND_BETTER_PRICE")
    assert first["__typename"] == again["__typename"] == "CancelOrderSuccess"
    assert again["order"]["status"] == "CANCELLED"
    assert stack.admin_calls("orderCancel") == 1
    record = await stack.store.get_cancellation("demo-shop", GID.format(DemoOrders.CANCELLABLE))
    assert record is not None and record.reason_code == "OTHER"


@pytest.mark.parametrize(
    ("locale", "label"),
    [
        ("nl-BE", "Verkeerde maat"),
        ("nl", "Verkeerde maat"),
        ("de", "Wrong size"),
        (None, "Wrong size"),
    ],
)
async def test_reasons_come_in_the_customers_language_where_the_merchant_translated_them(
    stack: Stack, locale: str | None, label: str
) -> None:
    reasons = (CancelReason("WRONG_SIZE", "Wrong size", (("nl", "Verkeerde maat"),)),)
    await stack.store.save_policy("demo-shop", ShopPolicy(reasons=reasons))
    query = (
        "query($id: ID!, $locale: String) "
        "{ order(id: $id) { reasons(locale: $locale) { code label } } }"
    )
    async with stack.shopper() as ada:
        response = await graphql(ada, query, {"id": "5001", "locale": locale})
    assert response.json()["data"]["order"]["reasons"] == [{"code": "WRONG_SIZE", "label": label}]
