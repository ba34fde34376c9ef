"""Shopify's global ids: `gid://shopify/Order/5001` names the order whose number is 5001."""

from __future__ import annotations

import re

_GID = re.compile(r"gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>[0-9A-Za-z-]+)")


def gid(type_name: str, id: int | str) -> str:
    return f"gid://shopify/{type_name}/{id}"


def parse_gid(value: str) -> tuple[str, str] | None:
    """(type name, id) of a GID; None for anything that is not one."""
    match = _GID.fullmatch(value)
    return (match["type"], match["id"]) if match else None


def numeric_id(value: str, type_name: str) -> int | None:
    """The number in a GID of `type_name`; None for other types and malformed ids."""
    parsed = parse_gid(value)
    if parsed is None or parsed[0] != type_name or not parsed[1].isdigit():
        return None
    return int(parsed[1])
