"""The Admin GraphQL endpoint, `POST /admin/api/{version}/graphql.json`, answering as Shopify does.

A request goes through Shopify's gates in Shopify's order, and stops at the first that refuses:

1. the API version (404) and the shop named by `Host` (404);
2. `X-Shopify-Access-Token` against that shop's token (401, Shopify's wording);
3. the body: JSON with `query` (or `application/graphql`), else 400;
4. injected faults that strike before execution (status, delay, throttle): nothing runs;
5. parse and validation against the real Admin schema: HTTP 200, `errors`, no `data`;
6. cost: over 1000 requested is `MAX_COST_EXCEEDED`; more than the shop's bucket holds is
   `THROTTLED`; both HTTP 200 with `extensions.cost` and nothing executed;
7. execution over the world; the bucket gets back what the query did not use;
8. faults that strike after execution (the mutation ran, the client hears a 502 or waits).

Every request for a known shop lands in `world.calls`, so tests can count what reached Shopify.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute_sync,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_variable_values
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devshop.admin_context import AdminContext
from devshop.admin_cost import MAX_QUERY_COST, ActualCostMeter, requested_cost
from devshop.admin_resolvers import ROOT, resolve_field, resolve_type
from devshop.admin_schema import Errors, admin_schema, parse_and_validate
from devshop.admin_throttle import BucketConfig, RateLimits, max_cost_error, throttled_error
from devshop.faults import Fault, Faults, Stage
from devshop.world import AdminCall, Shop, World

API_VERSION = "2026-10"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
BAD_BODY = {"errors": {"query": "Required parameter missing or invalid"}}


def admin_routes(
    world: World,
    faults: Faults,
    bucket_config: BucketConfig | None = None,
    *,
    issued: Callable[[str, str], bool] | None = None,
) -> list[Route]:
    """The endpoint, over `world`. `bucket_config` stays live: tests may change it later.

    `issued(shop_domain, token)` accepts tokens devshop's token endpoint issued (and has not
    seen expire), besides each shop's seeded `access_token`.
    """
    endpoint = AdminEndpoint(world, faults, bucket_config or BucketConfig(), issued=issued)
    return [Route("/admin/api/{version}/graphql.json", endpoint.handle, methods=["POST"])]


@dataclass
class _Prepared:
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: VariableValues
    raw_variables: dict[str, Any]


class AdminEndpoint:
    def __init__(
        self,
        world: World,
        faults: Faults,
        bucket_config: BucketConfig,
        *,
        issued: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.world = world
        self.issued = issued
        self.faults = faults
        self.schema: GraphQLSchema = admin_schema()  # built now, not on the first request
        self.limits = RateLimits(bucket_config, world.now)
        world.on_reset.append(self.limits.reset)

    async def handle(self, request: Request) -> Response:
        shop = self.world.shops.get(request.headers.get("host", "").split(":")[0].lower())
        if request.path_params["version"] != API_VERSION or shop is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        self.world.settle_jobs()
        call = AdminCall(at=self.world.now(), shop=shop.domain)
        self.world.calls.append(call)
        if not self._authorized(shop, request.headers.get("x-shopify-access-token", "")):
            return _answer(call, 401, {"errors": INVALID_TOKEN})
        body = _parse_body(request.headers.get("content-type", ""), await request.body())
        if body is None:
            return _answer(call, 400, BAD_BODY)
        query, call.variables, call.operation_name = body
        prepared = self._prepare(query, call)
        if (failure := await self._strike("before", call, shop)) is not None:
            return failure
        if not isinstance(prepared, _Prepared):
            return _answer(call, 200, {"errors": prepared})
        return await self._run(prepared, call, shop)

    def _authorized(self, shop: Shop, token: str) -> bool:
        if token and token == shop.access_token:
            return True
        return bool(token) and self.issued is not None and self.issued(shop.domain, token)

    def _prepare(self, query: str, call: AdminCall) -> _Prepared | Errors:
        """Parse, validate and cost the document, noting in `call` what it asks for."""
        document = parse_and_validate(self.schema, query)
        if not isinstance(document, DocumentNode):
            return document
        operation = get_operation_ast(document, call.operation_name)
        if operation is None:
            message = (
                f'No operation named "{call.operation_name}"'
                if call.operation_name
                else "An operation name is required"
            )
            return [{"message": message}]
        call.operation = operation.operation.value
        call.operation_name = operation.name.value if operation.name else None
        call.root_fields = tuple(_root_fields(document, operation.selection_set))
        variables = get_variable_values(
            self.schema, operation.variable_definitions or (), call.variables
        )
        if isinstance(variables, list):
            return [_error_json(error) for error in variables]
        call.requested_cost = requested_cost(self.schema, document, operation, variables)
        return _Prepared(document, operation, variables, call.variables)

    async def _run(self, prepared: _Prepared, call: AdminCall, shop: Shop) -> Response:
        requested = call.requested_cost or 0
        if requested > MAX_QUERY_COST:
            error = max_cost_error(requested, MAX_QUERY_COST)
            return _answer(call, 200, self._with_cost({"errors": [error]}, call, shop))
        if not self.limits.take(shop.domain, requested):
            call.throttled = True
            return _answer(call, 200, self._with_cost({"errors": [throttled_error()]}, call, shop))
        self.world.settle_jobs()  # a delay fault may have let due jobs pile up meanwhile
        meter = ActualCostMeter()
        result = execute_sync(
            self.schema,
            prepared.document,
            root_value=ROOT,
            context_value=AdminContext(self.world, shop, call),
            variable_values=prepared.raw_variables,
            operation_name=call.operation_name,
            field_resolver=resolve_field,
            type_resolver=resolve_type,
            middleware=[meter],
        )
        call.executed = True
        call.actual_cost = meter.total
        self.limits.give_back(shop.domain, requested - meter.total)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [_error_json(error) for error in result.errors]
        payload["data"] = result.data
        if (failure := await self._strike("after", call, shop)) is not None:
            return failure
        return _answer(call, 200, self._with_cost(payload, call, shop))

    async def _strike(self, stage: Stage, call: AdminCall, shop: Shop) -> Response | None:
        """Apply the faults that strike now; the response they force, if any."""
        response = None
        for fault in self.faults.strike(stage, call.operation, call.root_fields):
            call.fault = fault.label() if call.fault is None else f"{call.fault},{fault.label()}"
            if fault.kind == "delay":
                await self.faults.sleep(fault.seconds)
            elif fault.kind == "throttle":
                call.throttled = True
                payload = {"errors": [throttled_error()]}
                payload = self._with_cost(payload, call, shop, fault.currently_available)
                response = _answer(call, 200, payload)
            else:
                response = _failure(call, fault)
        return response

    def _with_cost(
        self,
        payload: dict[str, Any],
        call: AdminCall,
        shop: Shop,
        currently_available: float | None = None,
    ) -> dict[str, Any]:
        cost = self.limits.cost_extension(
            shop.domain, call.requested_cost, call.actual_cost, currently_available
        )
        return {**payload, "extensions": {"cost": cost}}


def _parse_body(content_type: str, raw: bytes) -> tuple[str, dict[str, Any], str | None] | None:
    """(query, variables, operationName), or None where Shopify answers 400."""
    if content_type.startswith("application/graphql"):
        text = raw.decode(errors="replace")
        return (text, {}, None) if text.strip() else None
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    query = body.get("query")
    variables = body.get("variables") or {}
    operation_name = body.get("operationName") or None
    if not isinstance(query, str) or not query.strip() or not isinstance(variables, dict):
        return None
    if operation_name is not None and not isinstance(operation_name, str):
        return None
    return query, variables, operation_name


def _root_fields(document: DocumentNode, selection_set: SelectionSetNode) -> list[str]:
    """The root fields selected, one entry each (so two aliased `orderCancel`s count twice)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    fields: list[str] = []
    pending = list(selection_set.selections)
    while pending:
        selection = pending.pop(0)
        if isinstance(selection, FieldNode):
            fields.append(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            pending += selection.selection_set.selections
        elif isinstance(selection, FragmentSpreadNode):
            pending += fragments[selection.name.value].selection_set.selections
    return fields


def _error_json(error: GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        # A bug in devshop, told as Shopify tells its own.
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR"}
    return formatted


def _answer(
    call: AdminCall, status: int, payload: Any, headers: dict[str, str] | None = None
) -> Response:
    call.status = status
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        codes = (e.get("extensions", {}).get("code") for e in payload["errors"])
        call.error_codes = [code for code in codes if code]
    return JSONResponse(
        payload, status_code=status, headers={"X-Request-Id": str(uuid.uuid4()), **(headers or {})}
    )


def _failure(call: AdminCall, fault: Fault) -> Response:
    call.status = fault.status
    headers = {"X-Request-Id": str(uuid.uuid4())}
    if fault.status == 429:
        headers["Retry-After"] = f"{fault.retry_after or 1.0:g}"
        body = {"errors": "Exceeded the rate limit. Reduce request rates to resume service."}
        return JSONResponse(body, status_code=429, headers=headers)
    # Shopify's edge answers 5xx with an HTML page, not JSON.
    html = f"<html><body><h1>{fault.status}</h1>devshop injected fault</body></html>"
    return Response(html, status_code=fault.status, media_type="text/html", headers=headers)
