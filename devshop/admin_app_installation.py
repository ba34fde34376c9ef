"""The app's own corner of the Admin API: `currentAppInstallation`, `metafieldsSet` on it, and
`ordersCount`, as far as the backend uses them.

`metafieldsSet` behaves as Shopify documents it: up to 25 metafields, all or nothing, each
checked (namespace, key, type, value) and refused with `userErrors` that point at the input by
index. devshop models only metafields owned by the app installation; another owner is refused
loudly rather than pretended.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from devshop.admin_context import AdminContext
from devshop.gids import gid, parse_gid
from devshop.world import Metafield, Shop

MAX_METAFIELDS = 25
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_TYPES = {"json", "boolean", "number_integer", "single_line_text_field", "multi_line_text_field"}
# Shopify's default for `ordersCount(limit:)`; more orders than this count as AT_LEAST.
ORDERS_COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class AppInstallation:
    shop: Shop

    @property
    def gid(self) -> str:
        return installation_gid(self.shop)


def installation_gid(shop: Shop) -> str:
    return gid("AppInstallation", shop.id)


def _error(index: int, field: str, code: str, message: str) -> dict[str, Any]:
    return {
        "field": ["metafields", str(index), field],
        "message": message,
        "code": code,
        "elementIndex": index,
    }


def _check(index: int, item: dict[str, Any], ctx: AdminContext) -> list[dict[str, Any]]:
    errors = []
    owner = str(item.get("ownerId") or "")
    parsed = parse_gid(owner)
    if parsed is None or parsed[0] != "AppInstallation":
        raise GraphQLError(f"devshop models metafields on the app installation only, not {owner}")
    if owner != installation_gid(ctx.shop):
        errors.append(_error(index, "ownerId", "INVALID", "Owner does not exist."))
    if item.get("compareDigest") is not None:
        raise GraphQLError("devshop does not model metafieldsSet compareDigest")
    namespace, key = str(item.get("namespace") or ""), str(item["key"])
    if not 3 <= len(namespace) <= 255:
        errors.append(_error(index, "namespace", "INVALID", "Namespace must be 3-255 characters."))
    elif not _NAME.fullmatch(namespace):
        message = "Namespace contains invalid characters."
        errors.append(_error(index, "namespace", "INVALID", message))
    if not 2 <= len(key) <= 64:
        errors.append(_error(index, "key", "INVALID", "Key must be 2-64 characters."))
    elif not _NAME.fullmatch(key):
        errors.append(_error(index, "key", "INVALID", "Key contains invalid characters."))
    kind = item.get("type")
    existing = ctx.world.metafields.get((ctx.shop.domain, namespace, key))
    if kind is None and existing is None:
        errors.append(_error(index, "type", "BLANK", "Type can't be blank."))
    elif kind is not None and kind not in _TYPES:
        raise GraphQLError(f"devshop does not model the metafield type {kind}")
    kind = kind or (existing.type if existing else None)
    value = str(item["value"])
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            errors.append(_error(index, "value", "INVALID_VALUE", "Value must be valid JSON."))
    elif kind == "boolean" and value not in ("true", "false"):
        errors.append(_error(index, "value", "INVALID_VALUE", "Value must be true or false."))
    return errors


def metafields_set(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    items: list[dict[str, Any]] = args["metafields"]
    if len(items) > MAX_METAFIELDS:
        message = f"Exceeded the maximum metafields input limit of {MAX_METAFIELDS}."
        error = {"field": ["metafields"], "message": message, "code": "LESS_THAN_OR_EQUAL_TO"}
        return {"metafields": None, "userErrors": [{**error, "elementIndex": None}]}
    errors = [error for index, item in enumerate(items) for error in _check(index, item, ctx)]
    if errors:
        # All or nothing, as Shopify's metafieldsSet.
        return {"metafields": None, "userErrors": errors}
    now = ctx.world.now()
    saved = []
    for item in items:
        address = (ctx.shop.domain, item["namespace"], item["key"])
        existing = ctx.world.metafields.get(address)
        metafield = Metafield(
            id=existing.id if existing else ctx.world.new_id(),
            shop=ctx.shop.domain,
            namespace=item["namespace"],
            key=item["key"],
            type=item.get("type") or (existing.type if existing else "json"),
            value=str(item["value"]),
            created_at=existing.created_at if existing else now,
            updated_at=now,
        )
        ctx.world.metafields[address] = metafield
        saved.append(metafield)
    return {"metafields": saved, "userErrors": []}


def app_metafield(installation: AppInstallation, ctx: AdminContext, args: dict[str, Any]) -> Any:
    namespace = args.get("namespace")
    if namespace is None:
        raise GraphQLError("devshop needs the namespace for AppInstallation.metafield")
    return ctx.world.metafields.get((installation.shop.domain, namespace, args["key"]))


_CREATED_AT = re.compile(r"created_at:(>=|>|<=|<)'?([0-9T:.+Z-]+)'?")


def orders_count(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    """`ordersCount(query:)` with the one filter the backend sends: `created_at` bounds."""
    query = (args.get("query") or "").strip()
    bounds: list[tuple[str, datetime]] = []
    for term in query.split():
        match = _CREATED_AT.fullmatch(term)
        if match is None:
            raise GraphQLError(f"devshop does not model the ordersCount query term {term!r}")
        bounds.append((match[1], datetime.fromisoformat(match[2].replace("Z", "+00:00"))))
    limit = args.get("limit", ORDERS_COUNT_LIMIT)
    ctx.world.settle_jobs()
    count = 0
    for order in ctx.world.orders.values():
        if order.shop != ctx.shop.domain:
            continue
        if all(_compare(order.created_at, op, moment) for op, moment in bounds):
            count += 1
    if limit is not None and count > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def _compare(value: datetime, op: str, moment: datetime) -> bool:
    if op == ">=":
        return value >= moment
    if op == ">":
        return value > moment
    if op == "<=":
        return value <= moment
    return value < moment
