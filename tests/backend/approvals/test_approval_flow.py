"""Approval mode end to end (issue 14): the customer asks, the shop answers, Flow hears it."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from backend.approvals.flow import HANDLES, FlowEvent
from backend.policy import ApprovalMode, ShopPolicy
from backend.services import Services
from backend.store.base import RequestState
from devshop import order_actions
from devshop.admin_flow_triggers import payload_errors
from devshop.world import Order
from tests.conftest import ADA, Stack, graphql

SHOP = "demo-shop"
APPROVING = ShopPolicy(window_minutes=60, approval=ApprovalMode.ALL)

REQUEST_MUTATION = """
mutation Cancel($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    __typename
    ... on CancelOrderRequested { requestedAt order { status cancellable blockedBy
      request { state requestedAt message } } }
    ... on CancelOrderSuccess { order { status } }
    ... on CancelOrderRefused { code message }
  }
}
"""

WITHDRAW_MUTATION = """
mutation Withdraw($input: WithdrawCancelRequestInput!) {
  withdrawCancelRequest(input: $input) {
    __typename
    ... on WithdrawCancelRequestSuccess { order { status cancellable request { state } } }
    ... on CancelOrderRefused { code message }
  }
}
"""

STATE_QUERY = """
query Order($id: ID!) {
  order(id: $id) { status cancellable blockedBy request { state requestedAt message } }
}
"""


def services(stack: Stack) -> Services:
    found: Services = stack.backend.state.services
    return found


async def place(stack: Stack, policy: ShopPolicy = APPROVING, total: str | None = None) -> Order:
    await stack.store.save_policy(SHOP, policy)
    placed = order_actions.create_order(stack.world, customer_id=ADA)
    if total is not None:
        placed.total_price = Decimal(total)
    await stack.settle()
    stack.clock.advance(seconds=1)  # routing: the order gets its fulfilment order
    stack.world.settle_jobs()
    await stack.settle()
    return placed


async def ask(stack: Stack, order: Order, mutation: str = REQUEST_MUTATION) -> dict[str, Any]:
    async with stack.shopper() as ada:
        response = await graphql(
            ada,
            mutation,
            {"input": {"orderId": str(order.id), "reason": "WRONG_SIZE_OR_COLOUR", "note": "L"}},
        )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["cancelOrder"]
    return result


async def shown(stack: Stack, order: Order) -> dict[str, Any]:
    async with stack.shopper() as ada:
        body = (await graphql(ada, STATE_QUERY, {"id": str(order.id)})).json()
    found: dict[str, Any] = body["data"]["order"]
    return found


async def withdraw(stack: Stack, order: Order) -> dict[str, Any]:
    async with stack.shopper() as ada:
        body = (await graphql(ada, WITHDRAW_MUTATION, {"input": {"orderId": str(order.id)}})).json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["withdrawCancelRequest"]
    return result


def gid(order: Order) -> str:
    return f"gid://shopify/Order/{order.id}"


def triggers(stack: Stack, event: FlowEvent) -> list[dict[str, Any]]:
    return [t.payload for t in stack.world.flow_triggers if t.handle == HANDLES[event]]


async def test_a_request_then_approval_cancels_the_order(stack: Stack) -> None:
    order = await place(stack)

    asked = await ask(stack, order)
    await stack.settle()

    assert asked["__typename"] == "CancelOrderRequested", asked
    assert asked["order"]["status"] == "REQUESTED"
    assert asked["order"]["blockedBy"] == "AWAITING_APPROVAL"
    assert asked["order"]["request"]["state"] == "REQUESTED"
    assert order.cancelled_at is None and stack.admin_calls("orderCancel") == 0
    assert (await shown(stack, order))["status"] == "REQUESTED"
    again = await ask(stack, order)  # asking twice files nothing new
    assert again["__typename"] == "CancelOrderRequested"
    assert again["requestedAt"] == asked["requestedAt"]

    answer = await services(stack).approvals.approve(SHOP, gid(order))
    await stack.settle()

    assert type(answer).__name__ == "Answered"
    assert order.cancelled_at is not None
    assert stack.admin_calls("orderCancel") == 1
    assert (await shown(stack, order))["status"] == "CANCELLED"
    assert (await stack.store.get_request(SHOP, gid(order))).state is RequestState.APPROVED
    assert [p["order_id"] for p in triggers(stack, FlowEvent.REQUESTED)] == [order.id]
    assert [p["order_id"] for p in triggers(stack, FlowEvent.APPROVED)] == [order.id]
    assert [p["order_id"] for p in triggers(stack, FlowEvent.CANCELLED)] == [order.id]


async def test_a_declined_request_shows_the_shops_message(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)

    await services(stack).approvals.decline(SHOP, gid(order), "Already engraved, sorry.")
    await stack.settle()

    seen = await shown(stack, order)
    assert seen["status"] == "NONE" and seen["cancellable"] is False
    assert seen["blockedBy"] == "DECLINED_BY_SHOP"
    assert seen["request"]["message"] == "Already engraved, sorry."
    again = await ask(stack, order)
    assert again == {
        "__typename": "CancelOrderRefused",
        "code": "DECLINED_BY_SHOP",
        "message": "Already engraved, sorry.",
    }
    assert order.cancelled_at is None and stack.admin_calls("orderCancel") == 0
    [declined] = triggers(stack, FlowEvent.DECLINED)
    assert declined["Message"] == "Already engraved, sorry."


async def test_only_orders_above_the_total_need_approval(stack: Stack) -> None:
    policy = ShopPolicy(
        window_minutes=60, approval=ApprovalMode.ABOVE_TOTAL, approval_above=Decimal("100")
    )
    small = await place(stack, policy, total="49.95")
    large = await place(stack, policy, total="250.00")

    assert (await ask(stack, small))["__typename"] == "CancelOrderSuccess"
    asked = await ask(stack, large)
    assert asked["__typename"] == "CancelOrderRequested"
    request = await stack.store.get_request(SHOP, gid(large))
    assert request is not None and request.total == "250.00"


async def test_a_request_when_fulfilment_starts_is_declined_by_itself(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)

    order_actions.start_fulfillment(stack.world, order)
    await stack.settle()

    request = await stack.store.get_request(SHOP, gid(order))
    assert request is not None and request.state is RequestState.DECLINED
    assert (request.decided_by, request.block) == ("AUTO", "FULFILLMENT_STARTED")
    assert (await shown(stack, order))["blockedBy"] == "DECLINED_BY_SHOP"
    assert stack.admin_calls("orderCancel") == 0


async def test_approving_after_fulfilment_started_declines_instead(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)
    # The warehouse starts, and we have not heard yet: the approval's fresh read tells.
    order_actions.start_fulfillment(stack.world, order)

    answer = await services(stack).approvals.approve(SHOP, gid(order))

    assert getattr(answer, "code", None) is not None
    assert answer.code.value == "FULFILLMENT_STARTED"  # type: ignore[union-attr]
    request = await stack.store.get_request(SHOP, gid(order))
    assert request is not None and request.state is RequestState.DECLINED
    assert stack.admin_calls("orderCancel") == 0


async def test_the_window_is_judged_as_of_the_request(stack: Stack) -> None:
    order = await place(stack)  # five minutes old; the window is 60 minutes
    await ask(stack, order)
    stack.clock.advance(minutes=120)  # the shop answers long after the window closed

    answer = await services(stack).approvals.approve(SHOP, gid(order))
    await stack.settle()

    assert type(answer).__name__ == "Answered"
    assert order.cancelled_at is not None


async def test_approve_and_withdraw_racing_one_wins_cleanly(stack: Stack) -> None:
    for _ in range(4):
        order = await place(stack)
        await ask(stack, order)

        approved, withdrawn = await asyncio.gather(
            services(stack).approvals.approve(SHOP, gid(order)), withdraw(stack, order)
        )
        await stack.settle()

        request = await stack.store.get_request(SHOP, gid(order))
        assert request is not None
        won_by_withdrawal = withdrawn["__typename"] == "WithdrawCancelRequestSuccess"
        if won_by_withdrawal:
            assert request.state is RequestState.WITHDRAWN
            assert getattr(approved, "code", None) is not None
            assert order.cancelled_at is None
        else:
            assert withdrawn["code"] == "ALREADY_CANCELLED"
            assert request.state is RequestState.APPROVED
            assert order.cancelled_at is not None
    assert stack.admin_calls("orderCancel") == len(
        stack.world.flow_triggers
        and [t for t in stack.world.flow_triggers if t.handle == HANDLES[FlowEvent.APPROVED]]
    )


async def test_a_withdrawn_request_may_be_filed_again(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)

    result = await withdraw(stack, order)
    assert result["__typename"] == "WithdrawCancelRequestSuccess"
    assert result["order"]["status"] == "NONE" and result["order"]["cancellable"] is True
    assert (await withdraw(stack, order))["__typename"] == "WithdrawCancelRequestSuccess"
    assert (await ask(stack, order))["__typename"] == "CancelOrderRequested"
    await stack.settle()
    assert len(triggers(stack, FlowEvent.REQUESTED)) == 2
    assert len(triggers(stack, FlowEvent.WITHDRAWN)) == 1


async def test_withdrawing_without_a_request_is_refused(stack: Stack) -> None:
    order = await place(stack)
    result = await withdraw(stack, order)
    assert result["code"] == "NO_REQUEST"


async def test_auto_approve_after_the_merchants_minutes(stack: Stack) -> None:
    order = await place(
        stack, ShopPolicy(window_minutes=60, approval=ApprovalMode.ALL, auto_approve_minutes=30)
    )
    await ask(stack, order)
    stack.clock.advance(minutes=29)
    await stack.settle()
    assert order.cancelled_at is None

    stack.clock.advance(minutes=2)
    await stack.settle()
    stack.world.settle_jobs()
    await stack.settle()

    request = await stack.store.get_request(SHOP, gid(order))
    assert request is not None and (request.state, request.decided_by) == (
        RequestState.APPROVED,
        "AUTO",
    )
    assert order.cancelled_at is not None


async def test_every_flow_payload_matches_its_extension(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)
    await services(stack).approvals.approve(SHOP, gid(order))
    other = await place(stack)
    await ask(stack, other)
    await services(stack).approvals.decline(SHOP, gid(other), None)
    third = await place(stack)
    await ask(stack, third)
    await withdraw(stack, third)
    await stack.settle()

    sent = {t.handle for t in stack.world.flow_triggers}
    # Edits send theirs in tests/backend/test_edits.py.
    assert sent == set(HANDLES.values()) - {HANDLES[FlowEvent.EDITED]}
    for trigger in stack.world.flow_triggers:
        assert payload_errors(trigger.handle, trigger.payload) == []
    assert [p["Reason code"] for p in triggers(stack, FlowEvent.CANCELLED)] == [
        "WRONG_SIZE_OR_COLOUR"
    ]


def test_devshop_refuses_a_payload_that_does_not_match() -> None:
    good = {
        "order_id": 7,
        "Reason code": "OTHER",
        "Reason": "Other reason",
        "Note": "",
        "Refund": 49.95,
        "Fee": 0,
        "Message": "",
    }
    handle = HANDLES[FlowEvent.CANCELLED]
    assert payload_errors(handle, good) == []
    assert payload_errors(handle, {**good, "Extra": 1}) == ["Unknown field 'Extra'"]
    assert payload_errors(handle, {k: v for k, v in good.items() if k != "Fee"}) == [
        "Missing field 'Fee'"
    ]
    assert payload_errors(handle, {**good, "order_id": "7"}) == [
        "Field 'order_id' is not a valid order_reference"
    ]
    assert payload_errors(handle, {**good, "Reason": "two\nlines"}) == [
        "Field 'Reason' is not a valid single_line_text_field"
    ]
    assert payload_errors("cancel-nothing", good) == ["Invalid handle 'cancel-nothing'"]
    assert payload_errors(handle, {**good, "Note": "x" * 60_000}) == [
        "Payload exceeds the 50000 byte limit"
    ]


async def test_a_trigger_retried_after_a_failure_arrives_once(stack: Stack) -> None:
    order = await place(stack)
    # Shopify fails the first sends (the client's own retries and the job's retries meet it).
    stack.faults.fail(503, field="flowTriggerReceive", times=4)

    await ask(stack, order)
    for _ in range(6):
        stack.clock.advance(seconds=60)
        await stack.settle()

    assert len(triggers(stack, FlowEvent.REQUESTED)) == 1
    calls = stack.world.calls_for("flowTriggerReceive")
    assert len(calls) == 5 and sum(c.executed for c in calls) == 1


async def test_an_approval_whose_process_died_is_taken_over(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)
    # A process moved the request to APPROVING and died before the cancel.
    assert await stack.store.move_request(
        SHOP,
        gid(order),
        RequestState.APPROVING,
        only_from=RequestState.REQUESTED,
        at=stack.clock(),
    )
    early = await services(stack).approvals.approve(SHOP, gid(order))
    assert getattr(early, "code", None) is not None  # still someone's live approval

    stack.clock.advance(minutes=3)
    answer = await services(stack).approvals.approve(SHOP, gid(order))
    await stack.settle()

    assert type(answer).__name__ == "Answered"
    assert order.cancelled_at is not None
    assert stack.admin_calls("orderCancel") == 1
