"""An order's money as Shopify reports it: what was charged, received, refunded, still owed.

Amounts are kept in the shop's currency; `money_bag` adds the presentment side at the order's
rate, rounded to that currency's minor unit. devshop models no taxes, duties or discount
applications: a line item's `unit_price` is already after its discounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from backend.money import as_text, rounded
from devshop.records import LineItem, Order

ZERO = Decimal("0")


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": as_text(amount, currency), "currencyCode": currency}


def money_bag(order: Order, amount: Decimal) -> dict[str, Any]:
    presentment = order.presentment_currency_code or order.currency_code
    converted = rounded(amount * order.presentment_rate, presentment)
    return {
        "shopMoney": money(amount, order.currency_code),
        "presentmentMoney": money(converted, presentment),
    }


def subtotal(order: Order) -> Decimal:
    """The line items as they stand now (edits and refunds taken off)."""
    return sum((i.unit_price * i.current_quantity for i in order.line_items), ZERO)


def refunded_shipping(order: Order) -> Decimal:
    return sum((r.shipping for r in order.refunds), ZERO)


def current_total(order: Order) -> Decimal:
    return subtotal(order) + order.shipping_price - refunded_shipping(order)


def received(order: Order) -> Decimal:
    """Captured money: sales and captures that succeeded."""
    return sum(
        (t.amount for t in order.transactions if t.kind in {"SALE", "CAPTURE"} and _ok(t.status)),
        ZERO,
    )


def refunded(order: Order) -> Decimal:
    """Money given back, to the payment method or as store credit."""
    return sum((r.total for r in order.refunds), ZERO)


def net_payment(order: Order) -> Decimal:
    return received(order) - refunded(order)


def outstanding(order: Order) -> Decimal:
    """`totalOutstandingSet`: what the customer still owes; negative when they are owed."""
    if order.cancelled_at is not None:
        return ZERO
    return current_total(order) - net_payment(order)


def capturable(order: Order) -> Decimal:
    authorized = sum(
        (t.amount for t in order.transactions if t.kind == "AUTHORIZATION" and _ok(t.status)),
        ZERO,
    )
    captured = sum((t.amount for t in order.transactions if t.kind == "CAPTURE"), ZERO)
    voided = any(t.kind == "VOID" for t in order.transactions)
    return ZERO if voided or order.cancelled_at else max(authorized - captured, ZERO)


def refundable_quantity(item: LineItem) -> int:
    return item.current_quantity


def financial_status(order: Order) -> str:
    """OrderDisplayFinancialStatus after a refund."""
    given_back, paid = refunded(order), received(order)
    if paid > 0 and given_back >= paid:
        return "REFUNDED"
    if given_back > 0:
        return "PARTIALLY_REFUNDED"
    return order.display_financial_status


def _ok(status: str) -> bool:
    return status == "SUCCESS"
