"""The admin schema, hardened like the storefront's: the same limits, masking in production."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    SchemaExtension,
)

from backend.graphql.admin.mutations import Mutation
from backend.graphql.admin.queries import Query
from backend.graphql.errors import Schema, should_mask
from backend.graphql.schema import LIMIT_RULES

# A full rule set with twenty translated reasons is a long document; still bounded.
MAX_TOKENS = 4000


def build_admin_schema(*, production: bool) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    ]
    if production:
        extensions += [DisableIntrospection, lambda: MaskErrors(should_mask_error=should_mask)]
    return Schema(query=Query, mutation=Mutation, extensions=extensions)


def admin_sdl() -> str:
    schema: Any = build_admin_schema(production=False)
    return str(schema.as_str())
