"""Insights from edits (issue 13): orders a change saved from a cancel, by reason; changes by
kind; balances customers still owe; counted on SQLite and PostgreSQL, and shown on App Home."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from backend.edit.insights import edit_insights
from backend.store.base import EditAttempt, EditOutcome
from backend.store.sql import SQLStore
from tests.backend.admin.conftest import id_token
from tests.conftest import Stack

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def edit(
    order: int,
    kind: str,
    outcome: EditOutcome = EditOutcome.EDITED,
    *,
    reason: str | None = None,
    ago: timedelta = timedelta(hours=1),
    amount: str | None = None,
    refund_state: str | None = None,
) -> EditAttempt:
    return EditAttempt(
        shop="demo-shop",
        order_id=f"gid://shopify/Order/{order}",
        customer_id="gid://shopify/Customer/1001",
        kind=kind,
        reason_code=reason,
        outcome=outcome,
        at=NOW - ago,
        amount=None if amount is None else Decimal(amount),
        currency=None if amount is None else "EUR",
        refund_state=refund_state,
    )


SEEDED = [
    edit(1, "ADDRESS", reason="WRONG_ADDRESS", ago=timedelta(days=40)),  # before the period
    edit(2, "ADDRESS", reason="WRONG_ADDRESS"),
    edit(2, "ADDRESS", reason="WRONG_ADDRESS"),  # the same order again: saved once
    edit(3, "ADDRESS", reason="WRONG_ADDRESS"),
    edit(4, "QUANTITY", reason="ORDERED_BY_MISTAKE", amount="-24.95", refund_state="FAILED"),
    edit(5, "QUANTITY", amount="49.95"),  # no cancel reason: an edit, not a saved cancel
    edit(6, "ADDRESS", EditOutcome.REFUSED, reason="WRONG_ADDRESS"),
    edit(7, "QUANTITY", EditOutcome.FAILED, reason="ORDERED_BY_MISTAKE"),
]


async def seed(store: SQLStore) -> None:
    for attempt in SEEDED:
        await store.record_edit(attempt)


async def test_saved_orders_are_counted_once_by_reason_and_edits_by_kind(store: SQLStore) -> None:
    await seed(store)

    found = await edit_insights(store, "demo-shop", since=NOW - timedelta(days=30), until=NOW)

    assert found.saved_by_reason == [("WRONG_ADDRESS", 2), ("ORDERED_BY_MISTAKE", 1)]
    assert found.saved == 3
    assert found.by_kind == [("ADDRESS", 3), ("QUANTITY", 2)]
    assert [(o.order_id, o.amount) for o in found.owed] == [
        ("gid://shopify/Order/5", Decimal("49.95"))
    ]
    assert found.refunds_failed == 1


async def test_app_home_shows_saved_orders_and_balances_due(stack: Stack) -> None:
    now = stack.clock()
    for attempt in SEEDED:
        await stack.store.record_edit(replace(attempt, at=now - (NOW - attempt.at)))
    async with stack.direct() as backend:
        response = await backend.get(f"/?shop=demo-shop.myshopify.com&id_token={id_token()}")

    page = response.text
    assert re.search(r'data-figure="saved">3<', page)
    for chart in ("chart-saved-by-reason", "chart-edits-by-kind"):
        assert f'<svg id="{chart}" class="chart" role="img"' in page
    assert "Wrong delivery address: 2" in page
    assert '<th scope="row">Shipping address</th><td>3</td>' in page
    assert re.search(r"<td data-owed>€49\.95</td>", page)
    assert "Shopify refused 1 refunds after a change" in page
