from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import strawberry

from backend.admin.gateway import MerchantGateway
from backend.admin.i18n import Speaker
from backend.admin.rules import parse_rules, theme_rules
from backend.approvals.approving import Answered
from backend.cancellation import Refused
from backend.graphql.admin.context import AdminContext
from backend.graphql.admin.types import (
    FieldError,
    Rules,
    RulesInput,
    RulesInvalid,
    RulesSaved,
    SaveRulesResult,
)
from backend.holds import ReleaseWhy
from backend.policy import ShopPolicy
from backend.shopify.client import AdminError
from backend.store.base import OPEN_HOLD_STATES
from backend.withdrawal.admin_mutations import (
    SaveWithdrawalRuleResult,
    resolve_save_withdrawal_rule,
    resolve_send_acknowledgement_again,
)

logger = logging.getLogger(__name__)


async def _update_theme(gateway: MerchantGateway, shop: str, policy: ShopPolicy) -> bool:
    """Write the theme block's copy. Our store is what the backend obeys, so a failure here
    leaves the rules in force and only the block's own early hiding stale: say so, don't fail."""
    try:
        await gateway.write_rules(shop, theme_rules(policy))
    except AdminError as error:
        logger.warning("could not write the rules metafield for %s: %s", shop, error)
        return False
    return True


async def resolve_save_rules(
    info: strawberry.Info[AdminContext, None], input: RulesInput
) -> SaveRulesResult:
    ctx = info.context
    parsed = parse_rules(input.draft())
    if isinstance(parsed, list):
        # App Home sends its page's language; anything else gets English.
        speaker = Speaker.for_locale(ctx.request.headers.get("accept-language", "").split(",")[0])
        return RulesInvalid(errors=[FieldError.from_problem(p, speaker) for p in parsed])
    shop = ctx.merchant.shop
    before = await ctx.store.get_policy(shop)
    await ctx.store.save_policy(shop, parsed)
    if before is not None and before.hold_fulfillment and not parsed.hold_fulfillment:
        await ctx.holds.rule_turned_off(shop)
    updated = await _update_theme(ctx.gateway, shop, parsed)
    return RulesSaved(rules=Rules.from_policy(parsed), theme_updated=updated)


async def resolve_release_hold(
    info: strawberry.Info[AdminContext, None], order_id: strawberry.ID
) -> bool:
    """Release our fulfilment hold on one of the shop's held orders now; False if none."""
    ctx = info.context
    shop = ctx.merchant.shop
    held = [
        r
        for r in await ctx.store.holds_of_order(shop, str(order_id))
        if r.state in OPEN_HOLD_STATES
    ]
    if not held:
        return False
    await ctx.holds.defer_release(shop, str(order_id), ReleaseWhy.MERCHANT)
    return True


@strawberry.type(description="The answer to one request to cancel.")
class RequestAnswer:
    order_id: strawberry.ID
    ok: bool = strawberry.field(description="The request took the answer.")
    state: str | None = strawberry.field(description="The request's state now.")
    code: str | None = strawberry.field(description="Why not, or what the approval ran into.")
    message: str | None


MAX_ANSWERS = 100


async def _answer_each(
    ctx: AdminContext, order_ids: list[strawberry.ID], answer: Callable[[str], Awaitable[object]]
) -> list[RequestAnswer]:
    answers = []
    for order_id in list(dict.fromkeys(order_ids))[:MAX_ANSWERS]:
        outcome = await answer(str(order_id))
        if isinstance(outcome, Answered):
            answers.append(
                RequestAnswer(
                    order_id=order_id,
                    ok=True,
                    state=outcome.request.state.value,
                    code=None,
                    message=None,
                )
            )
        else:
            assert isinstance(outcome, Refused)
            current = await ctx.store.get_request(ctx.merchant.shop, str(order_id))
            answers.append(
                RequestAnswer(
                    order_id=order_id,
                    ok=False,
                    state=current.state.value if current else None,
                    code=outcome.code.value,
                    message=outcome.message,
                )
            )
    return answers


async def resolve_approve_requests(
    info: strawberry.Info[AdminContext, None], order_ids: list[strawberry.ID]
) -> list[RequestAnswer]:
    ctx = info.context
    shop = ctx.merchant.shop
    return await _answer_each(ctx, order_ids, lambda gid: ctx.approvals.approve(shop, gid))


async def resolve_decline_requests(
    info: strawberry.Info[AdminContext, None],
    order_ids: list[strawberry.ID],
    message: str | None = None,
) -> list[RequestAnswer]:
    ctx = info.context
    shop = ctx.merchant.shop
    return await _answer_each(ctx, order_ids, lambda gid: ctx.approvals.decline(shop, gid, message))


@strawberry.type
class Mutation:
    save_rules: SaveRulesResult = strawberry.mutation(
        resolver=resolve_save_rules,
        description="Check and save the whole rule set; it applies to the next storefront request.",
    )
    release_hold: bool = strawberry.mutation(
        resolver=resolve_release_hold,
        description="Release the app's own fulfilment hold on the order now (Holds screen).",
    )
    approve_requests: list[RequestAnswer] = strawberry.mutation(
        resolver=resolve_approve_requests,
        description="Approve customers' requests to cancel (at most 100): each order is "
        "cancelled as an instant cancel would be, judged as of its request.",
    )
    decline_requests: list[RequestAnswer] = strawberry.mutation(
        resolver=resolve_decline_requests,
        description="Decline customers' requests to cancel; `message` is what they read.",
    )
    save_withdrawal_rule: SaveWithdrawalRuleResult = strawberry.mutation(
        resolver=resolve_save_withdrawal_rule,
        description="Turn the EU withdrawal function on or off, for orders shipping to "
        "`countries` (two-letter codes).",
    )
    send_acknowledgement_again: bool = strawberry.mutation(
        resolver=resolve_send_acknowledgement_again,
        description="Queue again the acknowledgement of the order's withdrawal that every "
        "retry failed to deliver (Withdrawals screen).",
    )
