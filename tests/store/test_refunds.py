"""The refunds' rows on SQLite and PostgreSQL: numbered per order, one in flight at a time,
stale flights taken over with their own input and key, settled once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from backend.store.base import RefundKind, RefundRecord, RefundState
from backend.store.sql import SQLStore

SHOP = "alpha.myshopify.com"
ORDER = "gid://shopify/Order/1001"
T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
STALE = timedelta(minutes=2)


def wanted(at: datetime = T0, request: str = '{"lines": 1}') -> RefundRecord:
    return RefundRecord(
        shop=SHOP,
        order_id=ORDER,
        seq=0,
        kind=RefundKind.PARTIAL_CANCEL,
        state=RefundState.IN_FLIGHT,
        lines=(("gid://shopify/LineItem/1", 1),),
        amount=Decimal("23.70"),
        fee=Decimal("1.25"),
        fee_shop=Decimal("1.25"),
        currency="EUR",
        idempotency_key="key-{seq}",
        request=request,
        created_at=at,
        updated_at=at,
        customer_id="gid://shopify/Customer/1",
    )


async def test_refunds_are_numbered_and_keyed_per_order(store: SQLStore) -> None:
    first, claimed = await store.claim_refund(wanted(), stale_before=T0 - STALE)
    await store.settle_refund(SHOP, ORDER, first.seq, RefundState.DONE, at=T0, refund_id="r1")
    second, again = await store.claim_refund(wanted(), stale_before=T0 - STALE)

    assert (claimed, again) == (True, True)
    assert (first.seq, first.idempotency_key) == (1, "key-1")
    assert (second.seq, second.idempotency_key) == (2, "key-2")
    assert first.amount == Decimal("23.70") and first.lines == (("gid://shopify/LineItem/1", 1),)


async def test_one_refund_of_an_order_is_in_flight_at_a_time(store: SQLStore) -> None:
    results = await asyncio.gather(
        *(store.claim_refund(wanted(), stale_before=T0 - STALE) for _ in range(6))
    )

    assert sum(1 for _, claimed in results if claimed) == 1
    assert {record.seq for record, _ in results} == {1}


async def test_a_stale_flight_is_taken_over_with_its_own_input(store: SQLStore) -> None:
    await store.claim_refund(wanted(request='{"first": true}'), stale_before=T0 - STALE)
    later = T0 + STALE + timedelta(seconds=1)

    taken, claimed = await store.claim_refund(
        wanted(later, request='{"second": true}'), stale_before=later - STALE
    )

    assert claimed and taken.seq == 1 and taken.request == '{"first": true}'


async def test_a_refund_settles_once(store: SQLStore) -> None:
    record, _ = await store.claim_refund(wanted(), stale_before=T0 - STALE)

    done = await store.settle_refund(SHOP, ORDER, 1, RefundState.DONE, at=T0, refund_id="r1")
    refused = await store.settle_refund(SHOP, ORDER, 1, RefundState.REFUSED, at=T0)

    assert (done, refused) == (True, False)
    [kept] = await store.refunds_of_order(SHOP, ORDER)
    assert (kept.state, kept.refund_id) == (RefundState.DONE, "r1")
    assert [r.seq for r in await store.refunds(SHOP)] == [1]
