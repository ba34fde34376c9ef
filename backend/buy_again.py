"""Buy again (issue 11): the cart link we offer, and how an order placed from it is told.

The link is a cart permalink whose cart carries one attribute, `cancel_button_buy_again`, set to
the number of the order it came from. Shopify copies a cart's attributes onto the order
(`note_attributes` in the orders/create webhook), so an order placed from our link names its
source. We count it as recovered revenue only when the source is an order our button cancelled,
wholly or in part: the customer cancelled with us, then bought again from our link. Orders from
a delivered order's link are repeat purchases, not recovered ones, and are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ATTRIBUTE = "cancel_button_buy_again"


def source_order(payload: Mapping[str, Any]) -> str | None:
    """The GID of the order a new order was bought again from, per its note attributes."""
    for attribute in payload.get("note_attributes") or []:
        if not isinstance(attribute, Mapping) or attribute.get("name") != ATTRIBUTE:
            continue
        value = str(attribute.get("value") or "").strip()
        if value.isdigit() and not value.startswith("0") and len(value) <= 20:
            return f"gid://shopify/Order/{value}"
    return None
