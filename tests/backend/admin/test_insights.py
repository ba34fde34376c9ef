"""Insights from recorded attempts: the numbers (counted by SQLite and by PostgreSQL), the charts on
App Home, and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from backend.admin.export import attempts_csv, safe_cell
from backend.admin.insights import Insights, summarize
from backend.policy import CancelBlock, ShopPolicy
from backend.store.base import Attempt, Outcome
from backend.store.sql import SQLStore
from tests.backend.admin.conftest import id_token
from tests.conftest import Stack

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def attempt(
    order: int,
    outcome: Outcome,
    *,
    ago: timedelta = timedelta(hours=1),
    reason: str = "OTHER",
    note: str | None = None,
    block: CancelBlock | None = None,
    shop: str = "demo-shop",
) -> Attempt:
    return Attempt(
        shop=shop,
        order_id=f"gid://shopify/Order/{order}",
        customer_id="gid://shopify/Customer/1001",
        reason_code=reason,
        note=note,
        outcome=outcome,
        at=NOW - ago,
        block=block,
    )


SEEDED = [
    attempt(1, Outcome.CANCELLED, ago=timedelta(days=40)),  # before the period
    attempt(2, Outcome.PENDING, ago=timedelta(days=2), reason="WRONG_ADDRESS", note="Moved"),
    attempt(2, Outcome.DUPLICATE, ago=timedelta(days=2), reason="WRONG_ADDRESS"),
    attempt(3, Outcome.CANCELLED, ago=timedelta(days=2), reason="WRONG_ADDRESS"),
    attempt(4, Outcome.CANCELLED, ago=timedelta(hours=2), note='=HYPERLINK("x")'),
    attempt(5, Outcome.REFUSED, block=CancelBlock.WINDOW_CLOSED, note="Too late?"),
    attempt(6, Outcome.REFUSED, block=CancelBlock.WINDOW_CLOSED),
    attempt(7, Outcome.REFUSED, block=CancelBlock.FULFILLMENT_STARTED),
    attempt(8, Outcome.FAILED, block=CancelBlock.TRY_AGAIN),
]


async def summarized(store: SQLStore, attempts: list[Attempt], orders: int | None) -> Insights:
    for item in attempts:
        await store.record_attempt(item)
    return await summarize(
        store, "demo-shop", policy=ShopPolicy(), now=NOW, tz=AMSTERDAM, orders=orders
    )


async def test_cancellations_count_each_order_once_within_the_period(store: SQLStore) -> None:
    insights = await summarized(store, SEEDED, orders=30)

    assert insights.cancellations == 3
    assert insights.rate == pytest.approx(0.1)
    days = dict(insights.days)
    assert days[(NOW - timedelta(days=2)).date()] == 2
    assert days[NOW.date()] == 1
    assert sum(days.values()) == 3
    assert insights.by_reason == [("Wrong delivery address", 2), ("Other reason", 1)]


async def test_refusals_are_counted_by_cause(store: SQLStore) -> None:
    insights = await summarized(store, SEEDED, orders=30)

    assert insights.refused_by_cause == [
        (CancelBlock.WINDOW_CLOSED, 2),
        (CancelBlock.FULFILLMENT_STARTED, 1),
        (CancelBlock.TRY_AGAIN, 1),
    ]


async def test_notes_are_the_latest_first_and_at_most_twenty(store: SQLStore) -> None:
    many = [
        attempt(100 + i, Outcome.CANCELLED, ago=timedelta(minutes=100 - i), note=f"note {i}")
        for i in range(25)
    ]
    insights = await summarized(store, many, orders=None)

    assert [n.text for n in insights.notes][:2] == ["note 24", "note 23"]
    assert len(insights.notes) == 20
    assert insights.rate is None  # no order count, no rate


async def test_days_are_the_shops_calendar_days(store: SQLStore) -> None:
    late_evening = NOW.replace(hour=23, minute=30) - timedelta(days=1)  # 00:30 in Amsterdam
    insights = await summarized(
        store, [attempt(9, Outcome.CANCELLED, ago=NOW - late_evening)], orders=1
    )

    assert dict(insights.days)[NOW.date()] == 1
    assert len(insights.days) == 31  # the 30 days touch 31 of the shop's calendar days


async def test_a_day_with_a_clock_change_counts_by_the_shops_own_midnights(
    store: SQLStore,
) -> None:
    # 2026-10-25: Amsterdam falls back at 03:00 (UTC+2 -> UTC+1). 23:30 UTC on the 25th is
    # 00:30 on the 26th there; 22:30 UTC on the 24th is 00:30 on the 25th.
    now = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
    for order, at in (
        (1, datetime(2026, 10, 25, 23, 30, tzinfo=UTC)),
        (2, datetime(2026, 10, 24, 22, 30, tzinfo=UTC)),
    ):
        await store.record_attempt(replace(attempt(order, Outcome.CANCELLED), at=at))

    insights = await summarize(
        store, "demo-shop", policy=ShopPolicy(), now=now, tz=AMSTERDAM, orders=2
    )

    days = dict(insights.days)
    assert days[date(2026, 10, 26)] == 1 and days[date(2026, 10, 25)] == 1
    assert days[date(2026, 10, 24)] == 0


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("fine", "fine"),
    ],
)
def test_cells_that_spreadsheets_would_run_are_defused(cell: str, safe: str) -> None:
    assert safe_cell(cell) == safe


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    text = attempts_csv(
        [attempt(1, Outcome.CANCELLED, note='Too "big", sadly\nsorry')], ShopPolicy()
    )

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "time_utc",
        "order",
        "outcome",
        "refused_because",
        "reason_code",
        "reason",
        "note",
    ]
    assert rows[1] == [
        "2026-11-26T11:00:00Z",
        "1",
        "CANCELLED",
        "",
        "OTHER",
        "Other reason",
        'Too "big", sadly\nsorry',
    ]


async def _seed(stack: Stack) -> None:
    now = stack.clock()
    for item in SEEDED + [attempt(99, Outcome.CANCELLED, shop="other-shop")]:
        await stack.store.record_attempt(Attempt(**{**_fields(item), "at": now - (NOW - item.at)}))


def _fields(item: Attempt) -> dict[str, object]:
    return {name: getattr(item, name) for name in Attempt.__slots__}


async def test_app_home_shows_the_numbers_and_charts(stack: Stack) -> None:
    await _seed(stack)
    async with stack.direct() as backend:
        response = await backend.get(f"/?shop=demo-shop.myshopify.com&id_token={id_token()}")

    page = response.text
    orders = sum(1 for o in stack.world.orders.values() if o.shop == "demo-shop.myshopify.com")
    assert re.search(r'data-figure="cancellations">3<', page)
    assert re.search(rf'data-figure="orders">{orders}<', page)
    assert f'data-figure="rate">{3 / orders * 100:.1f}%<' in page
    assert re.search(r'data-figure="refused">4<', page)
    for chart in ("chart-over-time", "chart-by-reason", "chart-refused"):
        assert f'<svg id="{chart}" class="chart" role="img"' in page
        assert f'<title id="{chart}-title">' in page and f'<desc id="{chart}-desc">' in page
    assert "Wrong delivery address: 2" in page  # the description says the numbers
    assert '<th scope="row">Window closed</th><td>2</td>' in page  # and the table too
    assert "“Moved”" in page and "“Too late?”" in page
    assert [c for c in stack.world.calls_for("ordersCount") if c.executed]


async def test_the_csv_export_holds_the_shops_attempts_of_the_period(stack: Stack) -> None:
    await _seed(stack)
    async with stack.direct() as backend:
        response = await backend.get(
            "/admin/insights.csv", headers={"Authorization": f"Bearer {id_token()}"}
        )

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(SEEDED) - 1  # not the one before the period, nor other-shop's
    assert {row["order"] for row in rows} == {"2", "3", "4", "5", "6", "7", "8"}
    [formula] = [row for row in rows if row["order"] == "4"]
    assert formula["note"] == '\'=HYPERLINK("x")'


async def test_the_csv_export_accepts_the_pages_link_token(stack: Stack) -> None:
    async with stack.direct() as backend:
        linked = await backend.get(f"/admin/insights.csv?id_token={id_token()}")
        stale = await backend.get(
            f"/admin/insights.csv?id_token={id_token(now=stack.clock().timestamp() - 300)}"
        )
        missing = await backend.get("/admin/insights.csv")

    assert linked.status_code == 200
    assert (stale.status_code, missing.status_code) == (401, 401)
