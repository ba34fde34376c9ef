from __future__ import annotations

import strawberry

from backend.approvals.approving import Withdrawn
from backend.cancellation import Cancelled, Requested
from backend.edit.mutations import EditOrderResult, resolve_edit_order
from backend.graphql.context import Context
from backend.graphql.errors import shopify_errors
from backend.graphql.storefront.types import (
    CancelOrderInput,
    CancelOrderRefused,
    CancelOrderRequested,
    CancelOrderResult,
    CancelOrderSuccess,
    MoneyAmount,
    OrderCancellation,
    WithdrawCancelRequestInput,
    WithdrawCancelRequestResult,
    WithdrawCancelRequestSuccess,
)
from backend.observability import observe
from backend.partial import ItemsCancelled
from backend.withdrawal.mutations import resolve_withdraw_from_contract
from backend.withdrawal.types import WithdrawResult


async def resolve_cancel_order(
    info: strawberry.Info[Context, None], input: CancelOrderInput
) -> CancelOrderResult:
    context = info.context
    with shopify_errors():
        if input.line_items is not None:
            outcome = await context.partial.cancel_items(
                context.viewer,
                str(input.order_id),
                input.reason,
                input.note,
                [(str(item.line_item_id), item.quantity) for item in input.line_items],
            )
        else:
            outcome = await context.cancellations.cancel(
                context.viewer, str(input.order_id), input.reason, input.note
            )
    if isinstance(outcome, ItemsCancelled):
        observe.cancelled()
        refund = outcome.refund
        return CancelOrderSuccess(
            order=OrderCancellation.from_view(outcome.view),
            refunded=MoneyAmount.of(refund.amount, refund.currency),
            fee=MoneyAmount.of(refund.fee, refund.currency),
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
    edit_order: EditOrderResult = strawberry.mutation(
        resolver=resolve_edit_order,
        description="Change one of the viewer's orders instead of cancelling it.",
    )
    withdraw_from_contract: WithdrawResult = strawberry.mutation(
        resolver=resolve_withdraw_from_contract,
        description="The EU withdrawal function: step STATEMENT reviews the consumer's "
        'statement, step CONFIRM ("confirm withdrawal") submits it.',
    )
