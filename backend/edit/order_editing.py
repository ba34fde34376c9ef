"""Shopify's order editing, as the quantity edit uses it: read, begin, set, commit, settle up.

`orderEditBegin` opens a calculated order; `orderEditSetQuantity` stages the new quantity
(restocking removed units if the merchant restocks on cancel); `orderEditCommit` applies it with
our staff note. Nothing on the order moves before the commit. The money follows from the order's
`totalOutstandingSet` afterwards: negative, the customer is owed that much (a `refundCreate` with
`@idempotent`); positive, they owe it, and `paymentCollectionDetails` has the link to pay.

A calculated line item carries the number of the line item it stands for
(`gid://shopify/CalculatedLineItem/N` for `gid://shopify/LineItem/N`), as Shopify's own examples
show and devshop does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from backend.orders import OrderSnapshot, legacy_id
from backend.shopify import documents
from backend.shopify.client import AdminClient
from backend.shopify.gateway import _zone, snapshot


@dataclass(frozen=True, slots=True)
class VariantOption:
    id: str  # the ProductVariant GID
    title: str  # "M"
    price: Decimal
    stock: int | None  # inventoryQuantity; None: not tracked
    for_sale: bool

    def has(self, units: int) -> bool:
        return self.for_sale and (self.stock is None or self.stock >= units)


@dataclass(frozen=True, slots=True)
class EditableItem:
    id: str  # the LineItem GID
    title: str
    quantity: int  # currentQuantity
    unfulfilled: int
    unit_price: Decimal  # in the shop's currency
    stock: int | None  # the variant's inventoryQuantity; None: not tracked or no variant
    for_sale: bool
    variant_id: str | None = None
    variant_title: str | None = None
    options: tuple[VariantOption, ...] = ()  # the product's variants, this one included

    def option(self, variant_gid: str) -> VariantOption | None:
        return next((o for o in self.options if o.id == variant_gid), None)


@dataclass(frozen=True, slots=True)
class ItemRead:
    order: OrderSnapshot
    tz: ZoneInfo
    currency: str
    items: tuple[EditableItem, ...]

    def item(self, gid: str) -> EditableItem | None:
        return next((item for item in self.items if item.id == gid), None)


@dataclass(frozen=True, slots=True)
class Balance:
    outstanding: Decimal  # positive: the customer owes it; negative: they are owed it
    currency: str
    payment_url: str | None
    # Successful sales and captures, newest first: (transaction GID, gateway).
    payments: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class EditRejected:
    step: str  # "begin", "set", "commit", "refund"
    message: str


def calculated_line_item(line_item_gid: str) -> str:
    return f"gid://shopify/CalculatedLineItem/{legacy_id(line_item_gid)}"


def _errors(payload: dict[str, Any], step: str) -> EditRejected | None:
    errors = payload.get("userErrors") or []
    if errors:
        return EditRejected(step, str(errors[0].get("message")))
    return None


class OrderEditing:
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def read(self, shop: str, gid: str) -> ItemRead | None:
        response = await self._client.request(
            shop, documents.load(documents.ORDER_FOR_ITEM_EDIT), {"id": gid}
        )
        node = response.data.get("order")
        if not node:
            return None
        items = []
        for item in node["editable"]["nodes"]:
            variant = item.get("variant") or {}
            product = item.get("product") or {}
            options = tuple(
                VariantOption(
                    id=v["id"],
                    title=v["title"],
                    price=Decimal(v["price"]),
                    stock=v.get("inventoryQuantity"),
                    for_sale=bool(v.get("availableForSale")),
                )
                for v in (product.get("variants") or {}).get("nodes") or []
            )
            items.append(
                EditableItem(
                    id=item["id"],
                    title=item["title"],
                    quantity=int(item["currentQuantity"]),
                    unfulfilled=int(item["unfulfilledQuantity"]),
                    unit_price=Decimal(item["originalUnitPriceSet"]["shopMoney"]["amount"]),
                    stock=variant.get("inventoryQuantity"),
                    for_sale=bool(variant.get("availableForSale", False)),
                    variant_id=variant.get("id"),
                    variant_title=variant.get("title"),
                    options=options,
                )
            )
        return ItemRead(
            order=snapshot(node),
            tz=_zone((response.data.get("shop") or {}).get("ianaTimezone")),
            currency=str(node["currencyCode"]),
            items=tuple(items),
        )

    async def set_quantity(
        self,
        shop: str,
        gid: str,
        line_item: str,
        quantity: int,
        *,
        restock: bool,
        staff_note: str,
        notify: bool,
    ) -> EditRejected | None:
        """Begin, stage the quantity, commit: None once Shopify committed it."""
        begun = await self._client.request(
            shop, documents.load(documents.ORDER_EDIT_BEGIN), {"id": gid}, mutation=True
        )
        payload = begun.data.get("orderEditBegin") or {}
        rejected = _errors(payload, "begin")
        calculated = (payload.get("calculatedOrder") or {}).get("id")
        if rejected or not calculated:
            return rejected or EditRejected("begin", "no calculated order")
        staged = await self._client.request(
            shop,
            documents.load(documents.ORDER_EDIT_SET_QUANTITY),
            {
                "id": calculated,
                "lineItemId": calculated_line_item(line_item),
                "quantity": quantity,
                "restock": restock,
            },
            mutation=True,
        )
        rejected = _errors(staged.data.get("orderEditSetQuantity") or {}, "set")
        if rejected:
            return rejected
        committed = await self._client.request(
            shop,
            documents.load(documents.ORDER_EDIT_COMMIT),
            {"id": calculated, "notifyCustomer": notify, "staffNote": staff_note},
            mutation=True,
        )
        return _errors(committed.data.get("orderEditCommit") or {}, "commit")

    async def swap_variant(
        self,
        shop: str,
        gid: str,
        line_item: str,
        variant: str,
        quantity: int,
        *,
        restock: bool,
        staff_note: str,
        notify: bool,
    ) -> EditRejected | None:
        """Begin, add `quantity` of `variant`, take the line item to 0, commit: None once Shopify
        committed it."""
        begun = await self._client.request(
            shop, documents.load(documents.ORDER_EDIT_BEGIN), {"id": gid}, mutation=True
        )
        payload = begun.data.get("orderEditBegin") or {}
        rejected = _errors(payload, "begin")
        calculated = (payload.get("calculatedOrder") or {}).get("id")
        if rejected or not calculated:
            return rejected or EditRejected("begin", "no calculated order")
        added = await self._client.request(
            shop,
            documents.load(documents.ORDER_EDIT_ADD_VARIANT),
            {"id": calculated, "variantId": variant, "quantity": quantity},
            mutation=True,
        )
        rejected = _errors(added.data.get("orderEditAddVariant") or {}, "add")
        if rejected:
            return rejected
        removed = await self._client.request(
            shop,
            documents.load(documents.ORDER_EDIT_SET_QUANTITY),
            {
                "id": calculated,
                "lineItemId": calculated_line_item(line_item),
                "quantity": 0,
                "restock": restock,
            },
            mutation=True,
        )
        rejected = _errors(removed.data.get("orderEditSetQuantity") or {}, "set")
        if rejected:
            return rejected
        committed = await self._client.request(
            shop,
            documents.load(documents.ORDER_EDIT_COMMIT),
            {"id": calculated, "notifyCustomer": notify, "staffNote": staff_note},
            mutation=True,
        )
        return _errors(committed.data.get("orderEditCommit") or {}, "commit")

    async def balance(self, shop: str, gid: str) -> Balance:
        response = await self._client.request(
            shop, documents.load(documents.ORDER_BALANCE), {"id": gid}
        )
        node = response.data.get("order") or {}
        money = node["totalOutstandingSet"]["shopMoney"]
        payments = [
            (t["id"], str(t.get("gateway") or ""))
            for t in node.get("transactions") or []
            if t["kind"] in {"SALE", "CAPTURE"} and t["status"] == "SUCCESS"
        ]
        return Balance(
            outstanding=Decimal(money["amount"]),
            currency=str(money["currencyCode"]),
            payment_url=(node.get("paymentCollectionDetails") or {}).get(
                "additionalPaymentCollectionUrl"
            ),
            payments=tuple(reversed(payments)),
        )

    async def refund(
        self,
        shop: str,
        gid: str,
        amount: Decimal,
        currency: str,
        *,
        key: str,
        to: Sequence[tuple[str, str]] | None,
        note: str,
    ) -> EditRejected | None:
        """Give `amount` back, to the payment `to` (transaction, gateway) or, with None, as store
        credit. `key` comes from our record: a retry with it moves no money twice."""
        refund: dict[str, Any] = {"orderId": gid, "note": note, "notify": True}
        if to:
            parent, gateway = to[0]
            refund["transactions"] = [
                {
                    "orderId": gid,
                    "parentId": parent,
                    "amount": str(amount),
                    "gateway": gateway,
                    "kind": "REFUND",
                }
            ]
        else:
            refund["refundMethods"] = [
                {"storeCreditRefund": {"amount": {"amount": str(amount), "currencyCode": currency}}}
            ]
        response = await self._client.request(
            shop,
            documents.load(documents.REFUND_CREATE),
            {"input": refund, "idempotencyKey": key},
            mutation=True,
        )
        return _errors(response.data.get("refundCreate") or {}, "refund")
