"""Every Admin API document we send holds up against Shopify's own 2026-10 schema."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_client_schema,
    get_named_type,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values

from backend.policy import RefundMethod, ShopPolicy
from backend.shopify import ADMIN_SCHEMA_PATH, documents
from backend.shopify.gateway import refund_method, staff_note

ROOT = Path(__file__).parents[3]
# Scopes no document needs but the app does: the app proxy's own.
# read_shipping: the address edit reads `deliveryProfiles`; Shopify's docs say DeliveryProfile
# "Requires Any of assigned_shipping or shipping access scopes", which the schema's scope list
# does not carry (test_address_edit_has_the_shipping_scope checks it instead).
NOT_FROM_DOCUMENTS = {"write_app_proxy", "read_shipping"}


@cache
def introspection() -> dict[str, Any]:
    with gzip.open(ADMIN_SCHEMA_PATH) as file:
        data: dict[str, Any] = json.load(file)
    return data


@cache
def schema() -> GraphQLSchema:
    return build_client_schema(introspection()["data"], assume_valid=True)


class Usage(Visitor):
    """Every type and field a document touches, and every deprecated thing it uses."""

    def __init__(self, info: TypeInfo) -> None:
        super().__init__()
        self.info = info
        self.types: set[str] = set()
        self.fields: set[tuple[str, str]] = set()
        self.deprecated: list[str] = []

    def enter_field(self, node: Any, *_: Any) -> None:
        parent, field = self.info.get_parent_type(), self.info.get_field_def()
        if parent is None or field is None:
            return
        self.fields.add((parent.name, node.name.value))
        self.types.add(get_named_type(field.type).name)
        if field.deprecation_reason:
            self.deprecated.append(f"{parent.name}.{node.name.value}")

    def enter_argument(self, node: Any, *_: Any) -> None:
        argument = self.info.get_argument()
        if argument is not None and argument.deprecation_reason:
            self.deprecated.append(f"argument {node.name.value}")

    def enter_enum_value(self, node: Any, *_: Any) -> None:
        value = self.info.get_enum_value()
        if value is not None and value.deprecation_reason:
            self.deprecated.append(f"enum value {node.value}")


def usage(name: str) -> Usage:
    info = TypeInfo(schema())
    found = Usage(info)
    visit(parse(documents.load(name)), TypeInfoVisitor(info, found))
    return found


def required_scopes(found: Usage) -> list[frozenset[str]]:
    """For each scoped type or field used: the scopes of which the app needs one."""
    needs: list[frozenset[str]] = []
    for item in introspection()["offline_scopes"]["items"]:
        used = (
            (item["typeName"], item["fieldName"]) in found.fields
            if item["type"] == "field"
            else item["typeName"] in found.types
        )
        if used and item["offlineScopes"]:
            needs.append(frozenset(item["offlineScopes"]))
    return needs


def configured_scopes() -> set[str]:
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    return {scope.strip() for scope in config["access_scopes"]["scopes"].split(",")}


def subscribed_topics() -> set[str]:
    """The webhook topics of `shopify.app.toml` (not the compliance topics, which need none)."""
    config = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    return {t for s in config["webhooks"]["subscriptions"] for t in s.get("topics", [])}


def topic_enum_value(topic: str) -> str:
    """`orders/create` -> `ORDERS_CREATE`, the schema's `WebhookSubscriptionTopic` value."""
    return topic.replace("/", "_").upper()


def topic_scopes(topic: str) -> frozenset[str]:
    """The scopes of which the app needs one to receive `topic`, as the schema's description of
    its `WebhookSubscriptionTopic` value says ("Requires at least one of the following scopes:
    a, b." or "Requires the `a` scope."); empty when it names none."""
    topics = next(
        t
        for t in introspection()["data"]["__schema"]["types"]
        if t["name"] == "WebhookSubscriptionTopic"
    )
    value = next(v for v in topics["enumValues"] if v["name"] == topic_enum_value(topic))
    text = " ".join((value["description"] or "").split())
    listed = re.search(r"Requires at least one of the following scopes: ([a-z_, ]+)\.", text)
    if listed:
        return frozenset(s.strip() for s in listed.group(1).split(","))
    single = re.search(r"Requires the `([a-z_]+)` scope", text)
    return frozenset([single.group(1)]) if single else frozenset()


def test_there_are_documents() -> None:
    assert {"OrderForCancel", "OrdersForListing", "OrderCancel", "JobStatus"} <= set(
        documents.names()
    )


@pytest.mark.parametrize("name", documents.names())
def test_document_is_valid_against_the_admin_schema(name: str) -> None:
    errors = validate(schema(), parse(documents.load(name)))
    assert errors == []


@pytest.mark.parametrize("name", documents.names())
def test_document_uses_nothing_deprecated(name: str) -> None:
    assert usage(name).deprecated == []


def test_order_cancel_sends_refund_method_not_the_deprecated_refund() -> None:
    text = documents.load("OrderCancel")
    assert "refundMethod: $refundMethod" in text
    assert "refund:" not in text


@pytest.mark.parametrize("name", documents.names())
def test_configured_scopes_cover_every_document(name: str) -> None:
    scopes = configured_scopes()
    missing = [sorted(need) for need in required_scopes(usage(name)) if not need & scopes]
    assert missing == []


def test_every_configured_scope_is_needed() -> None:
    needs = [need for name in documents.names() for need in required_scopes(usage(name))]
    needs += [topic_scopes(topic) for topic in subscribed_topics()]
    unused = {
        scope
        for scope in configured_scopes() - NOT_FROM_DOCUMENTS
        if not any(scope in n for n in needs)
    }
    assert unused == set()


def test_a_field_shopify_lacks_fails_validation() -> None:
    # The check above would be worthless if the schema accepted anything.
    errors = validate(schema(), parse("query { order(id: 1) { cancellable } }"))
    assert errors


@pytest.mark.parametrize("refund", list(RefundMethod))
def test_order_cancel_variables_coerce_against_the_schema(refund: RefundMethod) -> None:
    document = parse(documents.load("OrderCancel"))
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    variables = {
        "orderId": "gid://shopify/Order/1",
        "restock": True,
        "refundMethod": refund_method(ShopPolicy(refund_method=refund)),
        "notifyCustomer": True,
        "staffNote": staff_note("Other reason", "x" * 1000),
    }
    coerced = get_variable_values(schema(), operation.variable_definitions or [], variables)
    assert not isinstance(coerced, list), coerced  # a list holds the coercion errors
    assert len(variables["staffNote"]) <= 255


def test_address_edit_has_the_shipping_scope() -> None:
    assert "deliveryProfiles" in documents.load("OrderForAddressEdit")
    assert "read_shipping" in configured_scopes()
