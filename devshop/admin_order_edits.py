"""Order editing as Shopify documents it (2026-10): `orderEditBegin`, `orderEditSetQuantity`,
`orderEditAddVariant`, `orderEditCommit`.

`orderEditBegin` opens an edit session and answers its `CalculatedOrder`: the order with the
staged changes applied but not saved. Quantity changes and added variants are staged on it
(`stagedChanges`) and nothing on the order moves until `orderEditCommit`, which applies them
as one edit (`orders/edited`, `orders/updated`), keeps the staff note and whether the customer
was notified, and answers the order. A committed session cannot be changed or committed again.

Refused as Shopify refuses them (user errors, nothing staged): an order that is cancelled, a
session that is not this shop's or already committed, a line item not on the order, a quantity
below zero or below what was already fulfilled, a variant that does not exist or is not for
sale. Money does not move here: removing items leaves `totalOutstandingSet` negative (the
customer is owed) until a `refundCreate` gives it back, as in Shopify.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from devshop import order_actions
from devshop.admin_context import AdminContext
from devshop.gids import gid, numeric_id
from devshop.order_money import ZERO, money_bag, net_payment, refunded_shipping
from devshop.records import LineItem, Order, Product, Variant
from devshop.world import World

_SESSIONS = "order_edits"


@dataclass
class AddedVariant:
    id: int  # the calculated line item's id; the line item keeps it once committed
    product: Product
    quantity: int
    variant: Variant | None = None  # None: the product's default variant


@dataclass
class EditSession:
    """One `orderEditBegin`: what is staged on the order until `orderEditCommit`."""

    id: int
    order_id: int
    shop: str
    quantities: dict[int, int] = field(default_factory=dict)  # line item id -> new quantity
    restock: dict[int, bool] = field(default_factory=dict)
    added: list[AddedVariant] = field(default_factory=list)
    committed: bool = False
    staff_note: str | None = None
    notify_customer: bool = False


@dataclass
class CalculatedLineItem:
    session: EditSession
    id: int
    title: str
    quantity: int
    quantity_before: int
    unit_price: Decimal
    fulfilled: int
    restocking: bool
    product: Product | None
    added: bool = False
    variant: Variant | None = None


def sessions(world: World) -> dict[object, object]:
    return world.extras.setdefault(_SESSIONS, {})


def session_by_gid(ctx: AdminContext, calculated_order_gid: str) -> EditSession | None:
    session_id = numeric_id(calculated_order_gid, "CalculatedOrder")
    found = sessions(ctx.world).get(session_id)
    if isinstance(found, EditSession) and found.shop == ctx.shop.domain:
        return found
    return None


def calculated_items(ctx: AdminContext, session: EditSession) -> list[CalculatedLineItem]:
    order = ctx.world.orders[session.order_id]
    items = [
        CalculatedLineItem(
            session,
            item.id,
            item.title,
            session.quantities.get(item.id, item.current_quantity),
            item.current_quantity,
            item.unit_price,
            item.fulfilled_quantity,
            session.restock.get(item.id, False),
            item.product,
            variant=item.variant,
        )
        for item in order.line_items
    ]
    items += [
        CalculatedLineItem(
            session, a.id, a.product.title, a.quantity, 0, price_of(a.product, a.variant), 0,
            False, a.product, added=True, variant=a.variant,
        )
        for a in session.added
    ]  # fmt: skip
    return items


def calculated_total(ctx: AdminContext, session: EditSession) -> Decimal:
    order = ctx.world.orders[session.order_id]
    lines = sum((i.unit_price * i.quantity for i in calculated_items(ctx, session)), ZERO)
    return lines + order.shipping_price - refunded_shipping(order)


def staged_changes(ctx: AdminContext, session: EditSession) -> list[dict[str, Any]]:
    order = ctx.world.orders[session.order_id]
    changes: list[dict[str, Any]] = []
    for item in order.line_items:
        delta = session.quantities.get(item.id, item.current_quantity) - item.current_quantity
        if delta < 0:
            changes.append(
                {
                    "__typename": "OrderStagedChangeDecrementItem",
                    "delta": -delta,
                    "lineItem": item,
                    "restock": session.restock.get(item.id, False),
                }
            )
        elif delta > 0:
            changes.append(
                {"__typename": "OrderStagedChangeIncrementItem", "delta": delta, "lineItem": item}
            )
    for added in session.added:
        changes.append(
            {
                "__typename": "OrderStagedChangeAddVariant",
                "quantity": added.quantity,
                "variant": variant(added.product, added.variant),
            }
        )
    return changes


def price_of(product: Product, chosen: Variant | None) -> Decimal:
    return chosen.price if chosen is not None else product.price


def for_sale(product: Product, chosen: Variant) -> bool:
    """Whether the variant may be sold: the product and the variant are, and it is in stock."""
    stocked = chosen.inventory is None or chosen.inventory > 0
    return product.available and chosen.available and stocked


def variant(product: Product, chosen: Variant | None = None) -> dict[str, Any]:
    """One of a product's variants (its default one if `chosen` is None), as `ProductVariant`
    fields."""
    shown = chosen or product.all_variants()[0]
    return {
        "__typename": "ProductVariant",
        "id": gid("ProductVariant", shown.id),
        "legacyResourceId": str(shown.id),
        "title": shown.title,
        "displayName": f"{product.title} - {shown.title}",
        "price": str(shown.price),
        "availableForSale": for_sale(product, shown),
        "inventoryQuantity": shown.inventory,
        "product": product,
    }


def find_variant(ctx: AdminContext, variant_gid: str) -> tuple[Product, Variant | None] | None:
    """The shop's product holding the variant, and the variant (None: the default one)."""
    wanted = numeric_id(variant_gid, "ProductVariant")
    for product in ctx.world.products.values():
        if product.shop != ctx.shop.domain:
            continue
        if product.variants:
            for candidate in product.variants:
                if candidate.id == wanted:
                    return product, candidate
        elif wanted == product.id * 10 + 1:
            return product, None
    return None


