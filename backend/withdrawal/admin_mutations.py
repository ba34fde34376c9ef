"""The merchant's side in App Home's GraphQL: the rule, and "send again" for an acknowledgement
every retry failed to deliver."""

from __future__ import annotations

from typing import Annotated

import strawberry

from backend.graphql.admin.context import AdminContext
from backend.withdrawal.period import WithdrawalRule, country_set


@strawberry.type
class WithdrawalRuleSaved:
    enabled: bool
    countries: list[str]


@strawberry.type
class WithdrawalRuleInvalid:
    message: str


SaveWithdrawalRuleResult = Annotated[
    WithdrawalRuleSaved | WithdrawalRuleInvalid, strawberry.union("SaveWithdrawalRuleResult")
]


async def resolve_save_withdrawal_rule(
    info: strawberry.Info[AdminContext, None], enabled: bool, countries: list[str]
) -> SaveWithdrawalRuleResult:
    codes = country_set(countries)
    if len(codes) != len({c.strip().upper() for c in countries if c.strip()}):
        return WithdrawalRuleInvalid(message="Countries are two-letter codes such as NL or DE.")
    if enabled and not codes:
        return WithdrawalRuleInvalid(message="Choose at least one country.")
    ctx = info.context
    rule = WithdrawalRule(enabled=enabled, countries=codes)
    await ctx.store.save_withdrawal_rule(ctx.merchant.shop, rule, at=ctx.clock())
    return WithdrawalRuleSaved(enabled=rule.enabled, countries=sorted(rule.countries))


async def resolve_send_acknowledgement_again(
    info: strawberry.Info[AdminContext, None], order_id: strawberry.ID
) -> bool:
    """Queue the acknowledgement of the order's withdrawal again; False unless it had failed."""
    ctx = info.context
    record = await ctx.store.get_withdrawal(ctx.merchant.shop, str(order_id))
    if record is None or record.mail_id is None:
        return False
    return await ctx.outbox.send_again(ctx.merchant.shop, record.mail_id)
