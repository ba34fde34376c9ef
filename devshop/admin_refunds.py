"""`refundCreate` and `Order.suggestedRefund` as Shopify documents them (2026-10).

A refund takes line items off the order (`restockType: CANCEL` for unfulfilled ones, which is
how Shopify cancels part of an order; `RETURN` for fulfilled ones; `NO_RESTOCK`), gives back
shipping, and moves money: `transactions` of kind REFUND to the original payment method, and
`refundMethods: [{storeCreditRefund}]` to the customer's store credit.

Idempotency: `refundCreate` must carry `@idempotent(key:)` (Shopify's changelog "Adding
idempotency for inventory adjustments and refund mutations" made it mandatory from 2026-04).
A retry with the same key and the same input answers the first refund again and moves no money;
the same key with other input is refused with a top-level error (devshop's wording; Shopify
documents the rule, not the message). Keys are per shop.

Refused with user errors, nothing moved: an absent order, a line item not on it or more than is
left of it, CANCEL for more than the unfulfilled quantity, more money than the order's net
payment (unless `allowOverRefunding`): so an order that is only authorised has nothing to refund
until it is captured, a REFUND transaction whose parent is not a sale or capture of the order,
store credit for an order without a customer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from backend.money import rounded
from devshop.admin_context import AdminContext
from devshop.gids import gid, numeric_id
from devshop.order_money import (
    ZERO,
    financial_status,
    money,
    money_bag,
    net_payment,
    refunded_shipping,
)
from devshop.records import Order, Refund, RefundedLineItem, Transaction

_KEYS = "idempotency_keys"
IDEMPOTENCY_MISMATCH = "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"


class _Refused(Exception):
    def __init__(self, field: list[str], message: str) -> None:
        super().__init__(message)
        self.error = {"field": field, "message": message}


def refund_create(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    key = ctx.idempotency_key
    if key is None:
        raise GraphQLError(
            "The @idempotent directive is required for this mutation.",
            extensions={"code": "IDEMPOTENCY_KEY_REQUIRED"},
        )
    refund_input = args["input"]
    fingerprint = json.dumps(refund_input, sort_keys=True, default=str)
    seen = ctx.world.extras.setdefault(_KEYS, {})
    earlier = seen.get((ctx.shop.domain, key))
    if isinstance(earlier, tuple):
        if earlier[0] != fingerprint:
            raise GraphQLError(
                "The idempotency key was already used with different parameters.",
                extensions={"code": IDEMPOTENCY_MISMATCH},
            )
        refund, order = earlier[1], ctx.world.orders.get(earlier[1].order_id)
        return {"refund": refund, "order": order, "userErrors": []}
    try:
        order, refund = _refund(ctx, refund_input)
    except _Refused as refused:
        return {"refund": None, "order": None, "userErrors": [refused.error]}
    seen[(ctx.shop.domain, key)] = (fingerprint, refund)
    return {"refund": refund, "order": order, "userErrors": []}


def _amount(value: Any, field: list[str]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise _Refused(field, "Amount is invalid") from error
    if amount <= 0:
        raise _Refused(field, "Amount must be greater than 0")
    return amount


def _refund(ctx: AdminContext, refund_input: dict[str, Any]) -> tuple[Order, Refund]:
    order = ctx.order(refund_input["orderId"])
    if order is None:
        raise _Refused(["orderId"], "Order does not exist")
    items = {item.id: item for item in order.line_items}
    lines: list[RefundedLineItem] = []
    for n, line in enumerate(refund_input.get("refundLineItems") or []):
        field = ["refundLineItems", str(n)]
        item = items.get(numeric_id(line["lineItemId"], "LineItem") or -1)
        if item is None:
            raise _Refused([*field, "lineItemId"], "Line item does not exist on the order")
        quantity = line["quantity"]
        restock = line.get("restockType") or "NO_RESTOCK"
        unfulfilled = item.current_quantity - item.fulfilled_quantity
        if quantity < 1 or quantity > item.current_quantity:
            raise _Refused(
                [*field, "quantity"], "Quantity cannot refund more items than were purchased"
            )
        if restock == "CANCEL" and quantity > unfulfilled:
            raise _Refused([*field, "restockType"], "Cannot cancel more items than are unfulfilled")
        lines.append(RefundedLineItem(item.id, quantity, restock, item.unit_price * quantity))
    shipping = _shipping(order, refund_input.get("shipping"))
    shop_money = _to_shop_money(order, refund_input.get("currency"))
    transactions = _transactions(ctx, order, refund_input.get("transactions") or [], shop_money)
    store_credit = shop_money(_store_credit(order, refund_input.get("refundMethods") or []))
    moved = sum((t.amount for t in transactions), ZERO) + store_credit
    if moved > net_payment(order) and not refund_input.get("allowOverRefunding"):
        raise _Refused(
            ["transactions"],
            f"Refund amount ({moved}) exceeds the refundable amount ({net_payment(order)})",
        )
    refund = Refund(
        ctx.world.new_id(),
        order.id,
        ctx.world.now(),
        refund_input.get("note"),
        lines,
        shipping,
        transactions,
        store_credit,
        bool(refund_input.get("notify")),
    )
    for line_refund in lines:
        items[line_refund.line_item_id].current_quantity -= line_refund.quantity
        items[line_refund.line_item_id].refunded_quantity += line_refund.quantity
    order.transactions += transactions
    order.refunds.append(refund)
    if order.customer_id is not None and store_credit:
        balance = ctx.world.store_credit.get(order.customer_id, ZERO)
        ctx.world.store_credit[order.customer_id] = balance + store_credit
    order.display_financial_status = financial_status(order)
    ctx.world.touch(order)
    ctx.world.publish(order, [("refunds/create", refund), ("orders/updated", None)])
    return order, refund


def _shipping(order: Order, shipping: dict[str, Any] | None) -> Decimal:
    left = order.shipping_price - refunded_shipping(order)
    if not shipping:
        return ZERO
    if shipping.get("fullRefund"):
        return left
    if shipping.get("amount") is None:
        return ZERO
    amount = _amount(shipping["amount"], ["shipping", "amount"])
    if amount > left:
        raise _Refused(["shipping", "amount"], "Shipping refund amount exceeds what is left")
    return amount


def _to_shop_money(order: Order, currency: str | None) -> Callable[[Decimal], Decimal]:
    """Amounts in the refund's `currency` as shop money: Shopify takes refund amounts in the
    presentment currency (required where it differs from the shop's) and converts them."""
    presentment = order.presentment_currency_code or order.currency_code
    if currency is None or currency == order.currency_code or currency != presentment:
        return lambda amount: amount
    return lambda amount: rounded(amount / order.presentment_rate, order.currency_code)


def _transactions(
    ctx: AdminContext,
    order: Order,
    given: list[dict[str, Any]],
    shop_money: Callable[[Decimal], Decimal],
) -> list[Transaction]:
    payments = [t for t in order.transactions if t.kind in {"SALE", "CAPTURE"}]
    made: list[Transaction] = []
    for n, transaction in enumerate(given):
        field = ["transactions", str(n)]
        if transaction["kind"] != "REFUND":
            raise _Refused([*field, "kind"], "Transaction kind must be refund")
        if numeric_id(transaction["orderId"], "Order") != order.id:
            raise _Refused([*field, "orderId"], "Transaction does not belong to the order")
        parent_id = transaction.get("parentId")
        parent = payments[0] if payments else None
        if parent_id is not None:
            wanted = numeric_id(parent_id, "OrderTransaction")
            parent = next((t for t in payments if t.id == wanted), None)
        if parent is None:
            raise _Refused([*field, "parentId"], "No captured payment to refund")
        amount = shop_money(_amount(transaction["amount"], [*field, "amount"]))
        made.append(
            Transaction(
                ctx.world.new_id(),
                "REFUND",
                amount,
                ctx.world.now(),
                gateway=transaction["gateway"],
                parent_id=parent.id,
            )
        )
    return made


def _store_credit(order: Order, methods: list[dict[str, Any]]) -> Decimal:
    total = ZERO
    for n, method in enumerate(methods):
        credit = method.get("storeCreditRefund")
        if credit is None:
            continue
        field = ["refundMethods", str(n), "storeCreditRefund"]
        if order.customer_id is None:
            raise _Refused(field, "Store credit can only be issued to an order with a customer.")
        total += _amount(credit["amount"]["amount"], [*field, "amount"])
    return total


def suggested_refund(order: Order, args: dict[str, Any]) -> dict[str, Any]:
    """What Shopify suggests refunding for these line items (and shipping), capped at what the
    order can still refund; devshop has no taxes or order-level discounts to share out."""
    items = {item.id: item for item in order.line_items}
    lines = []
    subtotal = ZERO
    for line in args.get("refundLineItems") or []:
        item = items.get(numeric_id(line["lineItemId"], "LineItem") or -1)
        if item is None:
            raise GraphQLError("Line item does not exist on the order")
        quantity = min(line["quantity"], item.current_quantity)
        subtotal += item.unit_price * quantity
        lines.append(
            {
                "lineItem": item,
                "quantity": quantity,
                "restockType": line.get("restockType") or "NO_RESTOCK",
                "restocked": False,
                "priceSet": money_bag(order, item.unit_price),
                "subtotalSet": money_bag(order, item.unit_price * quantity),
                "totalTaxSet": money_bag(order, ZERO),
                "location": None,
            }
        )
    left_shipping = order.shipping_price - refunded_shipping(order)
    shipping = ZERO
    if args.get("refundShipping") or args.get("suggestFullRefund"):
        shipping = left_shipping
    elif args.get("shippingAmount") is not None:
        shipping = min(Decimal(str(args["shippingAmount"])), left_shipping)
    maximum = net_payment(order)
    amount = min(subtotal + shipping, maximum)
    sale = next((t for t in order.transactions if t.kind in {"SALE", "CAPTURE"}), None)
    suggested = []
    if sale is not None and amount > 0:
        suggested.append(
            {
                "kind": "SUGGESTED_REFUND",
                "amount": str(amount),
                "amountSet": money_bag(order, amount),
                "gateway": sale.gateway,
                "formattedGateway": sale.gateway,
                "maximumRefundable": str(maximum),
                "maximumRefundableSet": money_bag(order, maximum),
                "parentTransaction": sale,
                "accountNumber": None,
                "paymentDetails": None,
            }
        )
    return {
        "amount": str(amount),
        "amountSet": money_bag(order, amount),
        "subtotal": str(subtotal),
        "subtotalSet": money_bag(order, subtotal),
        "discountedSubtotalSet": money_bag(order, subtotal),
        "maximumRefundable": str(maximum),
        "maximumRefundableSet": money_bag(order, maximum),
        "refundLineItems": lines,
        "refundDuties": [],
        "shipping": {
            "amount": str(shipping),
            "amountSet": money_bag(order, shipping),
            "maximumRefundable": str(left_shipping),
            "maximumRefundableSet": money_bag(order, left_shipping),
            "tax": "0.0",
            "taxSet": money_bag(order, ZERO),
        },
        "suggestedTransactions": suggested,
        "suggestedRefundMethods": [],
        "totalCartDiscountAmountSet": money_bag(order, ZERO),
        "totalDutiesSet": money_bag(order, ZERO),
        "totalTaxSet": money_bag(order, ZERO),
        "totalTaxes": "0.0",
    }


def refund_fields(connection: Any) -> dict[str, dict[str, Any]]:
    """The resolvers of `Refund`, `OrderTransaction` and `RefundLineItem`."""

    def order_of(ctx: AdminContext, order_id: int) -> Order:
        return ctx.world.orders[order_id]

    def line_items(r: Refund, ctx: AdminContext) -> list[dict[str, Any]]:
        order = order_of(ctx, r.order_id)
        items = {i.id: i for i in order.line_items}
        return [
            {
                "id": gid("RefundLineItem", r.id * 100 + n),
                "lineItem": items[line.line_item_id],
                "quantity": line.quantity,
                "restockType": line.restock_type,
                "restocked": line.restock_type in {"CANCEL", "RETURN"},
                "price": str(items[line.line_item_id].unit_price),
                "priceSet": money_bag(order, items[line.line_item_id].unit_price),
                "subtotal": str(line.subtotal),
                "subtotalSet": money_bag(order, line.subtotal),
                "totalTax": "0.0",
                "totalTaxSet": money_bag(order, ZERO),
                "location": None,
            }
            for n, line in enumerate(r.line_items)
        ]

    return {
        "Refund": {
            "id": lambda r, ctx, args: gid("Refund", r.id),
            "legacyResourceId": lambda r, ctx, args: str(r.id),
            "note": lambda r, ctx, args: r.note,
            "order": lambda r, ctx, args: order_of(ctx, r.order_id),
            "createdAt": lambda r, ctx, args: r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "processedAt": lambda r, ctx, args: r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "updatedAt": lambda r, ctx, args: r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "totalRefundedSet": lambda r, ctx, args: money_bag(order_of(ctx, r.order_id), r.total),
            "totalRefunded": lambda r, ctx, args: money(
                r.total, order_of(ctx, r.order_id).currency_code
            ),
            "transactions": lambda r, ctx, args: connection(r.transactions, args),
            "refundLineItems": lambda r, ctx, args: connection(line_items(r, ctx), args),
        },
        "OrderTransaction": {
            "id": lambda t, ctx, args: gid("OrderTransaction", t.id),
            "kind": lambda t, ctx, args: t.kind,
            "status": lambda t, ctx, args: t.status,
            "gateway": lambda t, ctx, args: t.gateway,
            "formattedGateway": lambda t, ctx, args: t.gateway,
            "amount": lambda t, ctx, args: str(t.amount),
            "amountSet": lambda t, ctx, args: money_bag(_order_with(ctx, t), t.amount),
            "createdAt": lambda t, ctx, args: t.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "processedAt": lambda t, ctx, args: t.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "test": lambda t, ctx, args: False,
            "manualPaymentGateway": lambda t, ctx, args: False,
            "manuallyCapturable": lambda t, ctx, args: t.kind == "AUTHORIZATION",
            "multiCapturable": lambda t, ctx, args: False,
            "fees": lambda t, ctx, args: [],
            "parentTransaction": lambda t, ctx, args: next(
                (p for p in _order_with(ctx, t).transactions if p.id == t.parent_id), None
            ),
        },
    }


def _order_with(ctx: AdminContext, transaction: Transaction) -> Order:
    for order in ctx.world.orders.values():
        if order.shop == ctx.shop.domain and transaction in order.transactions:
            return order
    raise GraphQLError("transaction without an order")
