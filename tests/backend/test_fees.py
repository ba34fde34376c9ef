"""The cancellation fee's arithmetic: percent and fixed, cap, rounding in 0, 2 and 3 decimal
currencies, presentment versus shop money, and the orders that never pay one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.eu import EU_EEA, in_eu_eea
from backend.fees import FeeRule, FeeWaiver, Money, fee_in_shop_money, quote
from backend.money import as_text, decimals, rounded

D = Decimal


def test_currencies_round_to_their_own_minor_unit() -> None:
    assert (decimals("JPY"), decimals("EUR"), decimals("KWD")) == (0, 2, 3)
    assert as_text(D("1234.5"), "JPY") == "1235"
    assert as_text(D("2.345"), "EUR") == "2.35"
    assert as_text(D("1.23450"), "KWD") == "1.235"


@pytest.mark.parametrize(
    ("rule", "refundable", "currency", "fee"),
    [
        (FeeRule(percent=D("5")), D("49.95"), "EUR", D("2.50")),  # 2.4975 rounds half up
        (FeeRule(percent=D("5")), D("49.90"), "EUR", D("2.50")),  # 2.495 -> 2.50
        (FeeRule(percent=D("3"), fixed=D("0.30")), D("10.00"), "EUR", D("0.60")),
        (FeeRule(percent=D("10"), cap=D("3.00")), D("49.95"), "EUR", D("3.00")),
        (FeeRule(fixed=D("5.00")), D("3.00"), "EUR", D("3.00")),  # never more than the refund
        (FeeRule(percent=D("2.5")), D("4999"), "JPY", D("125")),  # 124.975 -> 125
        (FeeRule(percent=D("2.5")), D("4980"), "JPY", D("125")),  # 124.5 -> 125 (half up)
        (FeeRule(percent=D("1.5")), D("12.345"), "KWD", D("0.185")),  # 0.185175 -> 0.185
        (FeeRule(percent=D("1"), fixed=D("0.0005")), D("1.000"), "KWD", D("0.011")),
    ],
)
def test_fee_is_percent_plus_fixed_rounded_half_up_and_capped(
    rule: FeeRule, refundable: Decimal, currency: str, fee: Decimal
) -> None:
    assert fee_in_shop_money(rule, refundable, currency) == fee


def test_the_customer_sees_the_refund_and_the_fee_in_their_currency() -> None:
    # Shop in EUR, customer paid in JPY at the order's rate (7990 JPY for 49.95 EUR).
    shown = quote(
        FeeRule(percent=D("5")),
        Money(D("49.95"), D("7990")),
        "EUR",
        "JPY",
        shipping_country="US",
        financial_status="PAID",
    )

    assert shown.fee == Money(D("2.50"), D("400"))  # 2.50 EUR x 159.96 = 399.9 -> 400 JPY
    assert shown.refund == Money(D("47.45"), D("7590"))
    assert shown.waived is None


def test_the_example_of_the_issue_47_45_back_of_49_95() -> None:
    shown = quote(
        FeeRule(percent=D("5")),
        Money(D("49.95"), D("49.95")),
        "EUR",
        "EUR",
        shipping_country="CH",
        financial_status="PAID",
    )

    assert (shown.refund.presentment, shown.refundable.presentment) == (D("47.45"), D("49.95"))


@pytest.mark.parametrize("country", sorted(EU_EEA))
def test_orders_shipping_to_the_eu_or_eea_never_pay_a_fee(country: str) -> None:
    shown = quote(
        FeeRule(percent=D("5"), fixed=D("1")),
        Money(D("49.95"), D("49.95")),
        "EUR",
        "EUR",
        shipping_country=country,
        financial_status="PAID",
    )

    assert shown.fee == Money(D("0"), D("0")) and shown.waived is FeeWaiver.EU_EEA


def test_switzerland_and_the_uk_are_not_in_the_eea() -> None:
    assert not in_eu_eea("CH") and not in_eu_eea("GB") and in_eu_eea("no")


def test_an_authorised_only_order_keeps_no_fee() -> None:
    shown = quote(
        FeeRule(percent=D("5")),
        Money(D("49.95"), D("49.95")),
        "EUR",
        "EUR",
        shipping_country="US",
        financial_status="AUTHORIZED",
    )

    assert shown.fee.shop == 0 and shown.waived is FeeWaiver.NOT_CAPTURED


def test_rounding_never_loses_a_cent_between_fee_and_refund() -> None:
    for cents in range(1, 2000, 7):
        amount = D(cents) / 100
        shown = quote(
            FeeRule(percent=D("3.3"), cap=D("4")),
            Money(amount, rounded(amount * D("1.0831"), "USD")),
            "EUR",
            "USD",
            shipping_country="US",
            financial_status="PAID",
        )
        assert shown.fee.shop + shown.refund.shop == amount
        assert shown.fee.presentment + shown.refund.presentment == shown.refundable.presentment
