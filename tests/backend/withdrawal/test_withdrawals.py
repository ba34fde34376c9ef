"""The EU withdrawal function end to end on devshop: shown while the right lasts, two steps,
the effect exactly once (a cancel with full refund before fulfilment, a return request after),
recorded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from backend.policy import RefundMethod, ShopPolicy
from backend.store.base import EffectState, FlightState, MailState, WithdrawalEffect
from tests.backend.withdrawal.flows import (
    SHOP,
    both_steps,
    later,
    offered,
    place,
    ship,
    turn_on,
    withdraw,
)
from tests.conftest import BOB, Stack, cancel, running_stack
from tests.stores import postgres_store


def gid(order_id: int) -> str:
    return f"gid://shopify/Order/{order_id}"


async def test_the_function_is_shown_inside_the_period_and_gone_after(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        assert await offered(ada, order) == {"available": True, "until": None}
        await ship(stack, order, delivered=False)
        await later(stack, days=30)  # shipped, still on its way: the right has not started
        assert (await offered(ada, order))["available"] is True

        order_actions_delivered = datetime.now(UTC)
        from devshop import order_actions

        order_actions.add_fulfillment_event(stack.world, order, "DELIVERED")
        await stack.settle()
        shown = await offered(ada, order)
        assert shown["available"] is True
        until = datetime.fromisoformat(shown["until"])
        assert timedelta(days=14) < until - stack.clock() <= timedelta(days=15, hours=1)

        await later(stack, days=14)
        assert (await offered(ada, order))["available"] is True  # the 14th day runs to its end
        await later(stack, days=1, hours=1)
        assert await offered(ada, order) == {"available": False, "until": None}
        assert order_actions_delivered  # (when the carrier told)


async def test_the_function_is_off_until_the_merchant_turns_it_on(stack: Stack) -> None:
    order = await place(stack)
    async with stack.shopper() as ada:
        assert await offered(ada, order) == {"available": False, "until": None}
        refused = await withdraw(ada, order)
    assert refused["code"] == "NOT_OFFERED"
    assert stack.admin_calls("nodes") == 0  # nothing asked of Shopify for a shop without it


async def test_an_order_shipping_outside_the_chosen_countries_is_not_offered(
    stack: Stack,
) -> None:
    await turn_on(stack)
    order = await place(stack, country="US")
    async with stack.shopper() as ada:
        assert (await offered(ada, order))["available"] is False
        assert (await withdraw(ada, order))["code"] == "NOT_OFFERED"


async def test_before_fulfilment_a_withdrawal_cancels_with_a_full_refund_outside_the_window(
    stack: Stack,
) -> None:
    await stack.store.save_policy(
        SHOP, ShopPolicy(window_minutes=60, refund_method=RefundMethod.STORE_CREDIT)
    )
    await turn_on(stack)
    order = await place(stack)
    await later(stack, days=3)

    async with stack.shopper() as ada:
        assert (await cancel(ada, order.id))["code"] == "WINDOW_CLOSED"
        review = await withdraw(ada, order)
        assert review["__typename"] == "WithdrawalReview"
        assert (review["effect"], review["whole"], review["orderName"]) == (
            "CANCEL",
            True,
            order.name,
        )
        assert order.cancelled_at is None  # the first step changes nothing
        assert await stack.store.get_withdrawal(SHOP, gid(order.id)) is None

        received = await withdraw(ada, order, "CONFIRM", confirmation=review["confirmation"])
        await later(stack, seconds=2)
        again = await withdraw(ada, order, "CONFIRM", confirmation=review["confirmation"])

    assert received["__typename"] == "WithdrawalReceived", received
    assert (received["effect"], received["repeated"]) == ("CANCEL", False)
    assert order.name in received["acknowledgement"]
    assert order.cancelled_at is not None
    # The legal right: the original payment method, whatever the merchant's cancel refunds to.
    assert (order.refund_method, order.restocked) == ("ORIGINAL_PAYMENT_METHODS", True)
    assert stack.admin_calls("orderCancel") == 1
    assert (again["__typename"], again["repeated"]) == ("WithdrawalReceived", True)
    assert again["submittedAt"] == received["submittedAt"]
    record = await stack.store.get_withdrawal(SHOP, gid(order.id))
    assert record is not None
    assert (record.effect, record.effect_state) == (WithdrawalEffect.CANCEL, EffectState.DONE)
    flight = await stack.store.get_cancellation(SHOP, gid(order.id))
    assert flight is not None and flight.state is FlightState.CANCELLED


async def test_after_fulfilment_a_withdrawal_opens_a_return_request(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    await ship(stack, order)
    item = order.line_items[0]

    async with stack.shopper() as ada:
        received = await both_steps(
            ada,
            order,
            lineItems=[{"lineItemId": f"gid://shopify/LineItem/{item.id}", "quantity": 1}],
        )
    await later(stack, seconds=1)

    assert (received["__typename"], received["effect"]) == ("WithdrawalReceived", "RETURN")
    assert order.cancelled_at is None
    assert [(r.status, [(li, q) for _, li, q in r.lines]) for r in order.returns] == [
        ("REQUESTED", [(item.id, 1)])
    ]
    assert stack.admin_calls("returnRequest") == 1
    assert [d.topic for d in stack.devshop.state.webhooks.deliveries if "returns" in d.topic] in (
        [],  # not subscribed: Shopify sends only what the app subscribed to
        ["returns/request"],
    )
    record = await stack.store.get_withdrawal(SHOP, gid(order.id))
    assert record is not None and record.effect_state is EffectState.DONE
    assert record.effect_ref == f"gid://shopify/Return/{order.returns[0].id}"

    # Run the effect again (a retried job): the return is there, nothing more is asked.
    await stack.backend.state.services.withdrawals.effect({"shop": SHOP, "order_id": gid(order.id)})
    assert len(order.returns) == 1 and stack.admin_calls("returnRequest") == 1


async def test_a_confirmation_for_another_statement_is_sent_back_to_review(
    stack: Stack,
) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        review = await withdraw(ada, order)
        changed = await withdraw(
            ada,
            order,
            "CONFIRM",
            confirmation=review["confirmation"],
            email="someone.else@example.com",
        )
        forged = await withdraw(ada, order, "CONFIRM", confirmation="1.abc")
        missing = await withdraw(ada, order, "CONFIRM")
    assert [r["code"] for r in (changed, forged, missing)] == ["REVIEW_AGAIN"] * 3
    assert await stack.store.get_withdrawal(SHOP, gid(order.id)) is None
    assert order.cancelled_at is None


async def test_an_old_confirmation_is_sent_back_to_review(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        review = await withdraw(ada, order)
        await later(stack, minutes=31)
        late = await withdraw(ada, order, "CONFIRM", confirmation=review["confirmation"])
    assert late["code"] == "REVIEW_AGAIN"
    assert await stack.store.get_withdrawal(SHOP, gid(order.id)) is None


async def test_another_customers_order_looks_like_no_order(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper(BOB) as bob:
        theirs = await withdraw(bob, order)
        nothing = await withdraw(bob, 999999)
    assert theirs == nothing
    assert theirs["code"] == "NOT_FOUND"


async def test_bad_statements_are_refused_with_their_code_and_nothing_moves(
    stack: Stack,
) -> None:
    await turn_on(stack)
    order = await place(stack)
    item = f"gid://shopify/LineItem/{order.line_items[0].id}"
    async with stack.shopper() as ada:
        codes = [
            (await withdraw(ada, order, name="   "))["code"],
            (await withdraw(ada, order, name="x" * 201))["code"],
            (await withdraw(ada, order, email="not-an-address"))["code"],
            (await withdraw(ada, order, lineItems=[{"lineItemId": item, "quantity": 99}]))["code"],
            (
                await withdraw(
                    ada,
                    order,
                    lineItems=[{"lineItemId": "gid://shopify/LineItem/1", "quantity": 1}],
                )
            )["code"],
        ]
    assert codes == [
        "INVALID_NAME",
        "INVALID_NAME",
        "INVALID_EMAIL",
        "INVALID_ITEMS",
        "INVALID_ITEMS",
    ]
    assert await stack.store.get_withdrawal(SHOP, gid(order.id)) is None
    assert stack.admin_calls("orderCancel") == 0


async def test_some_items_of_an_unshipped_order_are_left_to_the_merchant(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    item = order.line_items[0]
    assert item.quantity >= 1
    async with stack.shopper() as ada:
        review = await withdraw(ada, order, lineItems=[{"lineItemId": str(item.id), "quantity": 1}])
    if len(order.line_items) == 1 and item.quantity == 1:
        assert review["effect"] == "CANCEL" and review["whole"] is True  # all of it
    else:
        assert review["effect"] == "MANUAL"


async def test_the_acknowledgement_is_queued_with_the_withdrawal(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        await both_steps(ada, order, locale="de-AT")
    record = await stack.store.get_withdrawal(SHOP, gid(order.id))
    assert record is not None and record.mail_id is not None
    mail = await stack.store.get_mail(record.mail_id)
    assert mail is not None
    assert mail.recipient == "ada@example.com"
    assert mail.subject == f"Eingangsbestätigung Ihres Widerrufs der Bestellung {order.name}"
    assert mail.body == record.acknowledgement
    # No SMTP_URL in this stack: kept, with the reason, for App Home's alert.
    await stack.settle()
    mail = await stack.store.get_mail(record.mail_id)
    assert mail is not None and mail.state is MailState.QUEUED
    assert mail.attempts == 1 and "SMTP_URL" in (mail.last_error or "")


async def test_concurrent_confirmations_withdraw_once_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    async with running_stack(tmp_path, store=postgres_store(postgres_url)) as stack:
        await turn_on(stack)
        order = await place(stack)
        async with stack.shopper() as ada:
            review = await withdraw(ada, order)
            confirmations = await asyncio.gather(
                *(
                    withdraw(ada, order, "CONFIRM", confirmation=review["confirmation"])
                    for _ in range(5)
                )
            )
        await later(stack, seconds=2)
        withdrawals = await stack.store.withdrawals(SHOP)

    assert {c["__typename"] for c in confirmations} == {"WithdrawalReceived"}
    assert sorted(c["repeated"] for c in confirmations) == [False, True, True, True, True]
    assert len({c["submittedAt"] for c in confirmations}) == 1
    assert len(withdrawals) == 1
    assert stack.admin_calls("orderCancel") == 1
    assert order.cancelled_at is not None
