"""How the Admin schema's fields read the world: one table per GraphQL type.

The schema comes from Shopify's introspection and carries no resolvers, so `resolve_field`
looks each field up here by its parent type. Payload objects are plain dicts keyed by field
name. A field the world does not model resolves to null where the schema allows it and fails
loudly where it does not: devshop would rather error than make up a value Shopify never sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLAbstractType, GraphQLError, GraphQLResolveInfo, is_non_null_type
from graphql.execution.values import get_directive_values

from devshop.admin_app_installation import (
    AppInstallation,
    app_metafield,
    metafields_set,
    orders_count,
)
from devshop.admin_context import AdminContext
from devshop.admin_delivery_profiles import (
    DeliveryProfile,
    LocationGroup,
    countries,
    delivery_profiles,
)
from devshop.admin_flow_triggers import flow_trigger_receive
from devshop.admin_fulfillment_holds import (
    fulfillment_order_hold,
    fulfillment_order_release_hold,
    supported_actions,
)
from devshop.admin_order_cancel import order_cancel
from devshop.admin_order_edits import (
    CalculatedLineItem,
    EditSession,
    edit_fields,
    find_variant,
    order_edit_add_variant,
    order_edit_begin,
    order_edit_commit,
    order_edit_set_quantity,
)
from devshop.admin_order_edits import variant as product_variant
from devshop.admin_order_update import order_update
from devshop.admin_refunds import refund_create, refund_fields, suggested_refund
from devshop.admin_returns import FulfillmentLineItemView, fulfillment_line_items, return_request
from devshop.gids import gid, numeric_id
from devshop.order_money import (
    ZERO,
    capturable,
    current_total,
    money_bag,
    net_payment,
    outstanding,
    received,
    refunded,
    refunded_shipping,
    subtotal,
)
from devshop.records import Return
from devshop.world import (
    Customer,
    Fulfillment,
    FulfillmentEvent,
    FulfillmentHold,
    FulfillmentOrder,
    Job,
    LineItem,
    Metafield,
    Order,
    Product,
    Refund,
    ShippingZone,
    Shop,
    Transaction,
)

Resolver = Callable[[Any, AdminContext, dict[str, Any]], Any]


class Root:
    """The root value: also what `Job.query` returns once the job is done."""


ROOT = Root()


def resolve_field(source: Any, info: GraphQLResolveInfo[AdminContext], **args: Any) -> Any:
    if isinstance(source, Mapping):
        if info.field_name in source:
            return source[info.field_name]
    else:
        resolver = FIELDS.get(info.parent_type.name, {}).get(info.field_name)
        if resolver is not None:
            # Only the arguments the document gave: those left to a schema default are not
            # a request for something devshop may not model.
            written = {argument.name.value for argument in info.field_nodes[0].arguments or ()}
            given = {k: v for k, v in args.items() if k in written}
            if info.parent_type.name == "Mutation":
                directive = info.schema.get_directive("idempotent")
                found = (
                    get_directive_values(directive, info.field_nodes[0], info.variable_values)
                    if directive is not None
                    else None
                )
                info.context.idempotency_key = str(found["key"]) if found else None
            return resolver(source, info.context, given)
    if is_non_null_type(info.return_type):
        raise GraphQLError(
            f"devshop does not model {info.parent_type.name}.{info.field_name}",
            extensions={"code": "DEVSHOP_NOT_MODELLED"},
        )
    return None


_TYPE_NAMES: dict[type, str] = {
    Order: "Order",
    Customer: "Customer",
    Product: "Product",
    LineItem: "LineItem",
    FulfillmentOrder: "FulfillmentOrder",
    FulfillmentHold: "FulfillmentHold",
    Fulfillment: "Fulfillment",
    FulfillmentEvent: "FulfillmentEvent",
    Shop: "Shop",
    Job: "Job",
    Return: "Return",
    FulfillmentLineItemView: "FulfillmentLineItem",
    AppInstallation: "AppInstallation",
    Metafield: "Metafield",
    DeliveryProfile: "DeliveryProfile",
    ShippingZone: "DeliveryZone",
    EditSession: "CalculatedOrder",
    CalculatedLineItem: "CalculatedLineItem",
    Refund: "Refund",
    Transaction: "OrderTransaction",
}


def resolve_type(
    value: Any, info: GraphQLResolveInfo[AdminContext], abstract_type: GraphQLAbstractType
) -> str:
    if isinstance(value, Mapping):
        return str(value["__typename"])
    return _TYPE_NAMES[type(value)]


def datetime_value(value: datetime | None) -> str | None:
    """Shopify's DateTime: UTC, whole seconds, `Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def connection(items: Sequence[Any], args: dict[str, Any]) -> dict[str, Any]:
    """A Relay connection over `items`; cursors are opaque offsets."""
    unsupported = sorted(k for k, v in args.items() if v is not None and k not in _PAGING)
    if unsupported:
        raise GraphQLError(f"devshop does not model the argument(s) {', '.join(unsupported)}")
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    indexed = list(enumerate(items))
    if args.get("reverse"):
        indexed.reverse()
    if (after := args.get("after")) is not None:
        indexed = [(i, x) for i, x in indexed if i > _offset(after)]
    if (before := args.get("before")) is not None:
        indexed = [(i, x) for i, x in indexed if i < _offset(before)]
    page = indexed[: max(first, 0)] if first is not None else indexed
    if last is not None:
        page = page[max(len(page) - last, 0) :]
    edges = [{"cursor": _cursor(i), "node": item} for i, item in page]
    return {
        "edges": edges,
        "nodes": [item for _, item in page],
        "pageInfo": {
            "hasNextPage": bool(page) and page[-1][0] != indexed[-1][0],
            "hasPreviousPage": bool(page) and page[0][0] != indexed[0][0],
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


_PAGING = {"first", "last", "after", "before", "reverse"}


def _cursor(index: int) -> str:
    return base64.b64encode(json.dumps({"offset": index}).encode()).decode()


def _offset(cursor: str) -> int:
    try:
        return int(json.loads(base64.b64decode(cursor))["offset"])
    except (ValueError, KeyError, TypeError) as error:
        raise GraphQLError(f"Invalid cursor: {cursor}") from error


def _status_page_url(order: Order, ctx: AdminContext) -> str:
    token = hashlib.sha256(f"{order.shop}/{order.id}".encode()).hexdigest()
    return f"https://{order.shop}/{ctx.shop.id}/orders/{token[:32]}/authenticate?key={token[32:]}"


def _variant(ctx: AdminContext, variant_gid: str) -> dict[str, Any] | None:
    found = find_variant(ctx, variant_gid)
    return None if found is None else product_variant(*found)


def _first(items: Sequence[Any], args: dict[str, Any]) -> list[Any]:
    """A plain list field with an optional `first` (Order.fulfillments)."""
    if args.get("query") is not None:
        raise GraphQLError("devshop does not model the argument query")
    first = args.get("first")
    return list(items if first is None else items[:first])


def orders_by_name(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    """`orders(first:, query: "name:#1001")`: the one search syntax devshop models (Shopify's
    search also takes `name:1001`); any other query is an error rather than a guess."""
    query = str(args.pop("query", "") or "")
    if not query.startswith("name:"):
        raise GraphQLError(f'devshop models only orders(query: "name:..."), not {query!r}')
    wanted = query.removeprefix("name:").strip().strip('"').lstrip("#")
    found = [
        order
        for order in ctx.world.orders.values()
        if order.shop == ctx.shop.domain and order.name.lstrip("#") == wanted
    ]
    return connection(found, args)


FIELDS: dict[str, dict[str, Resolver]] = {
    "QueryRoot": {
        "order": lambda _, ctx, args: ctx.order(args["id"]),
        "node": lambda _, ctx, args: ctx.node(args["id"]),
        "fulfillmentOrder": lambda _, ctx, args: (
            ctx.node(args["id"]) if "/FulfillmentOrder/" in args["id"] else None
        ),
        "nodes": lambda _, ctx, args: [ctx.node(i) for i in args["ids"]],
        "productVariant": lambda _, ctx, args: _variant(ctx, args["id"]),
        "shop": lambda _, ctx, args: ctx.shop,
        "job": lambda _, ctx, args: ctx.job(args["id"]),
        "product": lambda _, ctx, args: ctx.product(args["id"]),
        "customer": lambda _, ctx, args: ctx.customer(numeric_id(args["id"], "Customer")),
        "currentAppInstallation": lambda _, ctx, args: AppInstallation(ctx.shop),
        "ordersCount": lambda _, ctx, args: orders_count(ctx, args),
        # devshop's one profile is the merchant's own: `merchantOwnedOnly` keeps it either way.
        "deliveryProfiles": lambda _, ctx, args: connection(
            delivery_profiles(ctx), {k: v for k, v in args.items() if k != "merchantOwnedOnly"}
        ),
        "orders": lambda _, ctx, args: orders_by_name(ctx, args),
    },
    "Mutation": {
        "orderCancel": lambda _, ctx, args: order_cancel(ctx, args),
        "orderUpdate": lambda _, ctx, args: order_update(ctx, args),
        "metafieldsSet": lambda _, ctx, args: metafields_set(ctx, args),
        "fulfillmentOrderHold": lambda _, ctx, args: fulfillment_order_hold(ctx, args),
        "flowTriggerReceive": lambda _, ctx, args: flow_trigger_receive(ctx, args),
        "returnRequest": lambda _, ctx, args: return_request(ctx, args),
        "fulfillmentOrderReleaseHold": lambda _, ctx, args: fulfillment_order_release_hold(
            ctx, args
        ),
        "orderEditBegin": lambda _, ctx, args: order_edit_begin(ctx, args),
        "orderEditSetQuantity": lambda _, ctx, args: order_edit_set_quantity(ctx, args),
        "orderEditAddVariant": lambda _, ctx, args: order_edit_add_variant(ctx, args),
        "orderEditCommit": lambda _, ctx, args: order_edit_commit(ctx, args),
        "refundCreate": lambda _, ctx, args: refund_create(ctx, args),
    },
    "DeliveryProfile": {
        "id": lambda p, ctx, args: gid("DeliveryProfile", p.shop_id),
        "name": lambda p, ctx, args: "General profile",
        "default": lambda p, ctx, args: True,
        "profileLocationGroups": lambda p, ctx, args: [LocationGroup(p)],
    },
    "DeliveryProfileLocationGroup": {
        "locationGroupZones": lambda g, ctx, args: connection(
            [{"zone": zone} for zone in g.profile.zones], args
        ),
    },
    "DeliveryZone": {
        "id": lambda z, ctx, args: gid("DeliveryZone", z.id),
        "name": lambda z, ctx, args: z.name,
        "countries": lambda z, ctx, args: countries(z),
    },
    "AppInstallation": {
        "id": lambda installation, ctx, args: installation.gid,
        "metafield": app_metafield,
    },
    "Metafield": {
        "id": lambda m, ctx, args: gid("Metafield", m.id),
        "namespace": lambda m, ctx, args: m.namespace,
        "key": lambda m, ctx, args: m.key,
        "type": lambda m, ctx, args: m.type,
        "value": lambda m, ctx, args: m.value,
        "jsonValue": lambda m, ctx, args: json.loads(m.value) if m.type == "json" else m.value,
        "createdAt": lambda m, ctx, args: datetime_value(m.created_at),
        "updatedAt": lambda m, ctx, args: datetime_value(m.updated_at),
    },
    "Job": {
        "id": lambda job, ctx, args: gid("Job", job.id),
        "done": lambda job, ctx, args: job.done,
        "query": lambda job, ctx, args: ROOT if job.done else None,
    },
    "Shop": {
        "id": lambda shop, ctx, args: gid("Shop", shop.id),
        "name": lambda shop, ctx, args: shop.name,
        "myshopifyDomain": lambda shop, ctx, args: shop.domain,
        "url": lambda shop, ctx, args: f"https://{shop.domain}",
        "ianaTimezone": lambda shop, ctx, args: shop.iana_timezone,
        "timezoneAbbreviation": lambda shop, ctx, args: (
            ctx.world.now().astimezone(ZoneInfo(shop.iana_timezone)).tzname()
        ),
        "currencyCode": lambda shop, ctx, args: shop.currency_code,
    },
    "Customer": {
        "id": lambda c, ctx, args: gid("Customer", c.id),
        "legacyResourceId": lambda c, ctx, args: str(c.id),
        "firstName": lambda c, ctx, args: c.first_name,
        "lastName": lambda c, ctx, args: c.last_name,
        "displayName": lambda c, ctx, args: f"{c.first_name} {c.last_name}".strip(),
        "email": lambda c, ctx, args: c.email,
        "defaultEmailAddress": lambda c, ctx, args: {"emailAddress": c.email},
    },
    "Product": {
        "id": lambda p, ctx, args: gid("Product", p.id),
        "legacyResourceId": lambda p, ctx, args: str(p.id),
        "title": lambda p, ctx, args: p.title,
        "tags": lambda p, ctx, args: p.tags,
        "variants": lambda p, ctx, args: connection(
            [product_variant(p, v) for v in p.all_variants()], args
        ),
    },
    "LineItem": {
        "id": lambda li, ctx, args: gid("LineItem", li.id),
        "title": lambda li, ctx, args: li.title,
        "name": lambda li, ctx, args: li.title,
        "quantity": lambda li, ctx, args: li.quantity,
        "product": lambda li, ctx, args: li.product,
        "variant": lambda li, ctx, args: (
            product_variant(li.product, li.variant) if li.product is not None else None
        ),
        "originalUnitPriceSet": lambda li, ctx, args: _line_bag(ctx, li, li.unit_price),
        "discountedUnitPriceSet": lambda li, ctx, args: _line_bag(ctx, li, li.unit_price),
        "discountedUnitPriceAfterAllDiscountsSet": lambda li, ctx, args: _line_bag(
            ctx, li, li.unit_price
        ),
        "originalTotalSet": lambda li, ctx, args: _line_bag(ctx, li, li.unit_price * li.quantity),
        "discountedTotalSet": lambda li, ctx, args: _line_bag(ctx, li, li.unit_price * li.quantity),
        "refundableQuantity": lambda li, ctx, args: li.current_quantity,
        "fulfillableQuantity": lambda li, ctx, args: max(
            li.current_quantity - li.fulfilled_quantity, 0
        ),
        "restockable": lambda li, ctx, args: li.product is not None,
        "canRestock": lambda li, ctx, args: li.product is not None,
        "currentQuantity": lambda li, ctx, args: li.current_quantity,
        "unfulfilledQuantity": lambda li, ctx, args: max(
            li.current_quantity - li.fulfilled_quantity, 0
        ),
    },
    "FulfillmentOrder": {
        "id": lambda fo, ctx, args: gid("FulfillmentOrder", fo.id),
        "status": lambda fo, ctx, args: fo.status,
        "requestStatus": lambda fo, ctx, args: fo.request_status,
        "orderId": lambda fo, ctx, args: gid("Order", fo.order_id),
        "order": lambda fo, ctx, args: ctx.world.orders.get(fo.order_id),
        "fulfillmentHolds": lambda fo, ctx, args: fo.holds,
        "supportedActions": lambda fo, ctx, args: supported_actions(fo),
    },
    "FulfillmentHold": {
        "id": lambda h, ctx, args: gid("FulfillmentHold", h.id),
        "reason": lambda h, ctx, args: h.reason,
        "reasonNotes": lambda h, ctx, args: h.reason_notes,
        "handle": lambda h, ctx, args: h.handle,
        "heldByRequestingApp": lambda h, ctx, args: h.by_app,
        "displayReason": lambda h, ctx, args: h.reason.replace("_", " ").capitalize(),
    },
    "Fulfillment": {
        "id": lambda f, ctx, args: gid("Fulfillment", f.id),
        "status": lambda f, ctx, args: f.status,
        "displayStatus": lambda f, ctx, args: f.events[-1].status if f.events else "FULFILLED",
        "createdAt": lambda f, ctx, args: datetime_value(f.created_at),
        "updatedAt": lambda f, ctx, args: datetime_value(
            f.events[-1].created_at if f.events else f.created_at
        ),
        "events": lambda f, ctx, args: connection(f.events, args),
        "deliveredAt": lambda f, ctx, args: datetime_value(f.delivered_at),
        "fulfillmentLineItems": lambda f, ctx, args: connection(
            fulfillment_line_items(ctx.world, ctx.world.orders[f.order_id], f), args
        ),
    },
    "FulfillmentLineItem": {
        "id": lambda fli, ctx, args: gid("FulfillmentLineItem", fli.id),
        "quantity": lambda fli, ctx, args: fli.quantity,
        "lineItem": lambda fli, ctx, args: fli.line_item,
    },
    "Return": {
        "id": lambda r, ctx, args: gid("Return", r.id),
        "status": lambda r, ctx, args: r.status,
        "createdAt": lambda r, ctx, args: datetime_value(r.created_at),
        "totalQuantity": lambda r, ctx, args: sum(q for _, _, q in r.lines),
        "name": lambda r, ctx, args: f"R{r.id}",
        "order": lambda r, ctx, args: ctx.world.orders[r.order_id],
    },
    "FulfillmentEvent": {
        "id": lambda e, ctx, args: gid("FulfillmentEvent", e.id),
        "status": lambda e, ctx, args: e.status,
        "message": lambda e, ctx, args: e.message,
        "happenedAt": lambda e, ctx, args: datetime_value(e.happened_at),
        "createdAt": lambda e, ctx, args: datetime_value(e.created_at),
    },
    "Order": {
        "id": lambda o, ctx, args: gid("Order", o.id),
        "legacyResourceId": lambda o, ctx, args: str(o.id),
        "name": lambda o, ctx, args: o.name,
        "createdAt": lambda o, ctx, args: datetime_value(o.created_at),
        "processedAt": lambda o, ctx, args: datetime_value(o.processed_at),
        "updatedAt": lambda o, ctx, args: datetime_value(o.updated_at or o.created_at),
        "cancelledAt": lambda o, ctx, args: datetime_value(o.cancelled_at),
        "cancelReason": lambda o, ctx, args: o.cancel_reason,
        "cancellation": lambda o, ctx, args: (
            {"staffNote": o.staff_note} if o.cancelled_at else None
        ),
        "closed": lambda o, ctx, args: o.closed,
        "closedAt": lambda o, ctx, args: datetime_value(o.closed_at),
        "displayFinancialStatus": lambda o, ctx, args: o.display_financial_status,
        "displayFulfillmentStatus": lambda o, ctx, args: o.display_fulfillment_status,
        "confirmationNumber": lambda o, ctx, args: o.confirmation_number,
        "statusPageUrl": lambda o, ctx, args: _status_page_url(o, ctx),
        "tags": lambda o, ctx, args: o.tags,
        "customer": lambda o, ctx, args: ctx.customer(o.customer_id),
        "email": lambda o, ctx, args: (
            o.email or (c.email if (c := ctx.customer(o.customer_id)) else None)
        ),
        "lineItems": lambda o, ctx, args: connection(o.line_items, args),
        "fulfillmentOrders": lambda o, ctx, args: connection(o.fulfillment_orders, args),
        "fulfillments": lambda o, ctx, args: _first(o.fulfillments, args),
        "returns": lambda o, ctx, args: connection(o.returns, args),
        "shippingAddress": lambda o, ctx, args: (
            {**o.shipping_address, "countryCodeV2": o.shipping_country_code}
            if o.shipping_country_code
            else None
        ),
        "risk": lambda o, ctx, args: {"recommendation": o.risk_recommendation},
        "totalPriceSet": lambda o, ctx, args: money_bag(o, o.total_price),
        "originalTotalPriceSet": lambda o, ctx, args: money_bag(o, o.total_price),
        "currentTotalPriceSet": lambda o, ctx, args: money_bag(o, current_total(o)),
        "currentSubtotalPriceSet": lambda o, ctx, args: money_bag(o, subtotal(o)),
        "currentShippingPriceSet": lambda o, ctx, args: money_bag(
            o, o.shipping_price - refunded_shipping(o)
        ),
        "totalShippingPriceSet": lambda o, ctx, args: money_bag(o, o.shipping_price),
        "currentTotalDiscountsSet": lambda o, ctx, args: money_bag(o, ZERO),
        "currentTotalTaxSet": lambda o, ctx, args: money_bag(o, ZERO),
        "currentSubtotalLineItemsQuantity": lambda o, ctx, args: sum(
            i.current_quantity for i in o.line_items
        ),
        "totalOutstandingSet": lambda o, ctx, args: money_bag(o, outstanding(o)),
        "totalReceivedSet": lambda o, ctx, args: money_bag(o, received(o)),
        "totalRefundedSet": lambda o, ctx, args: money_bag(o, refunded(o)),
        "totalRefundedShippingSet": lambda o, ctx, args: money_bag(o, refunded_shipping(o)),
        "netPaymentSet": lambda o, ctx, args: money_bag(o, net_payment(o)),
        "totalCapturableSet": lambda o, ctx, args: money_bag(o, capturable(o)),
        "capturable": lambda o, ctx, args: capturable(o) > 0,
        "refundable": lambda o, ctx, args: net_payment(o) > 0,
        "refunds": lambda o, ctx, args: _first(o.refunds, args),
        "transactions": lambda o, ctx, args: _first(o.transactions, args),
        "paymentCollectionDetails": lambda o, ctx, args: {
            "additionalPaymentCollectionUrl": (
                f"https://{o.shop}/{ctx.shop.id}/orders/{o.id}/pay" if outstanding(o) > 0 else None
            ),
            "vaultedPaymentMethods": [],
        },
        "suggestedRefund": lambda o, ctx, args: suggested_refund(o, args),
        "customAttributes": lambda o, ctx, args: [
            {"key": k, "value": v} for k, v in o.note_attributes.items()
        ],
        "currencyCode": lambda o, ctx, args: o.currency_code,
        "presentmentCurrencyCode": lambda o, ctx, args: (
            o.presentment_currency_code or o.currency_code
        ),
    },
    **edit_fields(connection),
    **refund_fields(connection),
}


def _line_bag(ctx: AdminContext, item: LineItem, amount: Any) -> dict[str, Any]:
    order = next(o for o in ctx.world.orders.values() if item in o.line_items)
    return money_bag(order, amount)
