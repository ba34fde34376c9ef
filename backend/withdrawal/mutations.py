from __future__ import annotations

import strawberry

from backend.graphql.context import Context
from backend.graphql.errors import shopify_errors
from backend.withdrawal.types import (
    WithdrawalReceived,
    WithdrawalReview,
    WithdrawInput,
    WithdrawRefused,
    WithdrawResult,
    WithdrawStep,
)
from backend.withdrawal.withdrawing import Review, Statement, WithdrawBlock, Withdrawn, refused
from backend.withdrawal.withdrawing import WithdrawRefused as Refused


async def resolve_withdraw_from_contract(
    info: strawberry.Info[Context, None], input: WithdrawInput
) -> WithdrawResult:
    context = info.context
    statement = Statement(
        order_id=str(input.order_id),
        name=input.name,
        email=input.email,
        items=tuple((str(i.line_item_id), i.quantity) for i in input.line_items or ()),
        locale=input.locale,
    )
    confirming = input.step == WithdrawStep.CONFIRM
    outcome: Review | Withdrawn | Refused
    if confirming and not input.confirmation:
        outcome = refused(WithdrawBlock.REVIEW_AGAIN)
    else:
        with shopify_errors():
            outcome = await context.withdrawals.withdraw(
                context.viewer, statement, confirmation=input.confirmation if confirming else None
            )
    if isinstance(outcome, Review):
        return WithdrawalReview.of(outcome)
    if isinstance(outcome, Withdrawn):
        return WithdrawalReceived.of(outcome)
    return WithdrawRefused(code=outcome.code, message=outcome.message)
