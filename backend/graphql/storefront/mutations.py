from __future__ import annotations

import strawberry

from backend.approvals.approving import Withdrawn
from backend.cancellation import Cancelled, Requested
from backend.graphql.context import Context
from backend.graphql.errors import shopify_errors
from backend.graphql.storefront.types import (
    CancelOrderInput,
    CancelOrderRefused,
    CancelOrderRequested,
    CancelOrderResult,
    CancelOrderSuccess,
    OrderCancellation,
    WithdrawCancelRequestInput,
    WithdrawCancelRequestResult,
    WithdrawCancelRequestSuccess,
)
from backend.observability import observe


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
    if isinstance(outcome, Requested):
        return CancelOrderRequested(
            order=OrderCancellation.from_view(outcome.view),
            requested_at=outcome.request.requested_at,
        )
    observe.refused(outcome.code.value)
    return CancelOrderRefused(code=outcome.code, message=outcome.message)


async def resolve_withdraw_cancel_request(
    info: strawberry.Info[Context, None], input: WithdrawCancelRequestInput
) -> WithdrawCancelRequestResult:
    context = info.context
    with shopify_errors():
        outcome = await context.approvals.withdraw(context.viewer, str(input.order_id))
    if isinstance(outcome, Withdrawn):
        return WithdrawCancelRequestSuccess(order=OrderCancellation.from_view(outcome.view))
    return CancelOrderRefused(code=outcome.code, message=outcome.message)


@strawberry.type
class Mutation:
    cancel_order: CancelOrderResult = strawberry.mutation(
        resolver=resolve_cancel_order,
        description="Cancel one of the viewer's orders, if the rules allow; where the shop "
        "approves cancellations first, file a request (CancelOrderRequested).",
    )
    withdraw_cancel_request: WithdrawCancelRequestResult = strawberry.mutation(
        resolver=resolve_withdraw_cancel_request,
        description="Take back the viewer's request to cancel, while the shop has not answered.",
    )
