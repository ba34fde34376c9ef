"""`returnRequest` as Shopify documents it (2026-10), and the fields that read returns.

`returnRequest(input: {orderId, returnLineItems: [{fulfillmentLineItemId, quantity,
customerNote}]})` creates a return in status REQUESTED, which the merchant approves or
declines; it needs `write_returns`. Each line names a fulfillment line item of the order, for at
most the quantity fulfilled there less what open returns already hold (else a user error, and
nothing is created). The order then has an active return (Shopify refuses `orderCancel` on it)
and `returns/request` plus `orders/updated` go out.

A fulfilment's line items get their `FulfillmentLineItem` ids on first read: devshop's
fulfilments keep quantities per line item, and the ids only need to be stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devshop.admin_context import AdminContext
from devshop.gids import gid, numeric_id
from devshop.records import Fulfillment, LineItem, Order, Return
from devshop.world import World

OPEN_RETURNS = {"REQUESTED", "OPEN"}
NOTE_LIMIT = 300


@dataclass(frozen=True)
class FulfillmentLineItemView:
    id: int
    line_item: LineItem
    quantity: int


def fulfillment_line_items(world: World, order: Order, f: Fulfillment) -> list[Any]:
    items = {item.id: item for item in order.line_items}
    views = []
    for line_item_id, quantity in f.line_items.items():
        if line_item_id not in f.line_item_ids:
            f.line_item_ids[line_item_id] = world.new_id()
        views.append(
            FulfillmentLineItemView(f.line_item_ids[line_item_id], items[line_item_id], quantity)
        )
    return views


def _error(code: str, field: list[str], message: str) -> dict[str, Any]:
    return {"code": code, "field": field, "message": message}


def return_request(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    request = args["input"]

    def refused(error: dict[str, Any]) -> dict[str, Any]:
        return {"return": None, "userErrors": [error]}

    order = ctx.order(request["orderId"])
    if order is None:
        return refused(_error("NOT_FOUND", ["input", "orderId"], "Order does not exist."))
    shipped: dict[int, tuple[int, int]] = {}  # fulfillment line item -> (line item, quantity)
    for fulfillment in order.fulfillments:
        if fulfillment.status != "SUCCESS":
            continue
        for view in fulfillment_line_items(ctx.world, order, fulfillment):
            shipped[view.id] = (view.line_item.id, view.quantity)
    held: dict[int, int] = {}
    for existing in order.returns:
        if existing.status in OPEN_RETURNS:
            for kept, _, quantity in existing.lines:
                held[kept] = held.get(kept, 0) + quantity
    lines: list[tuple[int, int, int]] = []
    notes: list[str] = []
    items = request["returnLineItems"]
    if not items:
        return refused(
            _error("BLANK", ["input", "returnLineItems"], "Return line items can't be blank.")
        )
    for index, line in enumerate(items):
        field = ["input", "returnLineItems", str(index)]
        fli = numeric_id(line["fulfillmentLineItemId"], "FulfillmentLineItem")
        if fli is None or fli not in shipped:
            return refused(
                _error(
                    "NOT_FOUND",
                    [*field, "fulfillmentLineItemId"],
                    "Fulfillment line item does not exist.",
                )
            )
        note = line.get("customerNote") or ""
        if len(note) > NOTE_LIMIT:
            return refused(
                _error("TOO_LONG", [*field, "customerNote"], "Customer note is too long.")
            )
        quantity = int(line["quantity"])
        line_item_id, fulfilled = shipped[fli]
        if quantity < 1:
            return refused(
                _error("GREATER_THAN", [*field, "quantity"], "Quantity must be greater than 0.")
            )
        if quantity > fulfilled - held.get(fli, 0):
            return refused(
                _error(
                    "LESS_THAN_OR_EQUAL_TO",
                    [*field, "quantity"],
                    "Quantity exceeds the returnable quantity.",
                )
            )
        held[fli] = held.get(fli, 0) + quantity
        lines.append((fli, line_item_id, quantity))
        if note:
            notes.append(note)
    created = Return(
        ctx.world.new_id(), order.id, ctx.world.now(), lines, note="; ".join(notes) or None
    )
    order.returns.append(created)
    order.active_return = True
    ctx.world.touch(order)
    ctx.world.publish(order, [("returns/request", created), ("orders/updated", None)])
    return {"return": created, "userErrors": []}


def return_payload(order: Order, returned: Return) -> dict[str, Any]:
    """The `returns/request` webhook's body (REST shape, as Shopify's sample)."""
    return {
        "id": returned.id,
        "admin_graphql_api_id": gid("Return", returned.id),
        "status": returned.status.lower(),
        "name": f"{order.name}-R{order.returns.index(returned) + 1}",
        "order": {"id": order.id, "admin_graphql_api_id": gid("Order", order.id)},
        "total_return_line_items": sum(q for _, _, q in returned.lines),
        "return_line_items": [
            {
                "admin_graphql_api_id": gid("ReturnLineItem", returned.id * 100 + n),
                "quantity": quantity,
                "customer_note": returned.note,
                "fulfillment_line_item": {
                    "id": fli,
                    "admin_graphql_api_id": gid("FulfillmentLineItem", fli),
                    "line_item": {
                        "id": line_item,
                        "admin_graphql_api_id": gid("LineItem", line_item),
                    },
                },
            }
            for n, (fli, line_item, quantity) in enumerate(returned.lines)
        ],
    }
