"""The storefront schema, with the library's hardening switched on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from backend.graphql.errors import Schema, should_mask
from backend.graphql.storefront.mutations import Mutation
from backend.graphql.storefront.queries import Query

# Our own front ends need depth 4 and a handful of tokens; these leave room, and no more.
MAX_DEPTH = 6
MAX_ALIASES = 10
MAX_TOKENS = 600
LIMIT_RULES: list[type[ASTValidationRule]] = [depth_rule(MAX_DEPTH, None), alias_rule(MAX_ALIASES)]


def build_schema(*, production: bool) -> strawberry.Schema:
    # Factories, not instances: Strawberry builds fresh extensions for every request. The parse
    # and validation caches still live once per process, so each of our front ends' few fixed
    # documents is parsed and validated once.
    extensions: list[Callable[[], SchemaExtension]] = [
        # The limiters' rules are built once: the library's own limiter extensions build new
        # rule classes per request, so the validation cache (keyed on the rules) never hit.
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    ]
    if production:
        extensions += [DisableIntrospection, lambda: MaskErrors(should_mask_error=should_mask)]
    return Schema(query=Query, mutation=Mutation, extensions=extensions)


def sdl() -> str:
    schema: Any = build_schema(production=False)
    return str(schema.as_str())
