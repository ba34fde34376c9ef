"""What the refund steps ask of Shopify: an order's lines and money, and `refundCreate`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from backend.fees import Money
from backend.orders import OrderSnapshot, tag_set
from backend.shopify import documents
from backend.shopify.client import AdminClient, AdminRequestFailed
from backend.shopify.gateway import _zone, snapshot

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class OrderLine:
    id: str  # LineItem GID
    title: str
    quantity: int  # what is left of it on the order (currentQuantity)
    unfulfilled: int
    product_tags: frozenset[str]
    variant_id: str | None
    available: bool  # the variant is still for sale
    unit_price: Money  # after its discounts
    ordered: int = 0  # as ordered, before edits, refunds and a cancel


@dataclass(frozen=True, slots=True)
class OrderLines:
    """One fresh read: the policy's snapshot, the lines, and the money."""

    order: OrderSnapshot
    tz: ZoneInfo
    lines: tuple[OrderLine, ...]
    shop_currency: str
    presentment_currency: str
    shipping_country: str | None
    net_payment: Money
    payment: tuple[str, str] | None  # (transaction GID, gateway) of the sale to refund against
    suggested: Money  # Shopify's suggested refund for the lines asked about

    def line(self, gid: str) -> OrderLine | None:
        return next((line for line in self.lines if line.id == gid), None)


@dataclass(frozen=True, slots=True)
class RefundMade:
    refund_id: str


@dataclass(frozen=True, slots=True)
class RefundRefused:
    message: str


def _money(bag: dict[str, Any] | None) -> Money:
    bag = bag or {}
    shop = Decimal(str((bag.get("shopMoney") or {}).get("amount") or "0"))
    presentment = Decimal(str((bag.get("presentmentMoney") or {}).get("amount") or shop))
    return Money(shop, presentment)


def _line(node: dict[str, Any]) -> OrderLine:
    variant = node.get("variant") or {}
    return OrderLine(
        id=node["id"],
        title=node.get("title") or "",
        quantity=int(node.get("currentQuantity") or 0),
        unfulfilled=int(node.get("unfulfilledQuantity") or 0),
        product_tags=tag_set((node.get("product") or {}).get("tags") or []),
        variant_id=variant.get("id"),
        available=bool(variant.get("availableForSale")),
        unit_price=_money(node.get("discountedUnitPriceSet")),
        ordered=int(node.get("quantity") or 0),
    )


class RefundGateway:
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def load_lines(
        self, shop: str, gid: str, chosen: Sequence[tuple[str, int]] = ()
    ) -> OrderLines | None:
        variables: dict[str, Any] = {
            "id": gid,
            "refundLineItems": [
                {"lineItemId": line, "quantity": quantity, "restockType": "CANCEL"}
                for line, quantity in chosen
            ],
        }
        try:
            response = await self._client.request(
                shop, documents.load(documents.ORDER_LINES), variables
            )
        except AdminRequestFailed:
            if not chosen:
                raise
            # Shopify refuses to suggest a refund for lines not on the order: read the order
            # without one, and let the rules name the bad line (nothing is refunded then).
            return await self.load_lines(shop, gid)
        node = response.data.get("order")
        if not node:
            return None
        shop_node = response.data.get("shop") or {}
        payments = [
            t
            for t in node.get("transactions") or []
            if t.get("kind") in {"SALE", "CAPTURE"} and t.get("status") == "SUCCESS"
        ]
        suggested = (node.get("suggestedRefund") or {}).get("amountSet")
        return OrderLines(
            order=snapshot(node),
            tz=_zone(shop_node.get("ianaTimezone")),
            lines=tuple(_line(item) for item in node["lineItems"]["nodes"]),
            shop_currency=node.get("currencyCode") or shop_node.get("currencyCode") or "USD",
            presentment_currency=node.get("presentmentCurrencyCode")
            or node.get("currencyCode")
            or "USD",
            shipping_country=(node.get("shippingAddress") or {}).get("countryCodeV2"),
            net_payment=_money(node.get("netPaymentSet")),
            payment=(payments[0]["id"], payments[0]["gateway"]) if payments else None,
            suggested=_money(suggested) if chosen else Money(ZERO, ZERO),
        )

    async def create_refund(
        self, shop: str, refund_input: dict[str, Any], key: str
    ) -> RefundMade | RefundRefused:
        """`refundCreate` with `@idempotent(key:)`. Raises `ShopifyUnavailable` (or its
        `AmbiguousOutcome`) when Shopify's answer did not arrive: retry with the same key."""
        response = await self._client.request(
            shop,
            documents.load(documents.REFUND_CREATE),
            {"input": refund_input, "idempotencyKey": key},
            mutation=True,
        )
        payload = response.data.get("refundCreate") or {}
        errors = payload.get("userErrors") or []
        if errors or not payload.get("refund"):
            message = str(errors[0].get("message")) if errors else "no refund"
            return RefundRefused(message)
        return RefundMade(str(payload["refund"]["id"]))
