"""What the backend asks of Shopify, in its own words: load orders, cancel one, check a job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.edit.zones import ShippingZone
from backend.orders import HOLD_HANDLE, FulfillmentOrderState, OrderSnapshot, tag_set
from backend.policy import DEFAULT_STAFF_NOTE_FORMAT, RefundMethod, ShopPolicy
from backend.shopify import documents
from backend.shopify.client import AdminClient, AdminRequestFailed

STAFF_NOTE_LIMIT = 255


@dataclass(frozen=True, slots=True)
class CancelAccepted:
    job_id: str | None
    done: bool


@dataclass(frozen=True, slots=True)
class CancelRejected:
    code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class HoldPlaced:
    hold_id: str


@dataclass(frozen=True, slots=True)
class HoldRefused:
    code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class UpdateRejected:
    field: str | None
    message: str


def shipping_zones(data: dict[str, Any]) -> list[ShippingZone]:
    """The zones of the shop's default delivery profile (of the first read, if none is marked
    default), from an OrderForAddressEdit answer."""
    profiles = (data.get("deliveryProfiles") or {}).get("nodes") or []
    chosen = next((p for p in profiles if p.get("default")), profiles[0] if profiles else None)
    zones: list[ShippingZone] = []
    for group in (chosen or {}).get("profileLocationGroups") or []:
        for link in group["locationGroupZones"]["nodes"]:
            zone = link["zone"]
            codes = [country["code"] for country in zone["countries"]]
            zones.append(
                ShippingZone(
                    name=zone["name"],
                    countries=frozenset(c["countryCode"] for c in codes if c.get("countryCode")),
                    rest_of_world=any(c.get("restOfWorld") for c in codes),
                )
            )
    return zones


def _timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _ours(hold: dict[str, Any]) -> bool:
    return bool(hold.get("heldByRequestingApp")) and hold.get("handle") == HOLD_HANDLE


def fulfillment_order_state(node: dict[str, Any]) -> FulfillmentOrderState:
    holds = node.get("fulfillmentHolds") or []
    return FulfillmentOrderState(
        status=node["status"],
        request_status=node["requestStatus"],
        id=node.get("id") or "",
        our_holds=tuple(hold["id"] for hold in holds if _ours(hold)),
        other_holds=sum(1 for hold in holds if not _ours(hold)),
        actions=(
            frozenset(a["action"] for a in node["supportedActions"])
            if "supportedActions" in node
            else None
        ),
    )


def snapshot(node: dict[str, Any]) -> OrderSnapshot:
    """An `OrderEligibility` node (with line items and fulfilment orders) as a snapshot."""
    created_at = _timestamp(node["createdAt"])
    if created_at is None:
        raise AdminRequestFailed("order without createdAt")
    product_tags: set[str] = set()
    for item in node["lineItems"]["nodes"]:
        if item.get("product"):
            product_tags.update(tag_set(item["product"]["tags"]))
    return OrderSnapshot(
        id=node["id"],
        name=node["name"],
        customer_id=(node.get("customer") or {}).get("id"),
        created_at=created_at,
        cancelled_at=_timestamp(node.get("cancelledAt")),
        closed=bool(node["closed"]),
        financial_status=node.get("displayFinancialStatus"),
        fulfillment_status=node["displayFulfillmentStatus"],
        fulfillment_orders=tuple(
            fulfillment_order_state(fo) for fo in node["fulfillmentOrders"]["nodes"]
        ),
        tags=tag_set(node["tags"]),
        product_tags=frozenset(product_tags),
        risk_recommendation=(node.get("risk") or {}).get("recommendation") or "NONE",
        confirmation_number=node.get("confirmationNumber"),
        cancellation_note=(node.get("cancellation") or {}).get("staffNote"),
        updated_at=_timestamp(node.get("updatedAt")),
        total=_amount(node),
        currency=((node.get("totalPriceSet") or {}).get("shopMoney") or {}).get("currencyCode"),
    )


def _amount(node: dict[str, Any]) -> Decimal | None:
    money = (node.get("totalPriceSet") or {}).get("shopMoney") or {}
    return Decimal(str(money["amount"])) if money.get("amount") is not None else None


# How many fulfilment orders OrdersForListing reads of each order (`fulfillmentOrders(first: 2)`;
# with their holds, a third would take 50 orders past the 1000-point query limit).
LISTED_FULFILLMENT_ORDERS = 2


def _read_whole(node: dict[str, Any], fulfillment_orders_read: int) -> bool:
    """Whether a read saw every line item and fulfilment order of the order."""
    more_items = node["lineItems"].get("pageInfo", {}).get("hasNextPage", False)
    return not more_items and len(node["fulfillmentOrders"]["nodes"]) < fulfillment_orders_read


def staff_note(
    reason_label: str,
    note: str | None,
    template: str = DEFAULT_STAFF_NOTE_FORMAT,
    code: str = "",
) -> str:
    """The customer's reason and note, as the merchant reads them on the order (255 max).

    The merchant's `template` is filled by plain replacement, never `str.format`: a template is
    data, and format strings can reach attributes.
    """
    quoted = f'"{note}"' if note else ""
    text = (
        template.replace("{reason}", reason_label).replace("{code}", code).replace("{note}", quoted)
    ).strip()
    if len(text) > STAFF_NOTE_LIMIT:
        text = text[: STAFF_NOTE_LIMIT - 1] + "…"
    return text


def refund_method(policy: ShopPolicy) -> dict[str, Any]:
    if policy.refund_method is RefundMethod.STORE_CREDIT:
        # No expiry: Shopify's store credit stays until used unless the merchant sets one.
        return {"storeCreditRefund": {}}
    return {"originalPaymentMethodsRefund": True}


class AdminGateway:
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def load_order(self, shop: str, gid: str) -> tuple[OrderSnapshot | None, ZoneInfo]:
        response = await self._client.request(
            shop, documents.load(documents.ORDER_FOR_CANCEL), {"id": gid}
        )
        node = response.data.get("order")
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        return (snapshot(node) if node else None), tz

    async def load_orders(
        self, shop: str, gids: Sequence[str]
    ) -> tuple[dict[str, OrderSnapshot], set[str], ZoneInfo]:
        """The orders among `gids` that exist, in one request, and which of them were read in
        full (the listing reads the first few line items and fulfilment orders of each)."""
        response = await self._client.request(
            shop, documents.load(documents.ORDERS_FOR_LISTING), {"ids": list(gids)}
        )
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        nodes = [
            node
            for node in response.data.get("nodes") or []
            # nodes() answers null for unknown ids, and an empty object for ids of another type.
            if node and node.get("id")
        ]
        orders = {node["id"]: snapshot(node) for node in nodes}
        whole = {node["id"] for node in nodes if _read_whole(node, LISTED_FULFILLMENT_ORDERS)}
        return orders, whole, tz

    async def load_order_of_fulfillment_order(
        self, shop: str, fulfillment_order: str
    ) -> tuple[OrderSnapshot | None, ZoneInfo]:
        response = await self._client.request(
            shop,
            documents.load(documents.ORDER_BY_FULFILLMENT_ORDER),
            {"id": fulfillment_order},
        )
        node = (response.data.get("fulfillmentOrder") or {}).get("order")
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        return (snapshot(node) if node else None), tz

    async def cancel_order(
        self, shop: str, gid: str, policy: ShopPolicy, note: str, *, refund: bool = True
    ) -> CancelAccepted | CancelRejected:
        """`refund=False`: cancel without refunding (a fee is kept; the refund follows)."""
        response = await self._client.request(
            shop,
            documents.load(documents.ORDER_CANCEL),
            {
                "orderId": gid,
                "restock": policy.restock,
                "refundMethod": refund_method(policy) if refund else None,
                "notifyCustomer": policy.notify_customer,
                "staffNote": note,
            },
            mutation=True,
        )
        payload = response.data.get("orderCancel") or {}
        errors = payload.get("orderCancelUserErrors") or []
        if errors:
            first = errors[0]
            return CancelRejected(code=first.get("code"), message=str(first.get("message")))
        job = payload.get("job") or {}
        return CancelAccepted(job_id=job.get("id"), done=bool(job.get("done")))

    # Edits (issue 13) ---------------------------------------------------------------------

    async def load_order_for_address_edit(
        self, shop: str, gid: str
    ) -> tuple[OrderSnapshot | None, ZoneInfo, str | None, list[ShippingZone]]:
        """The order, the shop's zone, the order's shipping country and the shop's shipping
        zones, in one request."""
        response = await self._client.request(
            shop, documents.load(documents.ORDER_FOR_ADDRESS_EDIT), {"id": gid}
        )
        node = response.data.get("order")
        tz = _zone((response.data.get("shop") or {}).get("ianaTimezone"))
        country = ((node or {}).get("shippingAddress") or {}).get("countryCodeV2")
        return (snapshot(node) if node else None), tz, country, shipping_zones(response.data)

    async def update_shipping_address(
        self, shop: str, gid: str, address: dict[str, str]
    ) -> UpdateRejected | None:
        """Overwrite the order's shipping address; None when Shopify did."""
        response = await self._client.request(
            shop,
            documents.load(documents.ORDER_UPDATE_SHIPPING_ADDRESS),
            {"input": {"id": gid, "shippingAddress": address}},
            mutation=True,
        )
        payload = response.data.get("orderUpdate") or {}
        errors = payload.get("userErrors") or []
        if errors or not payload.get("order"):
            first = errors[0] if errors else {}
            field = first.get("field") or []
            return UpdateRejected(
                field=str(field[-1]) if field else None,
                message=str(first.get("message") or "Shopify did not update the order."),
            )
        shown = payload["order"].get("shippingAddress") or {}
        sent = (address.get("address1"), address.get("zip"), address.get("countryCode"))
        if (shown.get("address1"), shown.get("zip"), shown.get("countryCodeV2")) != sent:
            return UpdateRejected(field="shippingAddress", message="the address did not change")
        return None

    async def job_done(self, shop: str, job_id: str) -> bool:
        response = await self._client.request(
            shop, documents.load(documents.JOB_STATUS), {"id": job_id}
        )
        return bool((response.data.get("job") or {}).get("done"))

    # Fulfilment holds (issue 12) ---------------------------------------------------------------

    async def hold_fulfillment_order(
        self, shop: str, fulfillment_order: str, *, handle: str, notes: str
    ) -> HoldPlaced | HoldRefused:
        response = await self._client.request(
            shop,
            documents.load(documents.FULFILLMENT_ORDER_HOLD),
            {
                "id": fulfillment_order,
                "fulfillmentHold": {
                    "reason": "OTHER",
                    "handle": handle,
                    "notifyMerchant": False,
                    "reasonNotes": notes,
                },
            },
            mutation=True,
        )
        payload = response.data.get("fulfillmentOrderHold") or {}
        errors = payload.get("userErrors") or []
        hold = payload.get("fulfillmentHold") or {}
        if errors or not hold.get("id"):
            first = errors[0] if errors else {}
            return HoldRefused(code=first.get("code"), message=str(first.get("message")))
        return HoldPlaced(hold_id=str(hold["id"]))

    async def flow_trigger_receive(
        self, shop: str, handle: str, payload: dict[str, Any]
    ) -> str | None:
        """Start the shop's workflows for trigger `handle`; None when Flow took it, else why not."""
        response = await self._client.request(
            shop,
            documents.load(documents.FLOW_TRIGGER_RECEIVE),
            {"handle": handle, "payload": payload},
            mutation=True,
        )
        errors = (response.data.get("flowTriggerReceive") or {}).get("userErrors") or []
        return "; ".join(str(e.get("message")) for e in errors) or None

    async def release_holds(
        self, shop: str, fulfillment_order: str, hold_ids: Sequence[str]
    ) -> HoldRefused | None:
        """Release exactly `hold_ids` on the fulfilment order; None when Shopify did."""
        response = await self._client.request(
            shop,
            documents.load(documents.FULFILLMENT_ORDER_RELEASE_HOLD),
            {"id": fulfillment_order, "holdIds": list(hold_ids)},
            mutation=True,
        )
        payload = response.data.get("fulfillmentOrderReleaseHold") or {}
        errors = payload.get("userErrors") or []
        if errors:
            return HoldRefused(code=errors[0].get("code"), message=str(errors[0].get("message")))
        return None
