"""Orders as the policy sees them, and the ids they travel under.

Shopify names an order `gid://shopify/Order/123`; themes and customers know it as `123`.
Everything inside the backend speaks GIDs; `order_gid` is the one door numbers come in by.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# The `handle` of our fulfilment hold (issue 12): with `heldByRequestingApp` it tells our hold
# from the merchant's and other apps'. Shopify allows one hold per handle per app and FO.
HOLD_HANDLE = "cancel-button-window"

_ORDER_GID = re.compile(r"gid://shopify/Order/([1-9][0-9]{0,19})")
_CUSTOMER_GID = re.compile(r"gid://shopify/Customer/([1-9][0-9]{0,19})")
_NUMBER = re.compile(r"[1-9][0-9]{0,19}")


def order_gid(value: str) -> str | None:
    """The order GID for a number or a GID, or None when `value` is neither."""
    value = value.strip()
    if _NUMBER.fullmatch(value):
        return f"gid://shopify/Order/{value}"
    if _ORDER_GID.fullmatch(value):
        return value
    return None


def customer_gid(value: str | None) -> str | None:
    """The customer GID for a number or a GID; None for empty or malformed input."""
    if not value:
        return None
    value = value.strip()
    if _NUMBER.fullmatch(value):
        return f"gid://shopify/Customer/{value}"
    if _CUSTOMER_GID.fullmatch(value):
        return value
    return None


def tag_set(values: Iterable[str]) -> frozenset[str]:
    """Tags as Shopify compares them: trimmed, case-insensitive, blanks dropped."""
    return frozenset(value.strip().casefold() for value in values if value.strip())


def legacy_id(gid: str) -> str:
    """The number at the end of a GID: `gid://shopify/Order/7` -> `7`."""
    return gid.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """What one Admin API read tells us about an order, as of that read."""

    id: str
    name: str
    customer_id: str | None
    created_at: datetime
    cancelled_at: datetime | None
    closed: bool
    financial_status: str | None
    fulfillment_status: str
    fulfillment_orders: tuple[FulfillmentOrderState, ...]
    tags: frozenset[str]
    product_tags: frozenset[str]
    risk_recommendation: str
    confirmation_number: str | None = None
    # The note of whoever cancelled it (single-order reads only): ours names our cancel.
    cancellation_note: str | None = None
    # Shopify's last change to the order: the mirror keeps only the newest snapshot.
    updated_at: datetime | None = None
    # The order's total in the shop's currency (fresh reads for a cancel only): approval mode.
    total: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class FulfillmentOrderState:
    status: str
    request_status: str
    id: str = ""
    # Holds on it: the ids of ours (our handle, placed by this app) and how many others there are
    # (the merchant's, another app's). Only other holds mean someone stopped the parcel.
    our_holds: tuple[str, ...] = ()
    other_holds: int = 0
    # Shopify's `supportedActions` (single-order reads only; None when not read). A fulfilment
    # order that supports REQUEST_FULFILLMENT is assigned to a fulfilment service's location.
    actions: frozenset[str] | None = None

    @property
    def held_only_by_us(self) -> bool:
        return self.status == "ON_HOLD" and bool(self.our_holds) and not self.other_holds
