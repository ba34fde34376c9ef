"""Whether the EU withdrawal function applies to an order, and until when: pure, clock injected.

The right of withdrawal from a distance sale of goods lasts 14 days from the day the consumer
acquires physical possession of the goods (Directive 2011/83/EU, Article 9(2)(b)); for several
goods delivered separately, from the last of them. Article 11a (added by Directive (EU)
2023/2673) requires the function to be available throughout that period. So:

- an order not yet (fully) delivered keeps the function, shipped or not;
- once delivered, it stays until the end of the 14th day after the day of delivery, in the
  shop's time zone (periods run in whole days: Regulation 1182/71, Article 3);
- a cancelled order has nothing left to withdraw from.

The merchant decides where it is offered (the shipping address's country); EU and EEA by
default. The legal period can run longer (12 months more when the consumer was not told of the
right, Article 10): the merchant may widen nothing here yet, which README says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.eu import EU_EEA, EU_MEMBER_STATES

PERIOD_DAYS = 14

# The EU member states and Iceland, Liechtenstein and Norway: the one list the fee reads too.
EU = EU_MEMBER_STATES
EEA = EU_EEA


def country_set(codes: Iterable[str]) -> frozenset[str]:
    """Upper-case two-letter codes; anything else is dropped."""
    return frozenset(
        c.strip().upper() for c in codes if len(c.strip()) == 2 and c.strip().isalpha()
    )


@dataclass(frozen=True, slots=True)
class WithdrawalRule:
    """The merchant's choice: off by default, and where it is offered when on."""

    enabled: bool = False
    countries: frozenset[str] = field(default=EEA)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One fulfilment (parcel) of the order, and when the carrier delivered it, if yet."""

    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Period:
    """Whether the function is offered now, and until when (None: until delivery plus 14 days,
    the delivery not known yet)."""

    applies: bool
    until: datetime | None


CLOSED = Period(applies=False, until=None)


def delivered_on(deliveries: Iterable[Delivery], fully_fulfilled: bool) -> datetime | None:
    """When the last parcel arrived; None while anything is still to ship or to arrive."""
    parcels = list(deliveries)
    if not fully_fulfilled or not parcels or any(p.delivered_at is None for p in parcels):
        return None
    return max(p.delivered_at for p in parcels if p.delivered_at is not None)


def period_end(delivered_at: datetime, tz: ZoneInfo) -> datetime:
    """The end of the 14th day after the day of delivery, in the shop's zone."""
    day = delivered_at.astimezone(tz).date() + timedelta(days=PERIOD_DAYS + 1)
    return datetime.combine(day, time(0, 0), tzinfo=tz) - timedelta(microseconds=1)


def withdrawal_period(
    *,
    rule: WithdrawalRule,
    country: str | None,
    cancelled: bool,
    delivered_at: datetime | None,
    now: datetime,
    tz: ZoneInfo,
) -> Period:
    if not rule.enabled or cancelled:
        return CLOSED
    if country is None or country.upper() not in rule.countries:
        return CLOSED
    if delivered_at is None:
        return Period(applies=True, until=None)
    until = period_end(delivered_at, tz)
    return Period(applies=now <= until, until=until)
