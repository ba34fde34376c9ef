"""The cancellation fee: what the merchant keeps when a customer cancels, and what goes back.

Pure arithmetic, no I/O. The merchant sets a percentage and/or a fixed amount, with a cap, in
the shop's currency (`FeeRule`). The fee is worked out in shop money, rounded to the currency's
minor unit half up (`backend.money`), never more than the amount being refunded; the customer's
side is the same fee converted at the order's own rate (its presentment amount over its shop
amount, both as Shopify reported them) and rounded to the presentment currency. The refund is
what is left: Shopify moves presentment money, so that is the amount the refund carries.

No fee when the order ships to the EU or EEA (consumers there may withdraw for free), nor when
the order is only authorised: nothing was captured, and the cancel voids the authorisation, so
there is nothing to keep a fee from (App Home says so).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from backend.eu import in_eu_eea
from backend.money import rounded

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class FeeWaiver(enum.StrEnum):
    EU_EEA = "EU_EEA"  # ships to the EU/EEA: withdrawal is free there
    NOT_CAPTURED = "NOT_CAPTURED"  # only authorised: nothing to keep a fee from
    NO_RULE = "NO_RULE"


@dataclass(frozen=True, slots=True)
class FeeRule:
    percent: Decimal = ZERO  # of the amount being refunded
    fixed: Decimal = ZERO  # in the shop's currency
    cap: Decimal | None = None  # in the shop's currency; None: no cap

    @property
    def active(self) -> bool:
        return self.percent > 0 or self.fixed > 0


@dataclass(frozen=True, slots=True)
class Money:
    shop: Decimal
    presentment: Decimal


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The preview the customer confirms, and what the refund step moves."""

    refundable: Money  # what the cancelled items (or the order) would give back without a fee
    fee: Money
    refund: Money
    shop_currency: str
    presentment_currency: str
    waived: FeeWaiver | None = None


def waiver(
    rule: FeeRule, shipping_country: str | None, financial_status: str | None
) -> FeeWaiver | None:
    if not rule.active:
        return FeeWaiver.NO_RULE
    if in_eu_eea(shipping_country):
        return FeeWaiver.EU_EEA
    if financial_status in {"AUTHORIZED", "PENDING", "VOIDED", None}:
        return FeeWaiver.NOT_CAPTURED
    return None


def fee_in_shop_money(rule: FeeRule, refundable: Decimal, currency: str) -> Decimal:
    """percent × refundable + fixed, rounded, capped, and never more than the refundable."""
    fee = rounded(refundable * rule.percent / HUNDRED + rule.fixed, currency)
    if rule.cap is not None:
        fee = min(fee, rounded(rule.cap, currency))
    return max(min(fee, refundable), ZERO)


def quote(
    rule: FeeRule,
    refundable: Money,
    shop_currency: str,
    presentment_currency: str,
    *,
    shipping_country: str | None,
    financial_status: str | None,
) -> FeeQuote:
    waived = waiver(rule, shipping_country, financial_status)
    fee_shop = ZERO if waived else fee_in_shop_money(rule, refundable.shop, shop_currency)
    if refundable.shop > 0:
        rate = refundable.presentment / refundable.shop
        fee_presentment = rounded(fee_shop * rate, presentment_currency)
    else:
        fee_presentment = ZERO
    fee_presentment = min(fee_presentment, refundable.presentment)
    return FeeQuote(
        refundable=refundable,
        fee=Money(fee_shop, fee_presentment),
        refund=Money(refundable.shop - fee_shop, refundable.presentment - fee_presentment),
        shop_currency=shop_currency,
        presentment_currency=presentment_currency,
        waived=waived if waived is not FeeWaiver.NO_RULE else None,
    )
