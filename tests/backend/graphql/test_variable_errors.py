"""A caller's mistake in `variables` is answered in GraphQL's words, naming the field and the
expected type, on both storefront endpoints and the admin API, in production too; only our own
exceptions are masked (and logged)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend.observability.logs import JSONFormatter
from tests.backend.admin.conftest import SAVE_RULES, admin_graphql, rules_input
from tests.backend.test_extensions_graphql import post, session_token
from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, ORDERS_QUERY, Stack, graphql, running_stack

INPUT = "Variable '$input' has invalid value"

# (document, variables, the message GraphQL gives)
STOREFRONT = [
    (
        CANCEL_MUTATION,
        {"input": {"orderId": "5001", "reason": "OTHER", "bogus": 1}},
        f"{INPUT}: Expected value of type 'CancelOrderInput' not to include unknown field"
        " 'bogus', found: {'orderId': '5001', 'reason': 'OTHER', 'bogus': 1}.",
    ),
    (
        CANCEL_MUTATION,
        {"input": {"orderId": "5001"}},
        f"{INPUT}: Expected value of type 'CancelOrderInput' to include required field"
        " 'reason', found: {'orderId': '5001'}.",
    ),
    (
        CANCEL_MUTATION,
        {"input": {"orderId": 5001.5, "reason": "OTHER"}},
        f"{INPUT} at .orderId: ID cannot represent value: 5001.5",
    ),
    (
        CANCEL_MUTATION,
        {"input": {"orderId": "5001", "reason": 3}},
        f"{INPUT} at .reason: String cannot represent a non string value: 3",
    ),
    (
        CANCEL_MUTATION,
        {"input": {"orderId": "5001", "reason": "OTHER", "note": ["a"]}},
        f"{INPUT} at .note: String cannot represent a non string value: ['a']",
    ),
    (
        CANCEL_MUTATION,
        {"input": "5001"},
        f"{INPUT}: Expected value of type 'CancelOrderInput' to be an object, found: '5001'.",
    ),
    (
        CANCEL_MUTATION,
        {},
        f"{INPUT}: Expected a value of non-null type 'CancelOrderInput!' to be provided.",
    ),
    (
        ORDER_QUERY,
        {"id": True},
        "Variable '$id' has invalid value: ID cannot represent value: True",
    ),
    (
        ORDERS_QUERY,
        {"ids": ["5001", None]},
        "Variable '$ids' has invalid value at [1]: Expected value of non-null type 'ID!'"
        " not to be None.",
    ),
]


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, app_env="production") as running:
        yield running


def only_error(body: dict[str, Any]) -> str:
    assert body["data"] is None, body
    (error,) = body["errors"]
    message: str = error["message"]
    return message


@pytest.mark.parametrize(("document", "variables", "message"), STOREFRONT)
async def test_app_proxy_answers_malformed_variables_in_graphqls_words(
    production: Stack, document: str, variables: dict[str, Any], message: str
) -> None:
    async with production.shopper() as client:
        response = await graphql(client, document, variables)
    assert response.status_code == 200
    assert only_error(response.json()) == message
    assert production.world.calls == []


@pytest.mark.parametrize(("document", "variables", "message"), STOREFRONT)
async def test_extensions_endpoint_answers_malformed_variables_in_graphqls_words(
    production: Stack, document: str, variables: dict[str, Any], message: str
) -> None:
    response = await post(production, document, variables, session_token())
    assert response.status_code == 200
    assert only_error(response.json()) == message


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"windowMinutes": "sixty"},
            f"{INPUT} at .windowMinutes: Int cannot represent non-integer value: 'sixty'",
        ),
        (
            {"refundMethod": "CASH"},
            f"{INPUT} at .refundMethod: Value 'CASH' does not exist in 'RefundMethod' enum.",
        ),
        (
            {"colour": "red"},
            f"{INPUT}: Expected value of type 'RulesInput' not to include unknown field 'colour'",
        ),
    ],
)
async def test_admin_api_answers_malformed_variables_in_graphqls_words(
    production: Stack, changes: dict[str, Any], message: str
) -> None:
    response = await admin_graphql(production, SAVE_RULES, {"input": rules_input(**changes)})
    assert response.status_code == 200
    assert only_error(response.json()).startswith(message)


async def test_our_own_exception_is_masked_and_logged_with_the_request_id(
    production: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(production.served_backend.state["cancellations"], "cancel", broken)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JSONFormatter())
    graphql_logger = logging.getLogger("backend.graphql")
    graphql_logger.addHandler(handler)
    try:
        async with production.shopper() as client:
            response = await client.post(
                "/apps/cancel/graphql",
                json={
                    "query": CANCEL_MUTATION,
                    "variables": {"input": {"orderId": "5001", "reason": "OTHER"}},
                },
                headers={"X-Request-Id": "req-42"},
            )
    finally:
        graphql_logger.removeHandler(handler)
    assert only_error(response.json()) == "Unexpected error."
    (line,) = [json.loads(text) for text in written.getvalue().splitlines()]
    assert (line["level"], line["request_id"]) == ("error", "req-42")
    assert "RuntimeError: a bug of ours" in line["exception"]
