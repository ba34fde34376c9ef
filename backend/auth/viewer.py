"""Who is asking, once a request has proven where it comes from."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Surface(enum.StrEnum):
    APP_PROXY = "app_proxy"
    CHECKOUT = "checkout"
    CUSTOMER_ACCOUNT = "customer_account"


@dataclass(frozen=True, slots=True)
class GuestOrder:
    """What a guest on the thank-you page presents: an order id and its confirmation number.

    It proves nothing by itself; the cancellation checks it against the order Shopify returns.
    """

    order_id: str  # a GID
    confirmation_number: str


@dataclass(frozen=True, slots=True)
class Viewer:
    """A verified shop and, when signed in, the customer (as a GID).

    A guest (no customer) may present one order's confirmation number instead.
    """

    shop: str
    customer_id: str | None
    surface: Surface
    guest_order: GuestOrder | None = None
