"""`editOrder`: change an order instead of cancelling it."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.edit.editing import Edited, EditRequest, QuantityChange, VariantChange
from backend.edit.rules import EditType as EditTypeEnum
from backend.edit.types import EditDifference, EditOrderInput, EditOrderRefused
from backend.graphql.context import Context
from backend.graphql.errors import shopify_errors
from backend.graphql.storefront.types import OrderCancellation


@strawberry.type
class EditOrderSuccess:
    type: EditTypeEnum
    order: OrderCancellation
    difference: EditDifference | None = strawberry.field(
        description="The change in the order's total; null when it did not change."
    )


EditOrderResult = Annotated[
    EditOrderSuccess | EditOrderRefused, strawberry.union("EditOrderResult")
]


async def resolve_edit_order(
    info: strawberry.Info[Context, None], input: EditOrderInput
) -> EditOrderResult:
    context = info.context
    request = EditRequest(
        order_id=str(input.order_id),
        reason=input.reason,
        address=input.address.to_address() if input.address is not None else None,
        quantity=(
            QuantityChange(str(input.quantity.line_item_id), input.quantity.quantity)
            if input.quantity is not None
            else None
        ),
        variant=(
            VariantChange(str(input.variant.line_item_id), str(input.variant.variant_id))
            if input.variant is not None
            else None
        ),
    )
    with shopify_errors():
        outcome = await context.edits.edit(context.viewer, request)
    if isinstance(outcome, Edited):
        change = outcome.difference
        return EditOrderSuccess(
            type=outcome.kind,
            order=OrderCancellation.from_view(outcome.view),
            difference=None
            if change is None
            else EditDifference(
                amount=f"{change.amount:f}",
                currency_code=change.currency,
                payment_url=change.payment_url,
            ),
        )
    return EditOrderRefused.of(outcome)
