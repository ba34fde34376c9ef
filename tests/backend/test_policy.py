"""The merchant's rules, one table per rule.

Instants are written in UTC and the cutoffs they produce as the shop's wall clock with its zone
abbreviation ("2026-10-26 02:30 CET"), which names one instant even inside a fall-back hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from backend.orders import FulfillmentOrderState, OrderSnapshot, tag_set
from backend.policy import CancelBlock, ShopPolicy, cutoff_after, decide, fulfillment_started

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
SANTIAGO = ZoneInfo("America/Santiago")

CREATED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
# Inside the default 60-minute window.
SOON_AFTER = CREATED + timedelta(minutes=30)


def make_order(**overrides: Any) -> OrderSnapshot:
    """A paid, unfulfilled, untagged order placed at CREATED: cancellable by default.

    Tags pass through `tag_set`, as the gateway stores them.
    """
    fields: dict[str, Any] = {
        "id": "gid://shopify/Order/1001",
        "name": "#1001",
        "customer_id": "gid://shopify/Customer/7",
        "created_at": CREATED,
        "cancelled_at": None,
        "closed": False,
        "financial_status": "PAID",
        "fulfillment_status": "UNFULFILLED",
        "fulfillment_orders": (FulfillmentOrderState("OPEN", "UNSUBMITTED"),),
        "tags": (),
        "product_tags": (),
        "risk_recommendation": "NONE",
    }
    fields |= overrides
    fields["tags"] = tag_set(fields["tags"])
    fields["product_tags"] = tag_set(fields["product_tags"])
    return OrderSnapshot(**fields)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def wall(moment: datetime | None, tz: ZoneInfo) -> str:
    assert moment is not None
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def test_the_factory_order_is_cancellable_under_the_default_policy() -> None:
    decision = decide(make_order(), ShopPolicy(), SOON_AFTER, UTC)
    assert decision.cancellable
    assert decision.blocked_by is None
    assert decision.deadline == CREATED + timedelta(minutes=60)


# --- Window since createdAt --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "now", "blocked_by"),
    [
        pytest.param(60, CREATED, None, id="open-the-moment-the-order-is-placed"),
        pytest.param(60, CREATED + timedelta(minutes=30), None, id="open-inside-the-window"),
        pytest.param(
            60,
            CREATED + timedelta(minutes=60, microseconds=-1),
            None,
            id="open-until-the-last-microsecond",
        ),
        pytest.param(
            60,
            CREATED + timedelta(minutes=60),
            CancelBlock.WINDOW_CLOSED,
            id="closed-exactly-at-the-deadline",
        ),
        pytest.param(
            60, CREATED + timedelta(days=2), CancelBlock.WINDOW_CLOSED, id="closed-after-it"
        ),
        pytest.param(
            60, CREATED - timedelta(seconds=5), None, id="open-when-our-clock-lags-shopifys"
        ),
        pytest.param(
            0, CREATED, CancelBlock.WINDOW_CLOSED, id="a-zero-minute-window-is-never-open"
        ),
        pytest.param(
            None, CREATED + timedelta(days=365), None, id="no-window-configured-never-closes"
        ),
    ],
)
def test_window_since_created_at(
    window: int | None, now: datetime, blocked_by: CancelBlock | None
) -> None:
    decision = decide(make_order(), ShopPolicy(window_minutes=window), now, UTC)
    assert decision.blocked_by == blocked_by
    expected = None if window is None else CREATED + timedelta(minutes=window)
    assert decision.deadline == expected


def test_window_counts_real_minutes_across_the_fall_back_hour() -> None:
    # Placed at 02:15 CEST; at 02:20 CET the wall clock says five minutes, the world says 65.
    order = make_order(created_at=at("2026-10-25 00:15"))
    decision = decide(order, ShopPolicy(window_minutes=60), at("2026-10-25 01:20"), AMSTERDAM)
    assert decision.blocked_by is CancelBlock.WINDOW_CLOSED
    assert wall(decision.deadline, AMSTERDAM) == "2026-10-25 02:15 CET"


# --- Daily cutoff in the shop's zone -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "placed", "cutoff", "expected"),
    [
        # Los Angeles, summer (UTC-7).
        pytest.param(
            LOS_ANGELES, "2026-06-01 17:00", time(14), "2026-06-01 14:00 PDT",
            id="placed-before-the-cutoff-gets-todays",
        ),
        pytest.param(
            LOS_ANGELES, "2026-06-01 22:00", time(14), "2026-06-02 14:00 PDT",
            id="placed-after-the-cutoff-gets-tomorrows",
        ),
        pytest.param(
            LOS_ANGELES, "2026-06-01 21:00", time(14), "2026-06-02 14:00 PDT",
            id="placed-exactly-at-the-cutoff-gets-tomorrows",
        ),
        pytest.param(
            LOS_ANGELES, "2026-06-02 03:00", time(22), "2026-06-01 22:00 PDT",
            id="los-angeles-evening-when-utc-is-already-tomorrow",
        ),
        pytest.param(
            LOS_ANGELES, "2026-10-31 18:00", time(10), "2026-11-01 10:00 PST",
            id="los-angeles-placed-before-fall-back-gets-a-cutoff-in-standard-time",
        ),
        # Auckland, winter (UTC+12) and its spring-forward (2026-09-27, 02:00 -> 03:00).
        pytest.param(
            AUCKLAND, "2026-05-31 23:00", time(14), "2026-06-01 14:00 NZST",
            id="auckland-morning-when-utc-is-still-yesterday",
        ),
        pytest.param(
            AUCKLAND, "2026-06-01 03:00", time(14), "2026-06-02 14:00 NZST",
            id="auckland-placed-after-the-cutoff-gets-tomorrows",
        ),
        pytest.param(
            AUCKLAND, "2026-06-01 03:00", time(0), "2026-06-02 00:00 NZST",
            id="a-midnight-cutoff-is-the-end-of-the-local-day",
        ),
        pytest.param(
            AUCKLAND, "2026-09-26 13:00", time(2, 30), "2026-09-27 03:30 NZDT",
            id="auckland-cutoff-in-the-spring-gap-moves-forward-an-hour",
        ),
        # Amsterdam spring-forward, 2026-03-29: 02:00 CET -> 03:00 CEST, no 02:30 that day.
        pytest.param(
            AMSTERDAM, "2026-03-28 23:00", time(2, 30), "2026-03-29 03:30 CEST",
            id="spring-gap-cutoff-happens-when-the-clock-would-have-shown-it",
        ),
        pytest.param(
            AMSTERDAM, "2026-03-29 01:10", time(2, 30), "2026-03-29 03:30 CEST",
            id="spring-gap-placed-after-the-jump-before-the-moved-cutoff-gets-todays",
        ),
        pytest.param(
            AMSTERDAM, "2026-03-29 01:45", time(2, 30), "2026-03-30 02:30 CEST",
            id="spring-gap-placed-after-the-moved-cutoff-gets-tomorrows",
        ),
        pytest.param(
            AMSTERDAM, "2026-03-28 11:00", time(10), "2026-03-29 10:00 CEST",
            id="placed-the-day-before-spring-forward-keeps-the-wall-clock-cutoff",
        ),
        # Amsterdam fall-back, 2026-10-25: 03:00 CEST -> 02:00 CET, 02:30 happens twice.
        pytest.param(
            AMSTERDAM, "2026-10-24 22:00", time(2, 30), "2026-10-25 02:30 CEST",
            id="fall-back-cutoff-is-the-first-0230",
        ),
        pytest.param(
            AMSTERDAM, "2026-10-25 00:45", time(2, 30), "2026-10-26 02:30 CET",
            id="fall-back-placed-between-the-two-0230s-gets-tomorrows",
        ),
        pytest.param(
            AMSTERDAM, "2026-10-25 01:15", time(2, 30), "2026-10-26 02:30 CET",
            id="fall-back-placed-at-the-second-0215-gets-tomorrows-not-one-already-past",
        ),
        pytest.param(
            AMSTERDAM, "2026-10-24 10:00", time(10), "2026-10-25 10:00 CET",
            id="placed-the-day-before-fall-back-keeps-the-wall-clock-cutoff",
        ),
        # Santiago springs forward at midnight (2026-09-06, 00:00 -> 01:00).
        pytest.param(
            SANTIAGO, "2026-09-06 01:00", time(0, 30), "2026-09-06 01:30 -03",
            id="cutoff-in-a-gap-at-midnight-stays-on-the-same-day",
        ),
    ],
)  # fmt: skip
def test_cutoff_after(tz: ZoneInfo, placed: str, cutoff: time, expected: str) -> None:
    moment = at(placed)
    result = cutoff_after(moment, cutoff, tz)
    assert wall(result, tz) == expected
    assert result > moment


def test_cutoff_after_reads_a_moment_given_in_the_shops_own_zone_as_an_instant() -> None:
    # 02:15 CET, the second time the clock shows 02:15; 02:30 CEST was 45 minutes earlier.
    second_0215 = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=AMSTERDAM)
    result = cutoff_after(second_0215, time(2, 30), AMSTERDAM)
    assert wall(result, AMSTERDAM) == "2026-10-26 02:30 CET"


@pytest.mark.parametrize(
    ("cutoff", "placed", "now", "blocked_by", "deadline"),
    [
        pytest.param(
            time(14), "2026-06-01 10:00", "2026-06-01 11:59", None, "2026-06-01 14:00 CEST",
            id="open-before-the-cutoff",
        ),
        pytest.param(
            time(14), "2026-06-01 10:00", "2026-06-01 12:00", CancelBlock.CUTOFF_PASSED,
            "2026-06-01 14:00 CEST", id="closed-exactly-at-the-cutoff",
        ),
        pytest.param(
            time(14), "2026-06-01 13:00", "2026-06-01 13:30", None, "2026-06-02 14:00 CEST",
            id="placed-after-todays-cutoff-open-until-tomorrows",
        ),
        pytest.param(
            time(14), "2026-06-01 13:00", "2026-06-02 12:00", CancelBlock.CUTOFF_PASSED,
            "2026-06-02 14:00 CEST", id="placed-after-todays-cutoff-closed-at-tomorrows",
        ),
        pytest.param(
            time(2, 30), "2026-10-25 01:15", "2026-10-25 01:20", None, "2026-10-26 02:30 CET",
            id="placed-in-the-repeated-hour-after-the-cutoff-is-still-open",
        ),
    ],
)  # fmt: skip
def test_daily_cutoff_in_the_shops_zone(
    cutoff: time, placed: str, now: str, blocked_by: CancelBlock | None, deadline: str
) -> None:
    policy = ShopPolicy(window_minutes=None, cutoff=cutoff)
    decision = decide(make_order(created_at=at(placed)), policy, at(now), AMSTERDAM)
    assert decision.blocked_by == blocked_by
    assert wall(decision.deadline, AMSTERDAM) == deadline


# --- Window and cutoff together: the earlier closes, and its code is the one reported ---------

# The order is placed at 12:00 CEST; the window is 60 minutes, so it closes at 13:00 CEST.


@pytest.mark.parametrize(
    ("cutoff", "now", "blocked_by", "deadline"),
    [
        pytest.param(
            time(15), "2026-06-01 10:15", None, "2026-06-01 13:00 CEST",
            id="both-open-deadline-is-the-window",
        ),
        pytest.param(
            time(15), "2026-06-01 11:00", CancelBlock.WINDOW_CLOSED, "2026-06-01 13:00 CEST",
            id="window-closes-first",
        ),
        pytest.param(
            time(15), "2026-06-01 14:00", CancelBlock.WINDOW_CLOSED, "2026-06-01 13:00 CEST",
            id="both-closed-window-closed-first-so-window-is-reported",
        ),
        pytest.param(
            time(12, 30), "2026-06-01 10:15", None, "2026-06-01 12:30 CEST",
            id="both-open-deadline-is-the-cutoff",
        ),
        pytest.param(
            time(12, 30), "2026-06-01 10:30", CancelBlock.CUTOFF_PASSED, "2026-06-01 12:30 CEST",
            id="cutoff-passes-first",
        ),
        pytest.param(
            time(12, 30), "2026-06-01 14:00", CancelBlock.CUTOFF_PASSED, "2026-06-01 12:30 CEST",
            id="both-closed-cutoff-passed-first-so-cutoff-is-reported",
        ),
        pytest.param(
            time(13), "2026-06-01 11:00", CancelBlock.CUTOFF_PASSED, "2026-06-01 13:00 CEST",
            id="closing-at-the-same-instant-reports-the-cutoff",
        ),
    ],
)  # fmt: skip
def test_window_and_cutoff_together(
    cutoff: time, now: str, blocked_by: CancelBlock | None, deadline: str
) -> None:
    policy = ShopPolicy(window_minutes=60, cutoff=cutoff)
    decision = decide(make_order(), policy, at(now), AMSTERDAM)
    assert decision.blocked_by == blocked_by
    assert wall(decision.deadline, AMSTERDAM) == deadline


# --- Fulfilment --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "started"),
    [
        pytest.param("UNFULFILLED", False, id="UNFULFILLED-open"),
        pytest.param("OPEN", False, id="OPEN-legacy-unfulfilled-open"),
        pytest.param("SCHEDULED", False, id="SCHEDULED-open"),
        pytest.param("IN_PROGRESS", True, id="IN_PROGRESS-blocked"),
        pytest.param("PENDING_FULFILLMENT", True, id="PENDING_FULFILLMENT-blocked"),
        pytest.param("ON_HOLD", True, id="ON_HOLD-blocked"),
        pytest.param("PARTIALLY_FULFILLED", True, id="PARTIALLY_FULFILLED-blocked"),
        pytest.param("FULFILLED", True, id="FULFILLED-blocked"),
        pytest.param("FULFILLMENT_NOT_REQUIRED", True, id="FULFILLMENT_NOT_REQUIRED-blocked"),
        pytest.param("REQUEST_DECLINED", True, id="REQUEST_DECLINED-blocked"),
        pytest.param("RESTOCKED", True, id="RESTOCKED-blocked"),
    ],
)
def test_display_fulfillment_status(status: str, started: bool) -> None:
    order = make_order(fulfillment_status=status)
    decision = decide(order, ShopPolicy(), SOON_AFTER, UTC)
    assert fulfillment_started(order) is started
    assert decision.blocked_by == (CancelBlock.FULFILLMENT_STARTED if started else None)


def fo(status: str, request_status: str = "UNSUBMITTED") -> FulfillmentOrderState:
    return FulfillmentOrderState(status=status, request_status=request_status)


@pytest.mark.parametrize(
    ("fulfillment_orders", "started"),
    [
        pytest.param((), False, id="no-fulfillment-orders-open"),
        pytest.param((fo("OPEN"),), False, id="OPEN-unsubmitted-open"),
        pytest.param((fo("SCHEDULED"),), False, id="SCHEDULED-unsubmitted-open"),
        pytest.param((fo("CANCELLED"),), False, id="CANCELLED-open"),
        pytest.param((fo("IN_PROGRESS"),), True, id="IN_PROGRESS-blocked"),
        pytest.param((fo("ON_HOLD"),), True, id="ON_HOLD-blocked"),
        pytest.param((fo("INCOMPLETE"),), True, id="INCOMPLETE-blocked"),
        pytest.param((fo("CLOSED"),), True, id="CLOSED-blocked"),
        # A request sent to a fulfilment service means the warehouse may be working on it.
        pytest.param((fo("OPEN", "SUBMITTED"),), True, id="OPEN-request-SUBMITTED-blocked"),
        pytest.param((fo("OPEN", "ACCEPTED"),), True, id="OPEN-request-ACCEPTED-blocked"),
        pytest.param((fo("OPEN", "REJECTED"),), True, id="OPEN-request-REJECTED-blocked"),
        pytest.param(
            (fo("OPEN", "CANCELLATION_REQUESTED"),),
            True,
            id="OPEN-request-CANCELLATION_REQUESTED-blocked",
        ),
        pytest.param(
            (fo("OPEN", "CANCELLATION_ACCEPTED"),),
            True,
            id="OPEN-request-CANCELLATION_ACCEPTED-blocked",
        ),
        pytest.param(
            (fo("OPEN", "CANCELLATION_REJECTED"),),
            True,
            id="OPEN-request-CANCELLATION_REJECTED-blocked",
        ),
        pytest.param((fo("OPEN", "CLOSED"),), True, id="OPEN-request-CLOSED-blocked"),
        pytest.param(
            (fo("SCHEDULED", "SUBMITTED"),), True, id="SCHEDULED-request-SUBMITTED-blocked"
        ),
        # A cancelled fulfilment order is out of play whatever its request went through.
        pytest.param((fo("CANCELLED", "ACCEPTED"),), False, id="CANCELLED-request-ACCEPTED-open"),
        pytest.param(
            (fo("CANCELLED", "CANCELLATION_ACCEPTED"),),
            False,
            id="CANCELLED-request-CANCELLATION_ACCEPTED-open",
        ),
        pytest.param(
            (fo("CANCELLED", "SUBMITTED"), fo("OPEN")),
            False,
            id="cancelled-and-replaced-by-an-open-one-open",
        ),
        pytest.param(
            (fo("OPEN"), fo("IN_PROGRESS")), True, id="one-of-several-in-progress-blocked"
        ),
        pytest.param(
            (fo("OPEN"), fo("OPEN", "ACCEPTED")),
            True,
            id="one-of-several-accepted-by-a-service-blocked",
        ),
    ],
)
def test_fulfillment_orders(
    fulfillment_orders: tuple[FulfillmentOrderState, ...], started: bool
) -> None:
    order = make_order(fulfillment_orders=fulfillment_orders)
    decision = decide(order, ShopPolicy(), SOON_AFTER, UTC)
    assert fulfillment_started(order) is started
    assert decision.blocked_by == (CancelBlock.FULFILLMENT_STARTED if started else None)


# --- Financial status --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        pytest.param("AUTHORIZED", True, id="AUTHORIZED-open"),
        pytest.param("PAID", True, id="PAID-open"),
        pytest.param("PARTIALLY_PAID", True, id="PARTIALLY_PAID-open"),
        pytest.param("PENDING", True, id="PENDING-open"),
        pytest.param("EXPIRED", False, id="EXPIRED-blocked"),
        pytest.param("PARTIALLY_REFUNDED", False, id="PARTIALLY_REFUNDED-blocked"),
        pytest.param("REFUNDED", False, id="REFUNDED-blocked"),
        pytest.param("VOIDED", False, id="VOIDED-blocked"),
        pytest.param(None, False, id="no-status-blocked"),
    ],
)
def test_financial_status_against_the_default_set(status: str | None, allowed: bool) -> None:
    decision = decide(make_order(financial_status=status), ShopPolicy(), SOON_AFTER, UTC)
    assert decision.blocked_by == (None if allowed else CancelBlock.PAYMENT_STATE)


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        pytest.param("PAID", True, id="listed-PAID-open"),
        pytest.param("PARTIALLY_REFUNDED", True, id="listed-PARTIALLY_REFUNDED-open"),
        pytest.param("AUTHORIZED", False, id="default-but-unlisted-AUTHORIZED-blocked"),
        pytest.param("PENDING", False, id="default-but-unlisted-PENDING-blocked"),
        pytest.param(None, False, id="no-status-blocked"),
    ],
)
def test_financial_status_against_a_merchants_own_set(status: str | None, allowed: bool) -> None:
    policy = ShopPolicy(allowed_financial_statuses=frozenset({"PAID", "PARTIALLY_REFUNDED"}))
    decision = decide(make_order(financial_status=status), policy, SOON_AFTER, UTC)
    assert decision.blocked_by == (None if allowed else CancelBlock.PAYMENT_STATE)


# --- Excluded tags and closed orders -----------------------------------------------------------


@pytest.mark.parametrize(
    ("order_fields", "policy_fields", "blocked_by"),
    [
        pytest.param(
            {"tags": ["non-cancellable"]}, {}, CancelBlock.EXCLUDED_ORDER,
            id="default-order-tag-excludes",
        ),
        pytest.param(
            {"tags": ["  Non-Cancellable "]}, {}, CancelBlock.EXCLUDED_ORDER,
            id="order-tag-matches-ignoring-case-and-outer-spaces",
        ),
        pytest.param(
            {"tags": ["wholesale"]}, {"excluded_order_tags": frozenset({" WHOLESALE "})},
            CancelBlock.EXCLUDED_ORDER, id="merchants-order-tag-is-trimmed-and-case-folded",
        ),
        pytest.param(
            {"tags": ["non-cancellable-after-noon", "vip"]}, {}, None,
            id="order-tag-must-match-whole-not-as-a-substring",
        ),
        pytest.param(
            {"product_tags": ["non-cancellable"]}, {}, CancelBlock.EXCLUDED_PRODUCT,
            id="default-product-tag-excludes",
        ),
        pytest.param(
            {"product_tags": ["NON-CANCELLABLE\t"]}, {}, CancelBlock.EXCLUDED_PRODUCT,
            id="product-tag-matches-ignoring-case-and-outer-spaces",
        ),
        pytest.param(
            {"product_tags": ["made-to-order"]},
            {"excluded_product_tags": frozenset({"Made-To-Order "})},
            CancelBlock.EXCLUDED_PRODUCT, id="merchants-product-tag-is-trimmed-and-case-folded",
        ),
        pytest.param(
            {"tags": ["made-to-order"], "product_tags": ["wholesale"]},
            {
                "excluded_order_tags": frozenset({"wholesale"}),
                "excluded_product_tags": frozenset({"made-to-order"}),
            },
            None, id="order-tags-and-product-tags-are-separate-lists",
        ),
        pytest.param(
            {"tags": ["non-cancellable"], "product_tags": ["non-cancellable"]},
            {"excluded_order_tags": frozenset(), "excluded_product_tags": frozenset()},
            None, id="no-exclusions-configured",
        ),
        pytest.param(
            {"tags": ["vip"]}, {"excluded_order_tags": frozenset({"", "   "})}, None,
            id="a-blank-excluded-tag-matches-nothing",
        ),
        pytest.param({"closed": True}, {}, CancelBlock.EXCLUDED_ORDER, id="closed-order-excluded"),
    ],
)  # fmt: skip
def test_exclusions(
    order_fields: dict[str, Any], policy_fields: dict[str, Any], blocked_by: CancelBlock | None
) -> None:
    decision = decide(make_order(**order_fields), ShopPolicy(**policy_fields), SOON_AFTER, UTC)
    assert decision.blocked_by == blocked_by


# --- Risk --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recommendation", "hold_risky_orders", "blocked_by"),
    [
        pytest.param("NONE", True, None, id="NONE-open"),
        pytest.param("ACCEPT", True, None, id="ACCEPT-open"),
        pytest.param("INVESTIGATE", True, CancelBlock.RISK_REVIEW, id="INVESTIGATE-held"),
        pytest.param("CANCEL", True, CancelBlock.RISK_REVIEW, id="CANCEL-held"),
        pytest.param("INVESTIGATE", False, None, id="INVESTIGATE-open-when-not-holding"),
        pytest.param("CANCEL", False, None, id="CANCEL-open-when-not-holding"),
    ],
)
def test_risk(recommendation: str, hold_risky_orders: bool, blocked_by: CancelBlock | None) -> None:
    order = make_order(risk_recommendation=recommendation)
    policy = ShopPolicy(hold_risky_orders=hold_risky_orders)
    assert decide(order, policy, SOON_AFTER, UTC).blocked_by == blocked_by


# --- Precedence --------------------------------------------------------------------------------

# Each rule broken on its own, as (order fields, policy fields), at SOON_AFTER.
BROKEN: dict[CancelBlock, tuple[dict[str, Any], dict[str, Any]]] = {
    CancelBlock.ALREADY_CANCELLED: ({"cancelled_at": CREATED + timedelta(minutes=5)}, {}),
    CancelBlock.DISABLED: ({}, {"enabled": False}),
    CancelBlock.FULFILLMENT_STARTED: ({"fulfillment_status": "FULFILLED"}, {}),
    CancelBlock.EXCLUDED_ORDER: ({"tags": ["non-cancellable"]}, {}),
    CancelBlock.EXCLUDED_PRODUCT: ({"product_tags": ["non-cancellable"]}, {}),
    CancelBlock.WINDOW_CLOSED: ({}, {"window_minutes": 10}),
    CancelBlock.PAYMENT_STATE: ({"financial_status": "REFUNDED"}, {}),
    CancelBlock.RISK_REVIEW: ({"risk_recommendation": "CANCEL"}, {}),
    CancelBlock.CUTOFF_PASSED: ({}, {"window_minutes": None, "cutoff": time(10, 20)}),
}
# Highest first: ALREADY_CANCELLED > DISABLED > FULFILLMENT_STARTED > EXCLUDED_ORDER (tag or
# closed) > EXCLUDED_PRODUCT > the clocks > PAYMENT_STATE > RISK_REVIEW. The clocks come before
# payment and risk so that a flagged order whose time is up does not reveal the flag. The two
# clocks share one place: whichever closed first is reported (the cutoff on a tie).
PRECEDENCE = list(BROKEN)[:-1]


def broken(*codes: CancelBlock) -> tuple[OrderSnapshot, ShopPolicy]:
    order_fields: dict[str, Any] = {}
    policy_fields: dict[str, Any] = {}
    for code in codes:
        order_fields |= BROKEN[code][0]
        policy_fields |= BROKEN[code][1]
    return make_order(**order_fields), ShopPolicy(**policy_fields)


@pytest.mark.parametrize("code", list(BROKEN), ids=lambda code: f"{code}-alone")
def test_each_rule_alone_blocks_with_its_own_code(code: CancelBlock) -> None:
    order, policy = broken(code)
    decision = decide(order, policy, SOON_AFTER, UTC)
    assert not decision.cancellable
    assert decision.blocked_by is code


@pytest.mark.parametrize(
    "rank",
    range(len(PRECEDENCE)),
    ids=lambda rank: ">".join(PRECEDENCE[rank:]),
)
def test_when_several_rules_apply_the_highest_in_precedence_wins(rank: int) -> None:
    order, policy = broken(*PRECEDENCE[rank:])
    assert decide(order, policy, SOON_AFTER, UTC).blocked_by is PRECEDENCE[rank]


def test_already_cancelled_wins_over_everything() -> None:
    policy = ShopPolicy(enabled=False, window_minutes=10, cutoff=time(10, 20))
    order = make_order(
        cancelled_at=CREATED + timedelta(minutes=5),
        closed=True,
        fulfillment_status="FULFILLED",
        fulfillment_orders=(fo("CLOSED", "ACCEPTED"),),
        tags=["non-cancellable"],
        product_tags=["non-cancellable"],
        financial_status="REFUNDED",
        risk_recommendation="CANCEL",
    )
    decision = decide(order, policy, CREATED + timedelta(days=30), UTC)
    assert decision.blocked_by is CancelBlock.ALREADY_CANCELLED


def test_a_disabled_shop_blocks_a_perfectly_cancellable_order() -> None:
    decision = decide(make_order(), ShopPolicy(enabled=False), SOON_AFTER, UTC)
    assert decision.blocked_by is CancelBlock.DISABLED


@pytest.mark.parametrize("code", list(BROKEN), ids=lambda code: f"deadline-reported-when-{code}")
def test_the_deadline_is_reported_even_when_blocked(code: CancelBlock) -> None:
    order, policy = broken(code)
    decision = decide(order, policy, SOON_AFTER, UTC)
    assert decision.blocked_by is code
    if policy.cutoff is not None:
        assert decision.deadline == CREATED + timedelta(minutes=20)
    else:
        assert decision.deadline == CREATED + timedelta(minutes=policy.window_minutes or 0)


# --- Properties of cutoff_after ----------------------------------------------------------------

# Antarctica/Troll moves its clocks two hours, so its fall-back day lasts 26 hours; everywhere
# else, since 2024, clocks move by an hour at most.
ZONES = st.timezones().filter(lambda tz: tz.key != "Antarctica/Troll")
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
# The settings parse "02:30" with fold=0, as every wall time is read unless said otherwise.
CUTOFFS = st.times().map(lambda cutoff: cutoff.replace(fold=0))
FALL_BACK_SECOND_0215 = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
SPRING_GAP_EVE = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)


def jump_over(day: datetime, cutoff: time, tz: ZoneInfo) -> timedelta:
    """How far the clock jumps over `cutoff` on `day`'s date: zero unless that time is skipped."""
    naive = datetime.combine(day.date(), cutoff)
    before = naive.replace(tzinfo=tz, fold=0).utcoffset() or timedelta(0)
    after = naive.replace(tzinfo=tz, fold=1).utcoffset() or timedelta(0)
    return max(after - before, timedelta(0))


