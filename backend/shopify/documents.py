"""The Admin API documents we send, read once from the `.graphql` files beside this module.

A document names the fragments it spreads; `load` appends them, so each file stays readable
on its own and a contract test can validate exactly the text that goes over the wire.
"""

from __future__ import annotations

import re
from functools import cache

from backend.shopify import DOCUMENTS_DIR

_SPREAD = re.compile(r"\.\.\.([A-Z]\w*)")


@cache
def _fragment(name: str) -> str:
    return (DOCUMENTS_DIR / f"{name}.fragment.graphql").read_text()


@cache
def load(name: str) -> str:
    """The full text of document `name`, with every fragment it uses."""
    text = (DOCUMENTS_DIR / f"{name}.graphql").read_text()
    seen: list[str] = []
    pending = _SPREAD.findall(text)
    while pending:
        fragment = pending.pop()
        if fragment not in seen:
            seen.append(fragment)
            pending.extend(_SPREAD.findall(_fragment(fragment)))
    return "\n".join([text, *(_fragment(fragment) for fragment in seen)])


def names() -> list[str]:
    """Every document the backend can send (fragments are parts, not documents)."""
    return sorted(
        path.name.removesuffix(".graphql")
        for path in DOCUMENTS_DIR.glob("*.graphql")
        if not path.name.endswith(".fragment.graphql")
    )


ORDER_FOR_CANCEL = "OrderForCancel"
ORDERS_FOR_LISTING = "OrdersForListing"
ORDER_BY_FULFILLMENT_ORDER = "OrderByFulfillmentOrder"
ORDER_CANCEL = "OrderCancel"
JOB_STATUS = "JobStatus"
FULFILLMENT_ORDER_HOLD = "FulfillmentOrderHold"
FULFILLMENT_ORDER_RELEASE_HOLD = "FulfillmentOrderReleaseHold"
ORDER_FOR_ADDRESS_EDIT = "OrderForAddressEdit"
ORDER_UPDATE_SHIPPING_ADDRESS = "OrderUpdateShippingAddress"
ORDER_EDIT_BEGIN = "OrderEditBegin"
ORDER_EDIT_SET_QUANTITY = "OrderEditSetQuantity"
ORDER_EDIT_ADD_VARIANT = "OrderEditAddVariant"
ORDER_EDIT_COMMIT = "OrderEditCommit"
REFUND_CREATE = "RefundCreate"
ORDER_REFUNDS = "OrderRefunds"
ORDER_LINES = "OrderLines"
ORDER_FOR_ITEM_EDIT = "OrderForItemEdit"
ORDER_BALANCE = "OrderBalance"
FLOW_TRIGGER_RECEIVE = "FlowTriggerReceive"
