"""Requests to cancel (issue 14) in the store, on SQLite and PostgreSQL: one open request per
order, state moves that only one of two racers wins, retention of answered ones."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from backend.store.base import CancelRequest, RequestKind, RequestState
from backend.store.sql import SQLStore

SHOP = "alpha.myshopify.com"
ORDER = "gid://shopify/Order/1001"
T0 = datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)


def request(order_id: str = ORDER, *, at: datetime = T0) -> CancelRequest:
    return CancelRequest(
        shop=SHOP,
        order_id=order_id,
        order_name="#1001",
        customer_id="gid://shopify/Customer/1",
        kind=RequestKind.CANCEL,
        state=RequestState.REQUESTED,
        reason_code="WRONG_SIZE",
        note="Too small",
        requested_at=at,
        updated_at=at,
        total="129.90",
        currency="EUR",
        line_items=[{"line_item_id": "gid://shopify/LineItem/1", "quantity": 1}],
        deadline=at + timedelta(minutes=55),
    )


async def test_a_request_is_kept_whole(store: SQLStore) -> None:
    assert await store.open_request(request()) is None
    assert await store.get_request(SHOP, ORDER) == request()


async def test_one_open_request_per_order_until_withdrawn(store: SQLStore) -> None:
    assert await store.open_request(request()) is None
    there = await store.open_request(request(at=T0 + timedelta(minutes=1)))
    assert there is not None and there.requested_at == T0

    at = T0 + timedelta(minutes=2)
    assert await store.move_request(
        SHOP, ORDER, RequestState.WITHDRAWN, only_from=RequestState.REQUESTED, at=at
    )
    assert await store.open_request(request(at=at)) is None
    found = await store.get_request(SHOP, ORDER)
    assert found is not None and (found.state, found.requested_at) == (RequestState.REQUESTED, at)


async def test_of_an_approval_and_a_withdrawal_racing_exactly_one_moves(store: SQLStore) -> None:
    for n in range(10):
        order = f"gid://shopify/Order/{2000 + n}"
        await store.open_request(request(order))
        moved = await asyncio.gather(
            store.move_request(
                SHOP, order, RequestState.APPROVING, only_from=RequestState.REQUESTED, at=T0
            ),
            store.move_request(
                SHOP, order, RequestState.WITHDRAWN, only_from=RequestState.REQUESTED, at=T0
            ),
        )
        assert sorted(moved) == [False, True]
        found = await store.get_request(SHOP, order)
        assert found is not None
        assert found.state is (RequestState.APPROVING if moved[0] else RequestState.WITHDRAWN)


async def test_a_move_for_an_older_request_does_not_touch_a_newer_one(store: SQLStore) -> None:
    await store.open_request(request())
    await store.move_request(
        SHOP, ORDER, RequestState.WITHDRAWN, only_from=RequestState.REQUESTED, at=T0
    )
    later = T0 + timedelta(hours=1)
    await store.open_request(request(at=later))

    assert not await store.move_request(
        SHOP,
        ORDER,
        RequestState.APPROVING,
        only_from=RequestState.REQUESTED,
        at=later,
        requested_at=T0,
    )
    assert await store.move_request(
        SHOP,
        ORDER,
        RequestState.APPROVING,
        only_from=RequestState.REQUESTED,
        at=later,
        requested_at=later,
    )


async def test_waiting_requests_are_listed_oldest_first(store: SQLStore) -> None:
    for n, minutes in enumerate([30, 10, 20]):
        await store.open_request(
            request(f"gid://shopify/Order/{3000 + n}", at=T0 + timedelta(minutes=minutes))
        )
    await store.move_request(
        SHOP,
        "gid://shopify/Order/3002",
        RequestState.DECLINED,
        only_from=RequestState.REQUESTED,
        at=T0,
        message="No",
        decided_by="MERCHANT",
    )

    waiting = await store.requests(SHOP, [RequestState.REQUESTED])
    assert [r.order_id for r in waiting] == ["gid://shopify/Order/3001", "gid://shopify/Order/3000"]
    [declined] = await store.requests(SHOP, [RequestState.DECLINED])
    assert (declined.message, declined.decided_by) == ("No", "MERCHANT")


async def test_retention_drops_answered_requests_and_keeps_waiting_ones(store: SQLStore) -> None:
    await store.open_request(request("gid://shopify/Order/1"))
    await store.open_request(request("gid://shopify/Order/2"))
    await store.move_request(
        SHOP,
        "gid://shopify/Order/2",
        RequestState.DECLINED,
        only_from=RequestState.REQUESTED,
        at=T0,
    )

    await store.delete_older_than(T0 + timedelta(days=1), now=T0 + timedelta(days=1))

    assert await store.get_request(SHOP, "gid://shopify/Order/1") is not None
    assert await store.get_request(SHOP, "gid://shopify/Order/2") is None


async def test_erasing_a_customer_erases_their_requests(store: SQLStore) -> None:
    await store.open_request(request())
    await store.open_request(replace(request("gid://shopify/Order/9"), customer_id="other"))

    await store.erase_customer(SHOP, "gid://shopify/Customer/1")

    assert await store.get_request(SHOP, ORDER) is None
    assert await store.get_request(SHOP, "gid://shopify/Order/9") is not None
