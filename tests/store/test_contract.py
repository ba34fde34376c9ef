"""What every Store promises, run against each implementation by the `store` fixture."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import inspect, text

from backend.policy import CancelBlock, CancelReason, RefundMethod, ShopPolicy
from backend.store.base import (
    Attempt,
    CancellationRecord,
    CustomerData,
    FlightState,
    Outcome,
    ShopToken,
)
from backend.store.crypto import TokenCipher, new_key
from backend.store.sql import SQLStore

SHOP = "alpha.myshopify.com"
OTHER_SHOP = "beta.myshopify.com"
ORDER = "gid://shopify/Order/1001"
T0 = datetime(2026, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
STALE_AFTER = timedelta(minutes=2)


def flight(
    order_id: str = ORDER, *, shop: str = SHOP, at: datetime = T0, customer: str = "c1"
) -> CancellationRecord:
    return CancellationRecord(
        shop=shop,
        order_id=order_id,
        customer_id=f"gid://shopify/Customer/{customer}",
        state=FlightState.IN_FLIGHT,
        reason_code="WRONG_ADDRESS",
        note="Sent to my old flat",
        created_at=at,
        updated_at=at,
    )


def attempt(at: datetime, *, shop: str = SHOP, outcome: Outcome = Outcome.PENDING) -> Attempt:
    return Attempt(
        shop=shop,
        order_id=ORDER,
        customer_id="gid://shopify/Customer/1",
        reason_code="OTHER",
        note=None,
        outcome=outcome,
        at=at,
        block=CancelBlock.WINDOW_CLOSED if outcome is Outcome.REFUSED else None,
    )


CUSTOM_POLICY = ShopPolicy(
    enabled=False,
    window_minutes=None,
    cutoff=time(14, 30),
    excluded_product_tags=frozenset({"preorder", "custom-made"}),
    excluded_order_tags=frozenset(),
    allowed_financial_statuses=frozenset({"PAID"}),
    hold_risky_orders=False,
    refund_method=RefundMethod.STORE_CREDIT,
    restock=False,
    notify_customer=False,
    reasons=(CancelReason("CHANGED_MIND", "Changed my mind"), CancelReason("OTHER", "Other")),
)


async def test_ping_answers_true_when_open(store: SQLStore) -> None:
    assert await store.ping() is True


# Policies


async def test_policy_is_none_until_the_shop_saves_one(store: SQLStore) -> None:
    assert await store.get_policy(SHOP) is None


async def test_policy_round_trips_every_field(store: SQLStore) -> None:
    await store.save_policy(SHOP, CUSTOM_POLICY)

    assert await store.get_policy(SHOP) == CUSTOM_POLICY


async def test_saving_a_policy_replaces_the_previous_one(store: SQLStore) -> None:
    await store.save_policy(SHOP, CUSTOM_POLICY)
    await store.save_policy(SHOP, ShopPolicy(window_minutes=15))

    assert await store.get_policy(SHOP) == ShopPolicy(window_minutes=15)


# Tokens


async def test_token_is_none_until_saved(store: SQLStore) -> None:
    assert await store.get_token(SHOP) is None


async def test_expiring_token_round_trips_with_its_refresh_token(store: SQLStore) -> None:
    token = ShopToken(
        access_token="shpat_one",
        expires_at=T0 + timedelta(hours=1),
        refresh_token="shprt_one",
        refresh_token_expires_at=T0 + timedelta(days=90),
    )
    await store.save_token(SHOP, token)

    assert await store.get_token(SHOP) == token


async def test_saving_a_token_replaces_the_previous_one(store: SQLStore) -> None:
    await store.save_token(SHOP, ShopToken("shpat_old", T0, "shprt_old", T0))
    await store.save_token(SHOP, ShopToken("shpat_new"))

    assert await store.get_token(SHOP) == ShopToken("shpat_new")


async def test_deleted_token_is_gone_and_deleting_again_is_harmless(store: SQLStore) -> None:
    await store.save_token(SHOP, ShopToken("shpat_one"))
    await store.delete_token(SHOP)
    await store.delete_token(SHOP)

    assert await store.get_token(SHOP) is None


# Single flight


async def test_first_claim_holds_the_flight_and_a_second_gets_the_first_record(
    store: SQLStore,
) -> None:
    first = flight(customer="first")

    assert await store.claim(first, stale_before=T0 - STALE_AFTER) is None
    assert await store.claim(flight(customer="second"), stale_before=T0 - STALE_AFTER) == first
    assert await store.get_cancellation(SHOP, ORDER) == first


async def test_fifty_concurrent_claims_have_exactly_one_winner(store: SQLStore) -> None:
    claims = [flight(customer=str(n)) for n in range(50)]

    results = await asyncio.gather(*(store.claim(c, stale_before=T0 - STALE_AFTER) for c in claims))

    winners = [claim for claim, result in zip(claims, results, strict=True) if result is None]
    assert len(winners) == 1
    assert all(result == winners[0] for result in results if result is not None)
    assert await store.get_cancellation(SHOP, ORDER) == winners[0]


async def test_stale_in_flight_record_is_taken_over(store: SQLStore) -> None:
    await store.claim(flight(customer="crashed"), stale_before=T0 - STALE_AFTER)
    later = T0 + timedelta(minutes=5)
    retry = flight(at=later, customer="retry")

    assert await store.claim(retry, stale_before=later - STALE_AFTER) is None
    assert await store.get_cancellation(SHOP, ORDER) == retry


async def test_fresh_in_flight_record_is_not_taken_over(store: SQLStore) -> None:
    first = flight(customer="first")
    await store.claim(first, stale_before=T0 - STALE_AFTER)

    # Stale means updated strictly before the bound; a record updated at the bound is fresh.
    assert await store.claim(flight(customer="second"), stale_before=T0) == first


@pytest.mark.parametrize(
    "state", [FlightState.PENDING, FlightState.CANCELLED, FlightState.REJECTED]
)
async def test_settled_record_is_never_taken_over_however_old(
    store: SQLStore, state: FlightState
) -> None:
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)
    await store.settle(SHOP, ORDER, state, at=T0)
    much_later = T0 + timedelta(days=30)

    holder = await store.claim(flight(at=much_later), stale_before=much_later)

    assert holder is not None and holder.state is state


async def test_claim_refuses_a_record_that_is_not_in_flight(store: SQLStore) -> None:
    record = replace(flight(), state=FlightState.PENDING)

    with pytest.raises(ValueError):
        await store.claim(record, stale_before=T0)


async def test_settle_moves_to_pending_then_cancelled_keeping_the_job(store: SQLStore) -> None:
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)
    t1, t2 = T0 + timedelta(seconds=1), T0 + timedelta(seconds=4)

    await store.settle(SHOP, ORDER, FlightState.PENDING, at=t1, job_id="gid://shopify/Job/9")
    pending = await store.get_cancellation(SHOP, ORDER)
    await store.settle(SHOP, ORDER, FlightState.CANCELLED, at=t2)
    cancelled = await store.get_cancellation(SHOP, ORDER)

    assert pending is not None and cancelled is not None
    assert (pending.state, pending.updated_at, pending.job_id) == (
        FlightState.PENDING,
        t1,
        "gid://shopify/Job/9",
    )
    assert (cancelled.state, cancelled.updated_at, cancelled.job_id) == (
        FlightState.CANCELLED,
        t2,
        "gid://shopify/Job/9",
    )
    assert cancelled.created_at == T0 and cancelled.reason_code == "WRONG_ADDRESS"


async def test_settle_rejected_keeps_shopifys_message(store: SQLStore) -> None:
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)

    await store.settle(SHOP, ORDER, FlightState.REJECTED, at=T0, message="Order is paid out")

    record = await store.get_cancellation(SHOP, ORDER)
    assert record is not None
    assert (record.state, record.message) == (FlightState.REJECTED, "Order is paid out")


async def test_late_pending_does_not_undo_a_cancelled_record(store: SQLStore) -> None:
    # The orders/cancelled webhook can land before the request that sent orderCancel settles.
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)
    await store.settle(SHOP, ORDER, FlightState.CANCELLED, at=T0 + timedelta(seconds=1))
    await store.settle(SHOP, ORDER, FlightState.PENDING, at=T0 + timedelta(seconds=2), job_id="j")

    record = await store.get_cancellation(SHOP, ORDER)
    assert record is not None and record.state is FlightState.CANCELLED


async def test_settle_without_a_record_does_nothing(store: SQLStore) -> None:
    await store.settle(SHOP, ORDER, FlightState.CANCELLED, at=T0)

    assert await store.get_cancellation(SHOP, ORDER) is None


async def test_release_drops_an_in_flight_record_so_a_retry_can_claim(store: SQLStore) -> None:
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)

    await store.release(SHOP, ORDER)

    assert await store.get_cancellation(SHOP, ORDER) is None
    assert await store.claim(flight(customer="retry"), stale_before=T0 - STALE_AFTER) is None


@pytest.mark.parametrize(
    "state", [FlightState.PENDING, FlightState.CANCELLED, FlightState.REJECTED]
)
async def test_release_keeps_a_settled_record(store: SQLStore, state: FlightState) -> None:
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)
    await store.settle(SHOP, ORDER, state, at=T0)

    await store.release(SHOP, ORDER)

    record = await store.get_cancellation(SHOP, ORDER)
    assert record is not None and record.state is state


async def test_get_cancellations_answers_many_ids_at_once(store: SQLStore) -> None:
    known = [f"gid://shopify/Order/{n}" for n in range(1, 301, 2)]
    for order_id in known:
        await store.claim(flight(order_id), stale_before=T0 - STALE_AFTER)
    asked = [f"gid://shopify/Order/{n}" for n in range(1, 301)] + ["gid://shopify/Order/999999"]

    found = await store.get_cancellations(SHOP, asked)

    assert found == {order_id: flight(order_id) for order_id in known}


async def test_get_cancellations_of_no_ids_is_empty(store: SQLStore) -> None:
    assert await store.get_cancellations(SHOP, []) == {}


# Attempts


async def test_attempts_come_oldest_first_and_since_is_inclusive(store: SQLStore) -> None:
    times = [T0 + timedelta(minutes=m) for m in (3, 1, 2, 0)]
    for at in times:
        await store.record_attempt(attempt(at, outcome=Outcome.REFUSED))

    everything = await store.attempts(SHOP)
    recent = await store.attempts(SHOP, since=T0 + timedelta(minutes=2))

    assert everything == [attempt(at, outcome=Outcome.REFUSED) for at in sorted(times)]
    assert [a.at for a in recent] == [T0 + timedelta(minutes=2), T0 + timedelta(minutes=3)]


async def test_attempts_at_the_same_instant_keep_their_recording_order(store: SQLStore) -> None:
    outcomes = [Outcome.DUPLICATE, Outcome.FAILED, Outcome.CANCELLED, Outcome.REJECTED]
    for outcome in outcomes:
        await store.record_attempt(attempt(T0, outcome=outcome))

    assert [a.outcome for a in await store.attempts(SHOP)] == outcomes


# Shops


async def test_one_shop_never_sees_another_shops_data(store: SQLStore) -> None:
    await store.save_policy(SHOP, CUSTOM_POLICY)
    await store.save_token(SHOP, ShopToken("shpat_alpha"))
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)
    await store.record_attempt(attempt(T0))

    assert await store.get_policy(OTHER_SHOP) is None
    assert await store.get_token(OTHER_SHOP) is None
    assert await store.get_cancellation(OTHER_SHOP, ORDER) is None
    assert await store.get_cancellations(OTHER_SHOP, [ORDER]) == {}
    assert await store.attempts(OTHER_SHOP) == []
    # The same order id in another shop is another order: its own flight.
    assert await store.claim(flight(shop=OTHER_SHOP), stale_before=T0 - STALE_AFTER) is None


async def test_one_shops_writes_leave_another_shop_alone(store: SQLStore) -> None:
    await store.save_token(SHOP, ShopToken("shpat_alpha"))
    await store.claim(flight(), stale_before=T0 - STALE_AFTER)

    await store.delete_token(OTHER_SHOP)
    await store.settle(OTHER_SHOP, ORDER, FlightState.CANCELLED, at=T0)
    await store.release(OTHER_SHOP, ORDER)

    assert await store.get_token(SHOP) == ShopToken("shpat_alpha")
    assert await store.get_cancellation(SHOP, ORDER) == flight()


# Webhook deliveries and refresh tokens: first seen, once

DAY = timedelta(days=1)


async def test_a_webhook_is_new_the_first_time_and_seen_after(store: SQLStore) -> None:
    assert await store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0) is False
    assert await store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0) is True
    assert await store.seen_webhook(SHOP, "wh-2", ttl=DAY, at=T0) is False
    assert await store.seen_webhook(OTHER_SHOP, "wh-1", ttl=DAY, at=T0) is False


async def test_fifty_concurrent_deliveries_of_one_webhook_are_new_exactly_once(
    store: SQLStore,
) -> None:
    seen = await asyncio.gather(
        *(store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0) for _ in range(50))
    )
    assert seen.count(False) == 1


async def test_a_webhook_mark_expires_after_its_ttl(store: SQLStore) -> None:
    await store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0 - 2 * DAY)

    assert await store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0) is False


async def test_a_refresh_token_is_claimed_once(store: SQLStore) -> None:
    claims = await asyncio.gather(
        *(store.claim_refresh(SHOP, "shprt_one", ttl=DAY, at=T0) for _ in range(20))
    )
    assert claims.count(True) == 1
    assert await store.claim_refresh(SHOP, "shprt_two", ttl=DAY, at=T0) is True


# Erasure and export


async def fill(store: SQLStore, shop: str) -> None:
    """Some of everything for two customers, c1 and c2, of `shop`."""
    await store.save_policy(shop, CUSTOM_POLICY)
    await store.save_token(shop, ShopToken("shpat_x", T0, "shprt_x", T0))
    for customer in ("c1", "c2"):
        order = f"gid://shopify/Order/{customer}"
        await store.claim(flight(order, shop=shop, customer=customer), stale_before=T0)
        await store.settle(shop, order, FlightState.PENDING, at=T0, job_id="job")
        await store.record_attempt(
            replace(attempt(T0, shop=shop), customer_id=f"gid://shopify/Customer/{customer}")
        )
    await store.seen_webhook(shop, "wh-1", ttl=DAY, at=T0)
    await store.claim_refresh(shop, "shprt_x", ttl=DAY, at=T0)


async def raw_text(store: SQLStore) -> str:
    """Every row of every table, read beneath the protocol with the store's own engine."""
    async with store.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        dump = [
            (table, (await conn.execute(text(f"SELECT * FROM {table}"))).all()) for table in tables
        ]
    return repr(dump)


