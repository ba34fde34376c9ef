"""The Admin API calls of the withdrawal: a fresh read of one order, a light read of many, and
`returnRequest`. The cancel itself goes through the cancel's own gateway call (`orderCancel`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.orders import OrderSnapshot
from backend.shopify import documents
from backend.shopify.client import AdminClient
from backend.shopify.gateway import _zone, snapshot
from backend.withdrawal.period import Delivery, delivered_on

ORDER_FOR_WITHDRAWAL = "OrderForWithdrawal"
ORDERS_FOR_WITHDRAWAL = "OrdersForWithdrawal"
RETURN_REQUEST = "ReturnRequest"
OPEN_RETURNS = frozenset({"REQUESTED", "OPEN"})


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class OrderedItem:
    line_item_id: str
    title: str
    quantity: int  # as ordered now (after edits)


@dataclass(frozen=True, slots=True)
class ShippedItem:
    fulfillment_line_item_id: str
    line_item_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class WithdrawalFacts:
    """What the withdrawal needs to know of one order, read fresh."""

    order: OrderSnapshot
    country: str | None
    items: tuple[OrderedItem, ...]
    shipped: tuple[ShippedItem, ...]  # from fulfilments that went out (not cancelled)
    delivered_at: datetime | None  # when the last parcel arrived; None while any is on its way
    open_returns: tuple[tuple[str, datetime | None], ...]  # (return GID, createdAt)

    @property
    def fulfilled(self) -> bool:
        return bool(self.shipped)


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """The light read for a listing: enough for `withdrawal_period`."""

    cancelled: bool
    country: str | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReturnRequested:
    return_id: str


@dataclass(frozen=True, slots=True)
class ReturnRefused:
    message: str


def _country(node: dict[str, Any]) -> str | None:
    address = node.get("shippingAddress") or {}
    code = address.get("countryCodeV2")
    return str(code) if code else None


def _deliveries(node: dict[str, Any]) -> tuple[list[Delivery], bool]:
    parcels = [
        Delivery(delivered_at=_instant(f.get("deliveredAt")))
        for f in node.get("fulfillments") or []
        if f.get("status") not in ("CANCELLED", "ERROR", "FAILURE")
    ]
    fully = node.get("displayFulfillmentStatus") == "FULFILLED"
    return parcels, fully


def facts(node: dict[str, Any]) -> WithdrawalFacts:
    order = snapshot(node)
    items = tuple(
        OrderedItem(str(n["id"]), str(n.get("title") or ""), int(n.get("currentQuantity") or 0))
        for n in (node.get("items") or {}).get("nodes") or []
    )
    shipped = tuple(
        ShippedItem(str(li["id"]), str((li.get("lineItem") or {}).get("id")), int(li["quantity"]))
        for f in node.get("fulfillments") or []
        if f.get("status") == "SUCCESS"
        for li in (f.get("fulfillmentLineItems") or {}).get("nodes") or []
    )
    parcels, fully = _deliveries(node)
    returns = tuple(
        (str(r["id"]), _instant(r.get("createdAt")))
        for r in (node.get("returns") or {}).get("nodes") or []
        if r.get("status") in OPEN_RETURNS
    )
    return WithdrawalFacts(
        order=order,
        country=_country(node),
        items=items,
        shipped=shipped,
        delivered_at=delivered_on(parcels, fully),
        open_returns=returns,
    )


class WithdrawalGateway:
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def load(self, shop: str, gid: str) -> tuple[WithdrawalFacts | None, ZoneInfo]:
        response = await self._client.request(
            shop, documents.load(ORDER_FOR_WITHDRAWAL), {"id": gid}
        )
        node = response.data.get("order")
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        return (facts(node) if node else None), tz

    async def statuses(
        self, shop: str, gids: Sequence[str]
    ) -> tuple[dict[str, OrderStatus], ZoneInfo]:
        response = await self._client.request(
            shop, documents.load(ORDERS_FOR_WITHDRAWAL), {"ids": list(gids)}
        )
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        found: dict[str, OrderStatus] = {}
        for node in response.data.get("nodes") or []:
            if not node or not node.get("id"):
                continue
            parcels, fully = _deliveries(node)
            found[str(node["id"])] = OrderStatus(
                cancelled=node.get("cancelledAt") is not None,
                country=_country(node),
                delivered_at=delivered_on(parcels, fully),
            )
        return found, tz

    async def request_return(
        self, shop: str, gid: str, items: Sequence[tuple[str, int]], note: str
    ) -> ReturnRequested | ReturnRefused:
        """Ask for the return of `items` (fulfillment line item GID, quantity)."""
        response = await self._client.request(
            shop,
            documents.load(RETURN_REQUEST),
            {
                "input": {
                    "orderId": gid,
                    "returnLineItems": [
                        {
                            "fulfillmentLineItemId": item,
                            "quantity": quantity,
                            "customerNote": note[:300],
                        }
                        for item, quantity in items
                    ],
                }
            },
            mutation=True,
        )
        payload = response.data.get("returnRequest") or {}
        errors = payload.get("userErrors") or []
        if errors or not (payload.get("return") or {}).get("id"):
            first = errors[0] if errors else {}
            return ReturnRefused(str(first.get("message") or "no return was created"))
        return ReturnRequested(str(payload["return"]["id"]))
