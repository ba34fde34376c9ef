from __future__ import annotations

import strawberry

from backend.graphql.context import Context
from backend.graphql.errors import PublicError, shopify_errors
from backend.graphql.storefront.types import OrderCancellation

MAX_ORDERS = 50


async def resolve_order(
    info: strawberry.Info[Context, None], id: strawberry.ID
) -> OrderCancellation | None:
    context = info.context
    with shopify_errors():
        view = await context.cancellations.view(context.viewer, str(id))
    return OrderCancellation.from_view(view) if view else None


async def resolve_orders(
    info: strawberry.Info[Context, None], ids: list[strawberry.ID]
) -> list[OrderCancellation]:
    if len(ids) > MAX_ORDERS:
        raise PublicError(f"Ask for at most {MAX_ORDERS} orders at once.", "TOO_MANY_IDS")
    context = info.context
    with shopify_errors():
        views = await context.cancellations.views(context.viewer, [str(i) for i in ids])
    return [OrderCancellation.from_view(view) for view in views]


@strawberry.type
class Query:
    order: OrderCancellation | None = strawberry.field(
        resolver=resolve_order,
        description="The order, or null if it is absent or not the viewer's.",
    )
    orders: list[OrderCancellation] = strawberry.field(
        resolver=resolve_orders,
        description=f"The viewer's orders among `ids` (at most {MAX_ORDERS}), in one request.",
    )