async def test_erase_shop_leaves_nothing_of_the_shop_and_all_of_another(store: SQLStore) -> None:
    await fill(store, SHOP)
    await fill(store, OTHER_SHOP)
    await store.erase_shop(SHOP)

    assert await store.get_policy(SHOP) is None
    assert await store.get_token(SHOP) is None
    assert (
        await store.get_cancellations(SHOP, [f"gid://shopify/Order/{c}" for c in "c1 c2".split()])
        == {}
    )
    assert await store.attempts(SHOP) == []
    raw = await raw_text(store)
    assert SHOP not in raw.replace(OTHER_SHOP, "")
    assert OTHER_SHOP in raw
    assert await store.seen_webhook(SHOP, "wh-1", ttl=DAY, at=T0) is False
    assert len(await store.attempts(OTHER_SHOP)) == 2
    assert await store.get_token(OTHER_SHOP) is not None


async def test_erase_customer_removes_their_records_attempts_and_notes_only(
    store: SQLStore,
) -> None:
    await fill(store, SHOP)
    await store.erase_customer(SHOP, "gid://shopify/Customer/c1")

    gone = await store.customer_data(SHOP, "gid://shopify/Customer/c1")
    assert gone.cancellations == [] and gone.attempts == []
    kept = await store.customer_data(SHOP, "gid://shopify/Customer/c2")
    assert len(kept.cancellations) == 1 and len(kept.attempts) == 1
    assert [a.customer_id for a in await store.attempts(SHOP)] == ["gid://shopify/Customer/c2"]
    raw = await raw_text(store)
    assert "Customer/c1" not in raw
    assert "Order/c1" not in raw
    assert "Customer/c2" in raw


