"""The log format's safety net and the request id, unit by unit."""

from __future__ import annotations

import json
import logging

import pytest

from backend.observability.context import request_id_from
from backend.observability.logs import JSONFormatter, redact, redact_path


@pytest.mark.parametrize(
    ("text", "kept_out"),
    [
        ("GET /proxy/graphql?shop=a&signature=abc123def", "abc123def"),
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.sig", "eyJhbGciOi"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln in a message", "eyJzdWIiOiIxIn0"),
        ("refreshed shpat_0123456789abcdef for demo-shop", "0123456789abcdef"),
        ("customer ada.lovelace@example.com asked", "ada.lovelace@example.com"),
        ("code=oauth-code&state=1", "oauth-code"),
    ],
)
def test_secrets_in_a_message_are_redacted(text: str, kept_out: str) -> None:
    assert kept_out not in redact(text)


def test_a_path_keeps_its_query_names_but_not_their_values() -> None:
    path = "/proxy/graphql?shop=demo.myshopify.com&logged_in_customer_id=1001&signature=ab"
    assert redact_path(path) == (
        "/proxy/graphql?shop=[redacted]&logged_in_customer_id=[redacted]&signature=[redacted]"
    )
    assert redact_path("/healthz") == "/healthz"


@pytest.mark.parametrize("header", [None, "", "a b", "x" * 129, "id\nforged line", "ü"])
def test_an_unsafe_request_id_is_replaced(header: str | None) -> None:
    made = request_id_from(header)
    assert made != header and len(made) == 32


def test_a_safe_request_id_is_kept() -> None:
    assert request_id_from("abc-123_4.5:6") == "abc-123_4.5:6"


def test_a_line_is_one_json_object_with_its_fields() -> None:
    record = logging.LogRecord(
        "backend.x", logging.WARNING, __file__, 1, "hi %s", ("a@b.io",), None
    )
    record.fields = {"route": "/webhooks"}
    line = json.loads(JSONFormatter().format(record))
    assert line["level"] == "warning"
    assert line["message"] == "hi [email]"
    assert line["route"] == "/webhooks"
    assert line["time"].endswith("+00:00")
