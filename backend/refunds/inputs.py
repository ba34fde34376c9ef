"""The `refundCreate` input our refunds send, built once and kept with the record."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from backend.policy import RefundMethod, ShopPolicy
from backend.refunds.gateway import OrderLines


def refund_input(
    read: OrderLines,
    lines: Mapping[str, int],
    amount: Decimal,
    policy: ShopPolicy,
    note: str,
) -> dict[str, Any]:
    """Items off the order (restocked or not, as the merchant chose) and `amount` back, in the
    presentment currency, to the original payment or as store credit per the rules."""
    refund: dict[str, Any] = {
        "orderId": read.order.id,
        "note": note,
        "notify": policy.notify_customer,
        "currency": read.presentment_currency,
    }
    if lines:
        restock = "CANCEL" if policy.restock else "NO_RESTOCK"
        refund["refundLineItems"] = [
            {"lineItemId": line, "quantity": quantity, "restockType": restock}
            for line, quantity in sorted(lines.items())
        ]
    if amount <= 0:
        return refund
    if policy.refund_method is RefundMethod.STORE_CREDIT:
        money = {"amount": str(amount), "currencyCode": read.presentment_currency}
        refund["refundMethods"] = [{"storeCreditRefund": {"amount": money}}]
    elif read.payment is not None:
        parent, gateway = read.payment
        refund["transactions"] = [
            {
                "orderId": read.order.id,
                "parentId": parent,
                "amount": str(amount),
                "gateway": gateway,
                "kind": "REFUND",
            }
        ]
    return refund
