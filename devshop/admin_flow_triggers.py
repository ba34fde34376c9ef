"""`flowTriggerReceive`, with Shopify Flow's checks against the app's trigger extensions.

Shopify accepts a trigger only for a `flow_trigger` extension of the app (its `handle`), with a
payload that carries exactly the extension's fields: a reference field (`order_reference`) as
`order_id` (how Shopify's CLI names it), each custom field under its `key`, of its type, and
the whole under 50 KB. Anything else is a `userErrors` entry and no workflow runs. devshop
reads the extensions' TOML files from the repository, so the check is against what ships, and
records every trigger it accepts in `World.flow_triggers`.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from devshop.admin_context import AdminContext
from devshop.world import FlowTrigger

EXTENSIONS_DIR = Path(__file__).resolve().parents[1] / "extensions"
PAYLOAD_LIMIT = 50_000  # bytes of JSON

# The custom field types Shopify's CLI (3.94) lists for a flow_trigger; a reference field is
# one of REFERENCES.
REFERENCES = frozenset({"customer_reference", "order_reference", "product_reference"})
_TYPES: dict[str, Any] = {
    "single_line_text_field": str,
    "multi_line_text_field": str,
    "email": str,
    "url": str,
    "number_decimal": (int, float),
    "number_integer": int,
    "boolean": bool,
}


@cache
def trigger_fields(extensions_dir: Path = EXTENSIONS_DIR) -> dict[str, dict[str, str]]:
    """Each flow_trigger extension's handle -> {payload key: field type}."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(extensions_dir.glob("*/shopify.extension.toml")):
        config = tomllib.loads(path.read_text())
        for extension in config.get("extensions", []):
            if extension.get("type") != "flow_trigger":
                continue
            fields: dict[str, str] = {}
            for field in config.get("settings", {}).get("fields", []):
                kind = str(field["type"])
                if kind.endswith("_reference"):
                    fields[f"{kind.removesuffix('_reference')}_id"] = kind
                else:
                    fields[str(field["key"])] = kind
            found[str(extension["handle"])] = fields
    return found


def payload_errors(handle: str, payload: Any) -> list[str]:
    """Why Flow would refuse this trigger; empty when it would run it."""
    fields = trigger_fields().get(handle)
    if fields is None:
        return [f"Invalid handle '{handle}'"]
    if not isinstance(payload, dict):
        return ["Payload must be an object"]
    errors: list[str] = []
    if len(json.dumps(payload).encode()) > PAYLOAD_LIMIT:
        errors.append(f"Payload exceeds the {PAYLOAD_LIMIT} byte limit")
    for key in payload.keys() - fields.keys():
        errors.append(f"Unknown field '{key}'")
    for key, kind in fields.items():
        if key not in payload:
            errors.append(f"Missing field '{key}'")
            continue
        value = payload[key]
        if kind.endswith("_reference"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        elif kind not in _TYPES:
            errors.append(f"Field '{key}' has a type Flow triggers do not take: {kind}")
            continue
        else:
            expected = _TYPES[kind]
            ok = isinstance(value, expected) and not (isinstance(value, bool) and kind != "boolean")
            if ok and kind == "single_line_text_field":
                ok = "\n" not in value
        if not ok:
            errors.append(f"Field '{key}' is not a valid {kind}")
    return errors


def flow_trigger_receive(ctx: AdminContext, args: dict[str, Any]) -> dict[str, Any]:
    handle = args.get("handle")
    payload = args.get("payload")
    if isinstance(payload, str):  # JSON travels as a string when sent inline
        payload = json.loads(payload)
    errors = payload_errors(str(handle), payload)
    if errors or not isinstance(payload, dict):
        return {"userErrors": [{"field": ["payload"], "message": e} for e in errors]}
    ctx.world.flow_triggers.append(
        FlowTrigger(
            shop=ctx.shop.domain, handle=str(handle), payload=dict(payload), at=ctx.world.now()
        )
    )
    return {"userErrors": []}