@given(moment=INSTANTS, cutoff=CUTOFFS, tz=ZONES, in_shop_zone=st.booleans())
@example(moment=FALL_BACK_SECOND_0215, cutoff=time(2, 30), tz=AMSTERDAM, in_shop_zone=False)
@example(moment=FALL_BACK_SECOND_0215, cutoff=time(2, 30), tz=AMSTERDAM, in_shop_zone=True)
@example(moment=SPRING_GAP_EVE, cutoff=time(2, 30), tz=AMSTERDAM, in_shop_zone=False)
def test_cutoff_after_is_the_next_wall_clock_cutoff_within_25_hours(
    moment: datetime, cutoff: time, tz: ZoneInfo, in_shop_zone: bool
) -> None:
    if in_shop_zone:
        moment = moment.astimezone(tz)
    result = cutoff_after(moment, cutoff, tz)

    elapsed = result.astimezone(UTC) - moment.astimezone(UTC)
    assert timedelta(0) < elapsed <= timedelta(hours=25)

    local = result.astimezone(tz).replace(tzinfo=None, fold=0)
    days = (local - timedelta(days=1), local)
    assert local in {datetime.combine(d.date(), cutoff) + jump_over(d, cutoff, tz) for d in days}


@given(moment=INSTANTS, cutoff=CUTOFFS, tz=ZONES)
@example(moment=FALL_BACK_SECOND_0215, cutoff=time(2, 30), tz=AMSTERDAM)
def test_cutoff_after_skips_no_cutoff(moment: datetime, cutoff: time, tz: ZoneInfo) -> None:
    result = cutoff_after(moment, cutoff, tz).astimezone(UTC)
    first_day = moment.astimezone(tz).date() - timedelta(days=1)
    for offset in range(4):
        day = first_day + timedelta(days=offset)
        # fold=0: a skipped time resolves forward, a repeated one to its first occurrence.
        occurs = datetime.combine(day, cutoff, tzinfo=tz).astimezone(UTC)
        assert not moment < occurs < result
