"""The edits' rows and the edit flight mark, on SQLite and PostgreSQL (issue 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from backend.store.base import EditAttempt, EditOutcome
from backend.store.edits import EDIT_FLIGHT
from backend.store.sql import SQLStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ORDER = "gid://shopify/Order/5001"


def attempt(
    outcome: EditOutcome = EditOutcome.IN_FLIGHT, detail: str | None = "7->1"
) -> EditAttempt:
    return EditAttempt(
        shop="demo-shop",
        order_id=ORDER,
        customer_id="gid://shopify/Customer/1001",
        kind="QUANTITY",
        reason_code="ORDERED_BY_MISTAKE",
        outcome=outcome,
        at=NOW,
        detail=detail,
        amount=Decimal("-49.90"),
        currency="EUR",
    )


async def test_an_edit_is_recorded_updated_and_read_back(store: SQLStore) -> None:
    edit_id = await store.record_edit(attempt())
    plan = {"key": f"cancel-button-edit-demo-shop-{edit_id}", "amount": "49.90", "to": None}
    done = replace(
        attempt(EditOutcome.EDITED), id=edit_id, refund_state="PENDING", refund_plan=plan
    )

    await store.update_edit(done)

    assert await store.get_edit(edit_id) == done
    assert await store.edits("demo-shop", since=NOW - timedelta(days=1)) == [done]
    assert await store.get_edit(edit_id + 1000) is None


async def test_only_unsettled_tries_of_the_same_change_are_found_until_closed(
    store: SQLStore,
) -> None:
    failed = await store.record_edit(attempt(EditOutcome.FAILED))
    await store.record_edit(attempt(EditOutcome.EDITED))
    await store.record_edit(attempt(EditOutcome.IN_FLIGHT, detail="7->2"))

    found = await store.unsettled_edit("demo-shop", ORDER, "7->1")
    await store.close_unsettled("demo-shop", ORDER, "7->1")

    assert found is not None and found.id == failed
    assert await store.unsettled_edit("demo-shop", ORDER, "7->1") is None
    assert await store.unsettled_edit("demo-shop", ORDER, "7->2") is not None


async def test_the_edit_flight_is_one_holders_until_dropped_or_expired(store: SQLStore) -> None:
    ttl = timedelta(minutes=2)

    first = await store.claim_once("demo-shop", EDIT_FLIGHT, ORDER, ttl=ttl, at=NOW)
    second = await store.claim_once("demo-shop", EDIT_FLIGHT, ORDER, ttl=ttl, at=NOW)
    held = await store.claimed("demo-shop", EDIT_FLIGHT, ORDER, at=NOW)
    await store.drop_claim("demo-shop", EDIT_FLIGHT, ORDER)
    after_drop = await store.claimed("demo-shop", EDIT_FLIGHT, ORDER, at=NOW)
    await store.claim_once("demo-shop", EDIT_FLIGHT, ORDER, ttl=ttl, at=NOW)
    expired = await store.claimed("demo-shop", EDIT_FLIGHT, ORDER, at=NOW + ttl)

    assert (first, second, held, after_drop, expired) == (True, False, True, False, False)
