"""What an `orders/*` webhook tells about an order, as a snapshot for the mirror.

An Admin read (`OrderForCancel`, `OrdersForListing`) gives a complete snapshot. A webhook's
REST payload gives only part of one: no product tags, no fulfilment orders, no risk. `merge_rest`
lays the payload's fields over the last complete snapshot, keeping what only a read can know;
without one, the result is incomplete, and a job completes it with one Admin read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from backend.orders import OrderSnapshot, customer_gid, order_gid, tag_set

# REST's fulfillment_status -> GraphQL's displayFulfillmentStatus. REST says null for every state
# before fulfilment (unfulfilled, on hold, in progress, scheduled…); only a read tells those apart.
_REST_FULFILLMENT = {
    "partial": "PARTIALLY_FULFILLED",
    "fulfilled": "FULFILLED",
    "restocked": "RESTOCKED",
}


def rest_instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def rest_order_id(payload: Mapping[str, Any]) -> str | None:
    return order_gid(str(payload.get("admin_graphql_api_id") or payload.get("id") or ""))


def merge_rest(
    payload: Mapping[str, Any], known: OrderSnapshot | None
) -> tuple[OrderSnapshot, datetime] | None:
    """The snapshot after an `orders/*` payload, and the payload's `updated_at`.

    None when the payload is not an order we can read (no id, no creation or update time).
    What REST does not carry comes from `known`, the last snapshot, when there is one.
    """
    gid = rest_order_id(payload)
    created = rest_instant(payload.get("created_at"))
    updated = rest_instant(payload.get("updated_at")) or created
    if gid is None or created is None or updated is None:
        return None
    # Shopify's timestamps have whole seconds (REST and GraphQL alike): compare them so.
    updated = updated.replace(microsecond=0)
    customer = payload.get("customer") or {}
    rest_fulfillment = payload.get("fulfillment_status")
    if rest_fulfillment in _REST_FULFILLMENT:
        fulfillment = _REST_FULFILLMENT[rest_fulfillment]
    elif known is not None and known.fulfillment_status not in _REST_FULFILLMENT.values():
        fulfillment = known.fulfillment_status  # before fulfilment: the read knows better
    else:
        fulfillment = "UNFULFILLED"
    financial = payload.get("financial_status")
    tags = payload.get("tags")
    base = known or OrderSnapshot(
        id=gid,
        name="",
        customer_id=None,
        created_at=created,
        cancelled_at=None,
        closed=False,
        financial_status=None,
        fulfillment_status="UNFULFILLED",
        fulfillment_orders=(),
        tags=frozenset(),
        product_tags=frozenset(),
        risk_recommendation="NONE",
    )
    merged = replace(
        base,
        id=gid,
        name=str(payload.get("name") or base.name),
        customer_id=customer_gid(
            str(customer.get("admin_graphql_api_id") or customer.get("id") or "")
        ),
        created_at=created,
        cancelled_at=rest_instant(payload.get("cancelled_at")),
        closed=payload.get("closed_at") is not None,
        financial_status=financial.upper() if isinstance(financial, str) else None,
        fulfillment_status=fulfillment,
        tags=tag_set(tags.split(",")) if isinstance(tags, str) else frozenset(),
        confirmation_number=payload.get("confirmation_number") or base.confirmation_number,
        updated_at=updated,
    )
    return merged, updated
