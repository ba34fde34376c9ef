"""What a storefront request asks for, read before Strawberry runs it.

The endpoint needs three answers before anything executes: is the body a single GraphQL
request (not a batch), is its document one operation, and is that operation a read or a cancel
(and of which order), since reads and cancels have separate rate limits. Each refusal is a
`Rejected` with the HTTP status and code of the storefront contract.

Documents are parsed with the schema's own token cap: a document over it is left to Strawberry,
whose `MaxTokensLimiter` answers it as GraphQL does (HTTP 200, an error, nothing executed). The
cap also bounds the parser's recursion, which an uncapped parse of a deeply nested 64 KiB
document would exhaust.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

from backend.orders import order_gid
from backend.ratelimit import Kind

CANCEL_FIELD = "cancelOrder"
EDIT_FIELD = "editOrder"  # changes an order too: counted, and limited, as an action on it
ACTION_FIELDS = frozenset({CANCEL_FIELD, EDIT_FIELD})


class Rejected(Exception):
    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    """What one request counts as: a read, or a cancel of `order` (a GID, if it names one)."""

    kind: Kind
    order: str | None = None


def bad_request(message: str, code: str = "BAD_REQUEST") -> Rejected:
    return Rejected(400, message, code)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's parser would accept NaN and Infinity


def read_request(body: bytes) -> GraphQLRequest:
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("The body must be JSON.") from None
    if isinstance(data, list):
        raise bad_request("Send one operation per request.", "BATCH_NOT_SUPPORTED")
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.")
    query, variables = data.get("query"), data.get("variables")
    if not isinstance(query, str):
        raise bad_request("`query` must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise bad_request("`variables` must be an object.")
    name = data.get("operationName")
    if name is not None and not isinstance(name, str):
        raise bad_request("`operationName` must be a string.")
    return GraphQLRequest(query=query, variables=variables or {})


def _is_token_cap(error: GraphQLSyntaxError) -> bool:
    return "more than" in error.message and "tokens" in error.message


@lru_cache(maxsize=256)
def _parse(query: str, max_tokens: int) -> DocumentNode:
    # Our front ends send a few fixed documents: parse each once, as Strawberry's cache does.
    return parse(query, no_location=True, max_tokens=max_tokens)


def operation_of(request: GraphQLRequest, max_tokens: int) -> Operation:
    try:
        document = _parse(request.query, max_tokens)
    except GraphQLSyntaxError as error:
        if _is_token_cap(error):
            return Operation(Kind.READ)  # Strawberry refuses it; it counts as one request
        raise bad_request(error.message, "GRAPHQL_PARSE_FAILED") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1:
        raise bad_request("Send one operation per request.", "SINGLE_OPERATION_ONLY")
    if not operations or operations[0].operation is OperationType.QUERY:
        return Operation(Kind.READ)
    operation = operations[0]
    if operation.operation is OperationType.SUBSCRIPTION:
        raise bad_request("Subscriptions are not supported.")
    cancels = list(_root_fields(document, operation.selection_set, set()))
    cancels = [field for field in cancels if field.name.value in ACTION_FIELDS]
    if not cancels:
        return Operation(Kind.READ)
    if len(cancels) > 1:
        raise bad_request("Cancel one order per request.", "ONE_CANCEL_PER_REQUEST")
    return Operation(Kind.CANCEL, order=_order_of(cancels[0], request.variables))


def _root_fields(
    document: DocumentNode, selections: SelectionSetNode, seen: set[str]
) -> Iterator[FieldNode]:
    """Every root field, through fragments too: `...F` may hide more `cancelOrder`s."""
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(document, selection.selection_set, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen:
                continue  # a cycle, which validation refuses; count each fragment once
            seen.add(name)
            for definition in document.definitions:
                if isinstance(definition, FragmentDefinitionNode) and definition.name.value == name:
                    yield from _root_fields(document, definition.selection_set, seen)


def _order_of(field: FieldNode, variables: Mapping[str, Any]) -> str | None:
    for argument in field.arguments or ():
        if argument.name.value != "input":
            continue
        value = value_from_ast_untyped(argument.value, dict(variables))
        if isinstance(value, dict):
            order = value.get("orderId")
            if isinstance(order, str | int) and not isinstance(order, bool):
                return order_gid(str(order))
    return None
