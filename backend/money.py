"""Amounts of money as Shopify keeps them: decimals in a currency's minor unit.

Shopify stores and rounds money to the currency's ISO 4217 minor unit (JPY 0 decimals, EUR 2,
KWD 3), half up as its `Money` rounding does for a computed share. Every amount the app works
out (a fee, a refund, a presentment conversion) goes through `rounded`, so the customer sees the
amount Shopify will move.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies Shopify sells in whose minor unit is not two decimals.
_ZERO_DECIMALS = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
     "XAF", "XOF", "XPF"}
)  # fmt: skip
_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def decimals(currency: str) -> int:
    """How many decimals `currency` has (its ISO 4217 minor unit)."""
    code = currency.upper()
    if code in _ZERO_DECIMALS:
        return 0
    return 3 if code in _THREE_DECIMALS else 2


def rounded(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to `currency`'s minor unit."""
    return amount.quantize(Decimal(1).scaleb(-decimals(currency)), rounding=ROUND_HALF_UP)


def as_text(amount: Decimal, currency: str) -> str:
    """The amount as Shopify's `Money` scalar writes it: the minor unit's decimals, no exponent."""
    return f"{rounded(amount, currency):f}"
