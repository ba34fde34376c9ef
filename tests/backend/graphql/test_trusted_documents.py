"""Trusted documents: the registry is exactly what the theme block's script sends, and with
`TRUSTED_DOCUMENTS=on` nothing else runs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from graphql import parse, validate

from backend.graphql.schema import build_schema
from backend.graphql.trusted_documents import THEME_BLOCK_DOCUMENTS, UI_EXTENSION_DOCUMENTS
from tests.conftest import ORDER_QUERY, Stack, graphql, running_stack
from tests.extensions.block_scripts import block_javascript

CORE = Path(__file__).parents[3] / "extensions/shared/cancel-core.js"
EXPORTED = (
    "ORDER_QUERY|CANCEL_MUTATION|ITEMS_QUERY|BUY_AGAIN_QUERY|EDIT_MUTATION|SIZES_QUERY"
    "|WITHDRAW_MUTATION"
    "|QUANTITY_QUERY|QUANTITY_MUTATION"
)
EXPORT = re.compile(rf"export const (?:{EXPORTED}) =\s*((?:'[^'\\]*'\s*\+?\s*)+);")
# `.post(` (the block's own `this.post(`, or its parts' `block.post(`) followed by one or more
# single-quoted literals joined with `+`: the form the scripts use. Anything else (a template
# literal, a variable) fails the count check below.
POST = re.compile(r"(?:this|block)\.post\(\s*((?:'[^'\\]*'\s*\+?\s*)+),")
LITERAL = re.compile(r"'([^'\\]*)'")


def documents_in_script() -> list[str]:
    """What the block's scripts send, file by file in the order the page runs them."""
    source = block_javascript()
    found = ["".join(LITERAL.findall(match.group(1))) for match in POST.finditer(source)]
    assert len(found) == source.count(".post("), "a .post( call this test cannot read"
    return found


def test_the_registry_holds_exactly_what_the_theme_block_sends() -> None:
    assert documents_in_script() == list(THEME_BLOCK_DOCUMENTS)


def test_the_registry_holds_exactly_what_the_ui_extensions_send() -> None:
    found = ["".join(LITERAL.findall(m.group(1))) for m in EXPORT.finditer(CORE.read_text())]
    assert found == list(UI_EXTENSION_DOCUMENTS)


def test_every_trusted_document_is_valid_against_the_schema() -> None:
    schema = build_schema(production=True)._schema
    for document in THEME_BLOCK_DOCUMENTS + UI_EXTENSION_DOCUMENTS:
        assert validate(schema, parse(document)) == []


@pytest.fixture
async def trusted(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, trusted_documents=True) as running:
        yield running


async def test_the_blocks_own_documents_run(trusted: Stack) -> None:
    listing, cancel, *_others = THEME_BLOCK_DOCUMENTS
    async with trusted.shopper() as ada:
        orders = await graphql(ada, listing, {"ids": ["5001"]})
        cancelled = await graphql(
            ada, cancel, {"input": {"orderId": "5001", "reason": "OTHER", "note": None}}
        )
    assert orders.json()["data"]["orders"][0]["cancellable"] is True
    assert cancelled.json() == {
        "data": {"cancelOrder": {"order": {"status": "PENDING"}, "refunded": None}}
    }


@pytest.mark.parametrize(
    "document",
    [
        ORDER_QUERY,
        "{ __typename }",
        THEME_BLOCK_DOCUMENTS[0] + " ",
        "{ __schema { types { name } } }",
    ],
)
async def test_any_other_document_is_refused_before_it_runs(trusted: Stack, document: str) -> None:
    async with trusted.shopper() as ada:
        response = await graphql(ada, document, {"id": "5001", "ids": ["5001"]})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "This document is not accepted here.",
                "extensions": {"code": "UNTRUSTED_DOCUMENT"},
            }
        ]
    }
    assert trusted.world.calls == []
