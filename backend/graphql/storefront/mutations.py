from __future__ import annotations

import strawberry

from backend.cancellation import Cancelled
from backend.graphql.context import Context
from backend.graphql.errors import shopify_errors
from backend.graphql.storefront.types import (
    CancelOrderInput,
    CancelOrderRefused,
    CancelOrderResult,
    CancelOrderSuccess,
    OrderCancellation,
)
from backend.observability import observe
from backend.withdrawal.mutations import resolve_withdraw_from_contract
from backend.withdrawal.types import WithdrawResult


async def resolve_cancel_order(
    info: strawberry.Info[Context, None], input: CancelOrderInput
) -> CancelOrderResult:
    context = info.context
    with shopify_errors():
        outcome = await context.cancellations.cancel(
            context.viewer, str(input.order_id), input.reason, input.note
        )
    if isinstance(outcome, Cancelled):
        observe.cancelled()
        return CancelOrderSuccess(order=OrderCancellation.from_view(outcome.view))
    observe.refused(outcome.code.value)
    return CancelOrderRefused(code=outcome.code, message=outcome.message)


@strawberry.type
class Mutation:
    cancel_order: CancelOrderResult = strawberry.mutation(
        resolver=resolve_cancel_order,
        description="Cancel one of the viewer's orders, if the rules allow.",
    )
    withdraw_from_contract: WithdrawResult = strawberry.mutation(
        resolver=resolve_withdraw_from_contract,
        description="The EU withdrawal function: step STATEMENT reviews the consumer's "
        'statement, step CONFIRM ("confirm withdrawal") submits it.',
    )
