"""Shopify's real Admin schema, and documents checked against it as Shopify checks them.

The schema is Shopify's own introspection result (vendored in `backend.shopify`), so a field or
argument Shopify lacks fails here too. Building it takes about a third of a second, so it is
built once per process. Validation errors are reworded where graphql-core and Shopify's
graphql-ruby differ, and carry graphql-ruby's `extensions.code` (`undefinedField`, ...).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    build_client_schema,
    parse,
    validate,
)

from backend.shopify import ADMIN_SCHEMA_PATH

Errors = list[dict[str, Any]]


@cache
def admin_schema() -> GraphQLSchema:
    """The schema, built on first use and shared by the whole process."""
    return build_admin_schema()


def build_admin_schema() -> GraphQLSchema:
    data = json.loads(gzip.decompress(ADMIN_SCHEMA_PATH.read_bytes()))
    # assume_valid: Shopify's schema breaks a deprecation rule graphql-core would enforce.
    return build_client_schema(data["data"], assume_valid=True)


def parse_and_validate(schema: GraphQLSchema, source: str) -> DocumentNode | Errors:
    """The document, or the errors Shopify would answer with instead of data."""
    try:
        document = parse(source)
    except GraphQLError as error:
        return [_formatted(error, error.message, None)]
    errors = validate(schema, document)
    if errors:
        return [_shopify_validation_error(error) for error in errors]
    return document


# graphql-core's wording -> (graphql-ruby's code, its wording, extra extension fields).
_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'\."),
        "undefinedField",
        "Field '{field}' doesn't exist on type '{type}'",
    ),
    (
        re.compile(
            r"Argument '(?:\w+\.)?(?P<field>\w+)\((?P<arg>\w+):\)' of type '.+' is required"
        ),
        "missingRequiredArguments",
        "Field '{field}' is missing required arguments: {arg}",
    ),
    (
        re.compile(r"Unknown argument '(?P<arg>\w+)' on field '(?:\w+\.)?(?P<field>\w+)'\."),
        "argumentNotAccepted",
        "Field '{field}' doesn't accept argument '{arg}'",
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>.+)' must have a selection"),
        "selectionMismatch",
        "Field must have selections (field '{field}' returns {type} but has no selections. "
        "Did you mean '{field} {{ ... }}'?)",
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' must not have a selection since type '(?P<type>.+)'"),
        "selectionMismatch",
        "Selections can't be made on scalars (field '{field}' returns {type} but has selections)",
    ),
    (
        re.compile(r"Variable '\$(?P<var>\w+)' is never used(?: in operation '(?P<op>\w+)')?"),
        "variableNotUsed",
        "Variable ${var} is declared by {op} but not used",
    ),
    (
        re.compile(r"Variable '\$(?P<var>\w+)' is not defined(?: by operation '(?P<op>\w+)')?"),
        "variableNotDefined",
        "Variable ${var} is used by {op} but not declared",
    ),
    (
        re.compile(r"Variable '\$(?P<var>\w+)' of type '.+' used in position expecting"),
        "variableMismatch",
        "",
    ),
    (re.compile(r"Unknown type '(?P<type>\w+)'"), "undefinedType", ""),
    (re.compile(r"Expected value of type|cannot represent"), "argumentLiteralsIncompatible", ""),
    (re.compile(r"OneOf Input Object"), "argumentLiteralsIncompatible", ""),
]


def _shopify_validation_error(error: GraphQLError) -> dict[str, Any]:
    for pattern, code, wording in _RULES:
        match = pattern.search(error.message)
        if match is None:
            continue
        groups = {k: v or "anonymous query" for k, v in match.groupdict().items()}
        message = wording.format(**groups) if wording else error.message
        extensions: dict[str, Any] = {"code": code}
        if code == "undefinedField":
            extensions |= {"typeName": groups["type"], "fieldName": groups["field"]}
        return _formatted(error, message, extensions)
    return _formatted(error, error.message, {"code": "validationFailed"})


def _formatted(
    error: GraphQLError, message: str, extensions: dict[str, Any] | None
) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [
            {"line": loc.line, "column": loc.column} for loc in error.locations
        ]
    if extensions:
        formatted["extensions"] = extensions
    return formatted
