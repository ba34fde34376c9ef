"""A withdrawal is evidence: exported on customers/data_request, kept through a customer's
redaction and RETENTION_DAYS, deleted after its own period, and with the shop's redaction."""

from __future__ import annotations

from datetime import timedelta

from backend.retention import Retention
from backend.webhooks import customer_export
from backend.withdrawal.evidence import KEEP, Evidence
from tests.backend.test_webhooks import redact_payload, send
from tests.backend.withdrawal.flows import SHOP, both_steps, place, turn_on
from tests.conftest import ADA, Stack

ADA_GID = f"gid://shopify/Customer/{ADA}"


async def withdrawn(stack: Stack) -> str:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        await both_steps(ada, order)
    await stack.settle()
    return f"gid://shopify/Order/{order.id}"


async def test_the_export_holds_the_statement_and_its_times(stack: Stack) -> None:
    order_id = await withdrawn(stack)
    data = customer_export(await stack.store.customer_data(SHOP, ADA_GID))
    [statement] = data["withdrawals"]
    assert statement["order_id"] == order_id
    assert (statement["name"], statement["email"]) == ("Ada Lovelace", "ada@example.com")
    assert statement["submitted_at"].startswith(str(stack.clock().year))
    assert statement["acknowledgement"]


async def test_a_customers_redaction_keeps_the_withdrawal(stack: Stack) -> None:
    order_id = await withdrawn(stack)
    delivery = await send(
        stack, "customers/redact", {**redact_payload(ADA), "orders_to_redact": [order_id]}
    )
    assert delivery.status == 200
    assert await stack.store.get_cancellation(SHOP, order_id) is None  # the rest goes
    assert await stack.store.get_withdrawal(SHOP, order_id) is not None


async def test_retention_days_never_cut_it_and_its_own_period_does(stack: Stack) -> None:
    order_id = await withdrawn(stack)
    now = stack.clock()
    later = now + KEEP - timedelta(days=1)
    await Retention(stack.store, timedelta(days=1), lambda: later).run()
    assert await stack.store.get_withdrawal(SHOP, order_id) is not None
    assert await Evidence(stack.store, lambda: later).run() == 0

    after = now + KEEP + timedelta(days=1)
    assert await Evidence(stack.store, lambda: after).run() == 2  # the withdrawal and its mail
    assert await stack.store.get_withdrawal(SHOP, order_id) is None


async def test_the_shops_redaction_erases_it(stack: Stack) -> None:
    order_id = await withdrawn(stack)
    await send(stack, "shop/redact", {"shop_id": 1, "shop_domain": "demo-shop.myshopify.com"})
    assert await stack.store.get_withdrawal(SHOP, order_id) is None
    assert await stack.store.withdrawals(SHOP) == []
