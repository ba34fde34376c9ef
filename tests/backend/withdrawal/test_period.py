"""The withdrawal period, pure: from the order until the end of the 14th day after delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from backend.withdrawal.period import (
    EEA,
    Delivery,
    WithdrawalRule,
    delivered_on,
    withdrawal_period,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ON = WithdrawalRule(enabled=True)
DELIVERED = datetime(2026, 6, 22, 16, 30, tzinfo=UTC)  # 18:30 in Amsterdam, a Monday


def period(now: datetime, **overrides: object) -> tuple[bool, datetime | None]:
    values: dict[str, object] = {
        "rule": ON,
        "country": "NL",
        "cancelled": False,
        "delivered_at": DELIVERED,
        "now": now,
        "tz": AMSTERDAM,
    }
    values.update(overrides)
    found = withdrawal_period(**values)  # type: ignore[arg-type]
    return found.applies, found.until


def test_an_order_not_yet_delivered_keeps_the_function_however_old() -> None:
    assert period(DELIVERED + timedelta(days=400), delivered_at=None) == (True, None)


def test_the_function_lasts_until_the_end_of_the_fourteenth_day_after_delivery() -> None:
    end = datetime(2026, 7, 6, 23, 59, 59, 999999, tzinfo=AMSTERDAM)
    assert period(DELIVERED) == (True, end)
    assert period(end.astimezone(UTC)) == (True, end)


def test_the_function_is_gone_after_the_period() -> None:
    after = datetime(2026, 7, 7, 0, 0, tzinfo=AMSTERDAM)
    applies, until = period(after)
    assert not applies
    assert until == datetime(2026, 7, 6, 23, 59, 59, 999999, tzinfo=AMSTERDAM)


def test_the_day_of_delivery_is_the_shops_day_not_utcs() -> None:
    # 23:30 UTC on 30 June is already 1 July in Amsterdam: 14 days from 1 July.
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert period(late, delivered_at=late)[1] == datetime(
        2026, 7, 15, 23, 59, 59, 999999, tzinfo=AMSTERDAM
    )


def test_the_merchant_turns_it_on_and_chooses_the_countries() -> None:
    assert period(DELIVERED, rule=WithdrawalRule()) == (False, None)
    assert period(DELIVERED, country="US") == (False, None)
    assert period(DELIVERED, country=None) == (False, None)
    assert period(DELIVERED, rule=WithdrawalRule(True, frozenset({"US"})), country="US")[0]
    assert {"NL", "DE", "FR", "ES", "NO", "IS", "LI"} <= EEA and "CH" not in EEA
    assert len(EEA) == 30


def test_a_cancelled_order_has_nothing_to_withdraw_from() -> None:
    assert period(DELIVERED, cancelled=True) == (False, None)


def test_the_period_runs_from_the_last_parcel_and_only_once_everything_shipped() -> None:
    first, last = DELIVERED, DELIVERED + timedelta(days=3)
    assert delivered_on([Delivery(first), Delivery(last)], True) == last
    assert delivered_on([Delivery(first), Delivery(None)], True) is None
    assert delivered_on([Delivery(first)], False) is None  # more to ship
    assert delivered_on([], True) is None
