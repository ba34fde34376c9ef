"""`orderUpdate` as Shopify documents it (2026-10), for what the app sends: the shipping address.

"Overwrites the existing shipping address": the fields given replace the whole address, and a
field left out is gone. The order's other attributes (email, tags, note, metafields...) are not
modelled: a request for them fails loudly rather than pretending. The change moves the order's
`updated_at` on and sends `orders/updated`, as Shopify does.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from devshop import order_actions
from devshop.admin_context import AdminContext

MODELLED = {"id", "shippingAddress"}
# MailingAddressInput's fields kept on the order (countryCode is kept as the order's country).
ADDRESS_FIELDS = (
    "firstName",
    "lastName",
    "company",
    "address1",
    "address2",
    "city",
    "provinceCode",
    "zip",
    "phone",
)


def order_update(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    given = args["input"]
    unmodelled = sorted(set(given) - MODELLED)
    if unmodelled:
        raise GraphQLError(
            f"devshop does not model orderUpdate's {', '.join(unmodelled)}",
            extensions={"code": "DEVSHOP_NOT_MODELLED"},
        )
    order = ctx.order(given["id"])
    if order is None:
        return {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}
    address = given.get("shippingAddress")
    if address is not None:
        kept = {name: str(address[name]) for name in ADDRESS_FIELDS if address.get(name)}
        order_actions.update_shipping_address(ctx.world, order, address.get("countryCode"), kept)
    return {"order": order, "userErrors": []}
