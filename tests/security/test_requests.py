"""Requests that are not one JSON GraphQL operation over POST: refused before anything runs.

The answers are the storefront contract's (checks in order: 405, 413, 401, 415, 400), each with
`{"errors":[{"message":…,"extensions":{"code":…}}]}`. These requests carry a valid signature,
so what answers is the check under test, not the signature check.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Stack
from tests.security.conftest import (
    CANCELLABLE,
    UNAUTHORIZED,
    Witness,
    cancel_body,
    order_body,
    post_signed,
    proxy_params,
    proxy_url,
    signed,
)

JSON = {"content-type": "application/json"}
MAX_BODY = 64 * 1024


def assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["errors"]
    [error] = body["errors"]
    assert list(error) == ["message", "extensions"]
    assert isinstance(error["message"], str) and error["message"].strip()
    assert error["extensions"] == {"code": code}


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_methods_other_than_post_are_405(prod: Stack, witness: Witness, method: str) -> None:
    async with prod.direct() as client:
        response = await client.request(
            method, proxy_url(signed(proxy_params())), headers={"accept": "text/html"}
        )
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    await witness.nothing_ran()


async def test_a_body_over_64_kib_is_413_even_unsigned(prod: Stack, witness: Witness) -> None:
    padding = "x" * MAX_BODY
    response = await post_signed(prod, json={**cancel_body(CANCELLABLE), "pad": padding})
    assert_error(response, 413, "BODY_TOO_LARGE")
    unsigned = await post_signed(prod, json={"pad": padding}, pairs=proxy_params())
    assert_error(unsigned, 413, "BODY_TOO_LARGE")
    await witness.nothing_ran()


async def test_an_unsigned_request_is_401_before_its_content_type_is_looked_at(
    prod: Stack, witness: Witness
) -> None:
    response = await post_signed(
        prod, content="query", headers={"content-type": "text/plain"}, pairs=proxy_params()
    )
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    await witness.nothing_ran()


CONTENT_TYPES: dict[str, dict[str, Any]] = {
    "text/plain": {
        "content": json.dumps(cancel_body(CANCELLABLE)),
        "headers": {"content-type": "text/plain"},
    },
    "no content type": {"content": json.dumps(cancel_body(CANCELLABLE)).encode()},
    "form-encoded": {"data": {"query": cancel_body(CANCELLABLE)["query"]}},
    "multipart upload": {
        "data": {
            "operations": json.dumps(cancel_body(CANCELLABLE)),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        "files": {"0": ("a.txt", b"hello", "text/plain")},
    },
    "application/graphql": {
        "content": cancel_body(CANCELLABLE)["query"],
        "headers": {"content-type": "application/graphql"},
    },
    "application/jsonp": {
        "content": json.dumps(cancel_body(CANCELLABLE)),
        "headers": {"content-type": "application/jsonp"},
    },
}


@pytest.mark.parametrize("case", CONTENT_TYPES)
async def test_content_types_other_than_json_are_415(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post_signed(prod, **CONTENT_TYPES[case])
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    await witness.nothing_ran()


async def test_json_with_a_charset_is_accepted(prod: Stack, witness: Witness) -> None:
    response = await post_signed(
        prod,
        content=json.dumps(order_body(CANCELLABLE)),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["order"]["name"] == "#1001"
    await witness.nothing_changed()


BAD_BODIES: dict[str, bytes] = {
    "truncated JSON": b'{"query": "{ order(id: 5001) { name } }"',
    "not JSON at all": b"query { order(id: 5001) { name } }",
    "empty body": b"",
    "invalid UTF-8": b'{"query": "\xff\xfe{ order(id: 5001) { name } }"}',
    "UTF-16": json.dumps({"query": "{ order(id: 5001) { name } }"}).encode("utf-16"),
    "a number": b"5001",
    "a string": b'"{ order(id: 5001) { name } }"',
    "null": b"null",
    "true": b"true",
    "no query": b'{"variables": {}}',
    "query null": b'{"query": null}',
    "query a number": b'{"query": 5001}',
    "query a list": b'{"query": ["{ order(id: 5001) { name } }"]}',
    "query an object": b'{"query": {"order": 5001}}',
    "variables a string": b'{"query": "{ order(id: 5001) { name } }", "variables": "x"}',
    "variables a list": b'{"query": "{ order(id: 5001) { name } }", "variables": [1]}',
    "NaN": b'{"query": "{ order(id: 5001) { name } }", "variables": {"x": NaN}}',
}


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_a_body_that_is_not_a_graphql_request_is_400(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post_signed(prod, content=BAD_BODIES[case], headers=JSON)
    assert_error(response, 400, "BAD_REQUEST")
    await witness.nothing_ran()


async def test_a_batch_is_400(prod: Stack, witness: Witness) -> None:
    batch = [cancel_body(CANCELLABLE), cancel_body(CANCELLABLE)]
    response = await post_signed(prod, json=batch)
    assert_error(response, 400, "BATCH_NOT_SUPPORTED")
    await witness.nothing_ran()


async def test_an_empty_batch_is_400(prod: Stack, witness: Witness) -> None:
    response = await post_signed(prod, json=[])
    assert_error(response, 400, "BATCH_NOT_SUPPORTED")
    await witness.nothing_ran()


UNPARSABLE = {
    "unclosed selection": "{ order(id: 5001) { name }",
    "unclosed argument list": "{ order(",
    "empty document": "",
    "only a comment": "# nothing here",
    "NUL in the document": "{ order(id: 5001) { name\x00 } }",
    "unterminated string": '{ order(id: "5001) { name } }',
}


@pytest.mark.parametrize("case", UNPARSABLE)
async def test_a_document_that_does_not_parse_is_400(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post_signed(prod, json={"query": UNPARSABLE[case]})
    assert_error(response, 400, "GRAPHQL_PARSE_FAILED")
    await witness.nothing_ran()


TWO_OPERATIONS = {
    "two queries": "query A { order(id: 5001) { name } } query B { order(id: 5011) { name } }",
    "a query and a cancel": (
        "query A { order(id: 5001) { name } } "
        'mutation B { cancelOrder(input: {orderId: "5001", reason: "OTHER"}) { __typename } }'
    ),
    "two anonymous": "{ order(id: 5001) { name } } { order(id: 5011) { name } }",
}


@pytest.mark.parametrize("case", TWO_OPERATIONS)
@pytest.mark.parametrize("operation_name", [None, "B"])
async def test_more_than_one_operation_is_400(
    prod: Stack, witness: Witness, case: str, operation_name: str | None
) -> None:
    request: dict[str, Any] = {"query": TWO_OPERATIONS[case]}
    if operation_name:
        request["operationName"] = operation_name
    response = await post_signed(prod, json=request)
    assert_error(response, 400, "SINGLE_OPERATION_ONLY")
    await witness.nothing_ran()


async def test_a_subscription_is_400(prod: Stack, witness: Witness) -> None:
    response = await post_signed(prod, json={"query": "subscription { order(id: 5001) { id } }"})
    assert_error(response, 400, "BAD_REQUEST")
    await witness.nothing_ran()


WRONG_VARIABLES: dict[str, dict[str, Any]] = {
    "id a list": {"id": [CANCELLABLE]},
    "id an object": {"id": {"gid": CANCELLABLE}},
    "id a float": {"id": 5001.5},
    "id a boolean": {"id": True},
    "id null": {"id": None},
    "id missing": {},
}


@pytest.mark.parametrize("case", WRONG_VARIABLES)
async def test_variables_of_the_wrong_type_are_graphql_errors(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post_signed(prod, json={**order_body(0), "variables": WRONG_VARIABLES[case]})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"]
    assert "Traceback" not in response.text
    await witness.nothing_ran()


async def test_a_cancel_input_of_the_wrong_shape_is_a_graphql_error(
    prod: Stack, witness: Witness
) -> None:
    for variables in (
        {"input": "5001"},
        {"input": {"orderId": str(CANCELLABLE)}},
        {"input": {"orderId": str(CANCELLABLE), "reason": "OTHER", "refund": True}},
        {"input": {"orderId": str(CANCELLABLE), "reason": ["OTHER"]}},
    ):
        request = {**cancel_body(CANCELLABLE), "variables": variables}
        response = await post_signed(prod, json=request)
        assert response.status_code == 200
        assert response.json()["data"] is None
        assert response.json()["errors"]
    await witness.nothing_ran()
