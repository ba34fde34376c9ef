"""Helpers for the withdrawal's flows on devshop: place, ship, deliver, and the two steps."""

from __future__ import annotations

from typing import Any

import httpx

from backend.withdrawal.period import WithdrawalRule
from devshop import order_actions
from devshop.world import Order
from tests.conftest import ADA, Stack, graphql

SHOP = "demo-shop"

WITHDRAW = """
mutation Withdraw($input: WithdrawInput!) {
  withdrawFromContract(input: $input) {
    __typename
    ... on WithdrawalReview {
      orderId orderName name email whole: wholeOrder effect confirmation
      lineItems { lineItemId title quantity }
    }
    ... on WithdrawalReceived {
      orderId orderName submittedAt effect reference acknowledgement repeated
    }
    ... on WithdrawRefused { code message }
  }
}
"""

OFFERED = """
query Offered($id: ID!) { order(id: $id) { id withdrawal { available until } } }
"""


async def turn_on(stack: Stack, rule: WithdrawalRule | None = None) -> None:
    await stack.store.save_withdrawal_rule(
        SHOP, rule or WithdrawalRule(enabled=True), at=stack.clock()
    )


async def later(stack: Stack, **delta: float) -> None:
    stack.clock.advance(**delta)
    stack.world.settle_jobs()
    await stack.settle()


async def place(stack: Stack, customer: int = ADA, country: str = "NL") -> Order:
    order = order_actions.create_order(stack.world, customer_id=customer)
    order.shipping_country_code = country
    await stack.settle()
    await later(stack, seconds=1)  # routing
    return order


async def ship(stack: Stack, order: Order, *, delivered: bool = True) -> None:
    order_actions.fulfill(stack.world, order)
    if delivered:
        order_actions.add_fulfillment_event(stack.world, order, "DELIVERED")
    await stack.settle()


async def withdraw(
    client: httpx.AsyncClient,
    order: Order | int,
    step: str = "STATEMENT",
    **fields: Any,
) -> dict[str, Any]:
    order_id = order if isinstance(order, int) else order.id
    statement = {
        "step": step,
        "orderId": str(order_id),
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        **fields,
    }
    response = await graphql(client, WITHDRAW, {"input": statement})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["withdrawFromContract"]
    return result


async def both_steps(client: httpx.AsyncClient, order: Order, **fields: Any) -> dict[str, Any]:
    review = await withdraw(client, order, **fields)
    assert review["__typename"] == "WithdrawalReview", review
    return await withdraw(client, order, "CONFIRM", confirmation=review["confirmation"], **fields)


async def offered(client: httpx.AsyncClient, order: Order) -> dict[str, Any]:
    response = await graphql(client, OFFERED, {"id": str(order.id)})
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["order"]["withdrawal"]
    return found