async def test_customer_data_is_everything_held_about_the_customer(store: SQLStore) -> None:
    await fill(store, SHOP)
    await fill(store, OTHER_SHOP)

    data = await store.customer_data(SHOP, "gid://shopify/Customer/c1")

    assert [r.order_id for r in data.cancellations] == ["gid://shopify/Order/c1"]
    assert data.cancellations[0].note == "Sent to my old flat"
    assert [(a.shop, a.customer_id) for a in data.attempts] == [(SHOP, "gid://shopify/Customer/c1")]


async def test_customer_data_of_a_stranger_is_empty(store: SQLStore) -> None:
    data = await store.customer_data(SHOP, "gid://shopify/Customer/nobody")

    assert data == CustomerData(shop=SHOP, customer_id="gid://shopify/Customer/nobody")


# Pages, counts and notes computed by the database


async def test_attempt_pages_hold_every_attempt_once_in_order(store: SQLStore) -> None:
    # Ties on the same instant across page boundaries must neither repeat nor drop a row.
    times = [T0 + timedelta(seconds=n // 3) for n in range(10)]
    for n, at in enumerate(times):
        await store.record_attempt(replace(attempt(at), order_id=f"gid://shopify/Order/{n}"))

    pages = [page async for page in store.attempt_pages(SHOP, since=T0, page_size=4)]

    assert [len(page) for page in pages] == [4, 4, 2]
    flat = [a.order_id for page in pages for a in page]
    assert flat == [f"gid://shopify/Order/{n}" for n in range(10)]
    assert [a async for page in store.attempt_pages(OTHER_SHOP, since=T0) for a in page] == []


async def test_summary_counts_each_order_once_on_the_day_of_its_first_cancel(
    store: SQLStore,
) -> None:
    day_starts = [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
    seed = [
        ("1", Outcome.PENDING, T0 + timedelta(hours=1), "A"),
        ("1", Outcome.CANCELLED, T0 + timedelta(days=1, hours=1), "B"),  # same order, later
        ("2", Outcome.CANCELLED, T0 + timedelta(days=1, hours=2), "A"),
        ("3", Outcome.DUPLICATE, T0 + timedelta(days=2, hours=1), "A"),  # not a cancel
        ("4", Outcome.PENDING, T0 - timedelta(seconds=1), "A"),  # before the period
        ("5", Outcome.CANCELLED, T0 + timedelta(days=2), "B"),  # exactly at a day's start
    ]
    for order, outcome, at, reason in seed:
        await store.record_attempt(
            replace(
                attempt(at, outcome=outcome),
                order_id=f"gid://shopify/Order/{order}",
                reason_code=reason,
            )
        )

    summary = await store.summarize_attempts(
        SHOP, since=T0, until=T0 + timedelta(days=3), day_starts=day_starts, notes=5
    )

    assert summary.cancellations == {(0, "A"): 1, (1, "A"): 1, (2, "B"): 1}


async def test_summary_counts_refusals_by_cause_without_repeats_and_keeps_latest_notes(
    store: SQLStore,
) -> None:
    noted = [
        replace(attempt(T0 + timedelta(minutes=n), outcome=Outcome.REFUSED), note=f"n{n}")
        for n in range(6)
    ]
    for item in noted:
        await store.record_attempt(item)
    await store.record_attempt(
        replace(attempt(T0, outcome=Outcome.DUPLICATE), block=CancelBlock.WINDOW_CLOSED, note="x")
    )
    await store.record_attempt(replace(attempt(T0, outcome=Outcome.PENDING), note=""))

    summary = await store.summarize_attempts(
        SHOP, since=T0, until=T0 + timedelta(hours=1), day_starts=[T0], notes=4
    )

    assert summary.refusals == {CancelBlock.WINDOW_CLOSED: 6}
    assert [a.note for a in summary.notes] == ["n5", "n4", "n3", "n2"]


# Transactions


async def test_a_transaction_commits_all_or_nothing(store: SQLStore) -> None:
    async with store.transaction() as tx:
        assert await tx.seen_webhook(SHOP, "kept", ttl=DAY, at=T0) is False
        await tx.record_attempt(attempt(T0))
    with pytest.raises(KeyError):
        async with store.transaction() as tx:
            assert await tx.seen_webhook(SHOP, "rolled-back", ttl=DAY, at=T0) is False
            await tx.record_attempt(attempt(T0))
            raise KeyError("the handler failed")

    assert len(await store.attempts(SHOP)) == 1
    assert await store.seen_webhook(SHOP, "kept", ttl=DAY, at=T0) is True
    assert await store.seen_webhook(SHOP, "rolled-back", ttl=DAY, at=T0) is False


async def test_claim_once_is_won_once_until_it_expires(store: SQLStore) -> None:
    results = await asyncio.gather(
        *(store.claim_once("*", "chore", "2026-05-01", ttl=DAY, at=T0) for _ in range(20))
    )
    assert results.count(True) == 1
    assert await store.claim_once("*", "chore", "2026-05-01", ttl=DAY, at=T0 + DAY) is True


# Tokens at rest, erasure by order, retention


async def test_no_token_is_stored_in_plain_text(store: SQLStore) -> None:
    await store.save_token(SHOP, ShopToken("shpat_secret_access", T0, "shprt_secret_refresh", T0))

    raw = await raw_text(store)

    assert "shpat_secret_access" not in raw and "shprt_secret_refresh" not in raw
    assert (await store.get_token(SHOP) or ShopToken("")).access_token == "shpat_secret_access"


async def test_rotating_keys_reencrypts_with_the_new_key(store: SQLStore) -> None:
    old, new = new_key(), new_key()
    writer = SQLStore(store.engine, TokenCipher([old]))
    await writer.save_token(SHOP, ShopToken("shpat_rotate_me"))
    before = await raw_text(store)

    rotating = SQLStore(store.engine, TokenCipher([new, old]))
    assert (await rotating.get_token(SHOP) or ShopToken("")).access_token == "shpat_rotate_me"
    assert await rotating.rotate_tokens() == 1

    only_new = SQLStore(store.engine, TokenCipher([new]))
    assert (await only_new.get_token(SHOP) or ShopToken("")).access_token == "shpat_rotate_me"
    assert await raw_text(store) != before
    assert await writer.get_token(SHOP) is None  # the old key alone no longer opens it


async def test_erase_customer_also_erases_guest_orders_by_id(store: SQLStore) -> None:
    guest_order = "gid://shopify/Order/77"
    guest = replace(flight(guest_order), customer_id=None)
    await store.claim(guest, stale_before=T0)
    await store.record_attempt(replace(attempt(T0), order_id=guest_order, customer_id=None))
    await store.record_attempt(attempt(T0))  # another order of a signed-in customer

    await store.erase_customer(SHOP, None, [guest_order])

    assert await store.get_cancellation(SHOP, guest_order) is None
    assert [a.order_id for a in await store.attempts(SHOP)] == [ORDER]
    assert guest_order not in await raw_text(store)


async def test_retention_deletes_old_attempts_and_settled_records_only(store: SQLStore) -> None:
    old, recent = T0 - timedelta(days=800), T0 - timedelta(days=10)
    await store.record_attempt(replace(attempt(old), note="two years ago"))
    await store.record_attempt(replace(attempt(recent), note="last week"))
    await store.claim(flight("gid://shopify/Order/old", at=old), stale_before=old)
    await store.settle(SHOP, "gid://shopify/Order/old", FlightState.CANCELLED, at=old)
    await store.claim(flight("gid://shopify/Order/stuck", at=old), stale_before=old)
    await store.claim(flight("gid://shopify/Order/new", at=recent), stale_before=recent)
    await store.seen_webhook(SHOP, "expired", ttl=DAY, at=old)

    deleted = await store.delete_older_than(T0 - timedelta(days=730), now=T0)

    assert deleted == 3  # the old attempt, the old settled record, the expired mark
    assert [a.note for a in await store.attempts(SHOP)] == ["last week"]
    kept = await store.get_cancellations(
        SHOP, ["gid://shopify/Order/old", "gid://shopify/Order/stuck", "gid://shopify/Order/new"]
    )
    assert set(kept) == {"gid://shopify/Order/stuck", "gid://shopify/Order/new"}
    assert "two years ago" not in await raw_text(store)