def _error(field_path: list[str], message: str) -> dict[str, Any]:
    return {"field": field_path, "message": message}


def _payload(ctx: AdminContext, session: EditSession | None, **extra: Any) -> dict[str, Any]:
    return {
        "calculatedOrder": session,
        "orderEditSession": None
        if session is None
        else {"id": gid("OrderEditSession", session.id)},
        "userErrors": [],
        **extra,
    }


def _refused(error: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"calculatedOrder": None, "orderEditSession": None, "userErrors": [error], **extra}


def order_edit_begin(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    order = ctx.order(args["id"])
    if order is None:
        return _refused(_error(["id"], "The order does not exist."))
    if order.cancelled_at is not None:
        return _refused(_error(["id"], "The order is cancelled and cannot be edited."))
    session = EditSession(ctx.world.new_id(), order.id, ctx.shop.domain)
    sessions(ctx.world)[session.id] = session
    return _payload(ctx, session)


def _open_session(ctx: AdminContext, args: dict[str, Any]) -> EditSession | dict[str, Any]:
    session = session_by_gid(ctx, args["id"])
    if session is None:
        return _error(["id"], "The calculated order does not exist.")
    if session.committed:
        return _error(["id"], "The calculated order has already been committed.")
    if ctx.world.orders[session.order_id].cancelled_at is not None:
        return _error(["id"], "The order is cancelled and cannot be edited.")
    return session


def order_edit_set_quantity(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    session = _open_session(ctx, args)
    if not isinstance(session, EditSession):
        return _refused(session, calculatedLineItem=None)
    quantity: int = args["quantity"]
    line_item_id = numeric_id(args["lineItemId"], "CalculatedLineItem")
    items = {i.id: i for i in calculated_items(ctx, session)}
    target = items.get(line_item_id) if line_item_id is not None else None
    if target is None:
        error = _error(["lineItemId"], "The line item does not exist on the calculated order.")
        return _refused(error, calculatedLineItem=None)
    if quantity < 0 or quantity < target.fulfilled:
        error = _error(
            ["quantity"],
            f"The quantity can't be lower than the fulfilled quantity ({target.fulfilled}).",
        )
        return _refused(error, calculatedLineItem=None)
    if target.added:
        for added in session.added:
            if added.id == target.id:
                added.quantity = quantity
        session.added = [a for a in session.added if a.quantity > 0]
    else:
        session.quantities[target.id] = quantity
        session.restock[target.id] = bool(args.get("restock")) and quantity < target.quantity_before
    changed = {i.id: i for i in calculated_items(ctx, session)}.get(target.id)
    return _payload(ctx, session, calculatedLineItem=changed)


def order_edit_add_variant(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    session = _open_session(ctx, args)
    if not isinstance(session, EditSession):
        return _refused(session, calculatedLineItem=None)
    found = find_variant(ctx, args["variantId"])
    if found is None:
        error = _error(["variantId"], "The variant does not exist.")
        return _refused(error, calculatedLineItem=None)
    product, chosen = found
    shown = chosen or product.all_variants()[0]
    if not for_sale(product, shown):
        error = _error(["variantId"], "The variant is not available for sale.")
        return _refused(error, calculatedLineItem=None)
    if args["quantity"] < 1:
        error = _error(["quantity"], "The quantity must be greater than 0.")
        return _refused(error, calculatedLineItem=None)
    order = ctx.world.orders[session.order_id]
    on_order = [i for i in order.line_items if i.variant_id == shown.id and i.current_quantity > 0]
    duplicate = bool(on_order) or any(
        (a.variant or a.product.all_variants()[0]).id == shown.id for a in session.added
    )
    if duplicate and not args.get("allowDuplicates"):
        error = _error(["variantId"], "The variant is already on the order.")
        return _refused(error, calculatedLineItem=None)
    added = AddedVariant(ctx.world.new_id(), product, args["quantity"], chosen)
    session.added.append(added)
    item = next(i for i in calculated_items(ctx, session) if i.id == added.id)
    return _payload(ctx, session, calculatedLineItem=item)


def order_edit_commit(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    session = _open_session(ctx, args)
    if not isinstance(session, EditSession):
        return {"order": None, "successMessages": None, "userErrors": [session]}
    note = args.get("staffNote")
    if note is not None and len(note) > 255:
        error = _error(["staffNote"], "Staff note is too long (maximum is 255 characters)")
        return {"order": None, "successMessages": None, "userErrors": [error]}
    order = ctx.world.orders[session.order_id]
    quantities = dict(session.quantities)
    for added in session.added:
        item = LineItem(
            added.id, added.product.title, added.quantity, added.product, variant=added.variant
        )
        item.unit_price = price_of(added.product, added.variant)
        item.current_quantity = 0
        order.line_items.append(item)
        quantities[item.id] = added.quantity
    _move_stock(order, session)
    order_actions.commit_order_edit(ctx.world, order, quantities, note or "")
    session.committed = True
    session.staff_note = note
    session.notify_customer = bool(args.get("notifyCustomer"))
    order.staff_note = note if note is not None else order.staff_note
    order.customer_notified = session.notify_customer or order.customer_notified
    return {"order": order, "successMessages": ["Order updated"], "userErrors": []}


def _move_stock(order: Order, session: EditSession) -> None:
    """Tracked stock follows the commit: added units leave it, removed ones come back when the
    session asked to restock them."""
    for item in order.line_items:
        product = item.product
        if product is None or item.variant_id is None:
            continue
        new = session.quantities.get(item.id, item.current_quantity)
        if new > item.current_quantity:
            product.take(item.variant_id, new - item.current_quantity)
        elif new < item.current_quantity and session.restock.get(item.id, False):
            product.take(item.variant_id, new - item.current_quantity)
    for added in session.added:
        shown = added.variant or added.product.all_variants()[0]
        added.product.take(shown.id, added.quantity)


def _calculated_order(session: EditSession, ctx: AdminContext) -> Order:
    return ctx.world.orders[session.order_id]


def _outstanding(ctx: AdminContext, session: EditSession) -> Decimal:
    order = ctx.world.orders[session.order_id]
    return calculated_total(ctx, session) - net_payment(order)


def _line_item_fields() -> dict[str, Any]:
    def bag(i: CalculatedLineItem, ctx: AdminContext, amount: Decimal) -> dict[str, Any]:
        return money_bag(ctx.world.orders[i.session.order_id], amount)

    return {
        "id": lambda i, ctx, args: gid("CalculatedLineItem", i.id),
        "title": lambda i, ctx, args: i.title,
        "quantity": lambda i, ctx, args: i.quantity,
        "editableQuantity": lambda i, ctx, args: i.quantity - i.fulfilled,
        "editableQuantityBeforeChanges": lambda i, ctx, args: i.quantity_before - i.fulfilled,
        "restocking": lambda i, ctx, args: i.restocking,
        "restockable": lambda i, ctx, args: i.product is not None,
        "hasStagedLineItemDiscount": lambda i, ctx, args: False,
        "variant": lambda i, ctx, args: (
            None if i.product is None else variant(i.product, i.variant)
        ),
        "variantTitle": lambda i, ctx, args: None,
        "sku": lambda i, ctx, args: None,
        "customAttributes": lambda i, ctx, args: [],
        "discountAllocations": lambda i, ctx, args: [],
        "calculatedDiscountAllocations": lambda i, ctx, args: [],
        "originalUnitPriceSet": lambda i, ctx, args: bag(i, ctx, i.unit_price),
        "discountedUnitPriceSet": lambda i, ctx, args: bag(i, ctx, i.unit_price),
        "editableSubtotalSet": lambda i, ctx, args: bag(
            i, ctx, i.unit_price * (i.quantity - i.fulfilled)
        ),
        "uneditableSubtotalSet": lambda i, ctx, args: bag(i, ctx, i.unit_price * i.fulfilled),
        "stagedChanges": lambda i, ctx, args: [
            c
            for c in staged_changes(ctx, i.session)
            if c.get("lineItem") is not None and c["lineItem"].id == i.id
        ],
    }


def edit_fields(connection: Any) -> dict[str, dict[str, Any]]:
    """The resolvers of the editing types, for `devshop.admin_resolvers.FIELDS`."""

    def bag(s: EditSession, ctx: AdminContext, amount: Decimal) -> dict[str, Any]:
        return money_bag(ctx.world.orders[s.order_id], amount)

    return {
        "CalculatedOrder": {
            "id": lambda s, ctx, args: gid("CalculatedOrder", s.id),
            "committed": lambda s, ctx, args: s.committed,
            "originalOrder": lambda s, ctx, args: _calculated_order(s, ctx),
            "lineItems": lambda s, ctx, args: connection(
                [i for i in calculated_items(ctx, s) if not i.added], args
            ),
            "addedLineItems": lambda s, ctx, args: connection(
                [i for i in calculated_items(ctx, s) if i.added], args
            ),
            "stagedChanges": lambda s, ctx, args: connection(staged_changes(ctx, s), args),
            "subtotalLineItemsQuantity": lambda s, ctx, args: sum(
                i.quantity for i in calculated_items(ctx, s)
            ),
            "subtotalPriceSet": lambda s, ctx, args: bag(
                s, ctx, sum((i.unit_price * i.quantity for i in calculated_items(ctx, s)), ZERO)
            ),
            "totalPriceSet": lambda s, ctx, args: bag(s, ctx, calculated_total(ctx, s)),
            "totalOutstandingSet": lambda s, ctx, args: bag(s, ctx, _outstanding(ctx, s)),
            "shippingLines": lambda s, ctx, args: [],
            "taxLines": lambda s, ctx, args: [],
            "notificationPreviewTitle": lambda s, ctx, args: "Order updated",
        },
        "CalculatedLineItem": _line_item_fields(),
    }
