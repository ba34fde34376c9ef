from __future__ import annotations

import strawberry

from backend.graphql.admin.context import AdminContext
from backend.graphql.admin.types import Rules
from backend.policy import ShopPolicy


async def resolve_rules(info: strawberry.Info[AdminContext, None]) -> Rules:
    ctx = info.context
    policy = await ctx.store.get_policy(ctx.merchant.shop) or ShopPolicy()
    return Rules.from_policy(policy)


@strawberry.type
class Query:
    rules: Rules = strawberry.field(
        resolver=resolve_rules,
        description="The shop's rules (the defaults until the merchant saves).",
    )
