"""What the store keeps as JSON documents (policies, tokens) and how it writes instants as text.

Each `encode_*` returns a dict of JSON values and each `decode_*` takes one back. Datetimes
travel as fixed-width ISO-8601 in UTC, `2026-05-01T09:30:00.000000+00:00`, so their text sorts
like the instants it names: SQLite keeps instants as this text (schema.py's `UTCDateTime`).

A policy is read leniently: keys a later version added are ignored and keys an earlier version
never wrote take the `ShopPolicy` defaults, so new rules need no migration of saved policies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from backend.edit.rules import EditRules
from backend.orders import FulfillmentOrderState, OrderSnapshot
from backend.policy import ApprovalMode, CancelBlock, CancelReason, RefundMethod, ShopPolicy
from backend.store.base import Attempt, Outcome, ShopToken

__all__ = [
    "decode_datetime",
    "decode_attempt_json",
    "decode_policy",
    "decode_snapshot",
    "decode_token",
    "dumps",
    "encode_attempt_json",
    "encode_datetime",
    "encode_policy",
    "encode_snapshot",
    "encode_token",
    "loads",
]


def dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def loads(text: str | bytes) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


def encode_datetime(value: datetime) -> str:
    # A naive datetime has no instant; guessing its zone would silently shift stored times.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime cannot be stored: {value!r}")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def decode_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"stored datetime has no offset: {text!r}")
    return value.astimezone(UTC)


def _optional_datetime(value: datetime | None) -> str | None:
    return None if value is None else encode_datetime(value)


def _decode_optional_datetime(text: str | None) -> datetime | None:
    return None if text is None else decode_datetime(text)


# Policy


def _encode_cutoff(cutoff: time) -> str:
    # "HH:MM" is what merchants set; keep seconds only if some caller ever sets them.
    exact_minute = cutoff.second == 0 and cutoff.microsecond == 0
    return cutoff.isoformat(timespec="minutes" if exact_minute else "auto")


def encode_policy(policy: ShopPolicy) -> dict[str, Any]:
    return {
        "enabled": policy.enabled,
        "window_minutes": policy.window_minutes,
        "cutoff": None if policy.cutoff is None else _encode_cutoff(policy.cutoff),
        "excluded_product_tags": sorted(policy.excluded_product_tags),
        "excluded_order_tags": sorted(policy.excluded_order_tags),
        "allowed_financial_statuses": sorted(policy.allowed_financial_statuses),
        "hold_risky_orders": policy.hold_risky_orders,
        "refund_method": policy.refund_method.value,
        "restock": policy.restock,
        "notify_customer": policy.notify_customer,
        "reasons": [_encode_reason(r) for r in policy.reasons],
        "staff_note_format": policy.staff_note_format,
        "hold_fulfillment": policy.hold_fulfillment,
        "hold_own_locations_only": policy.hold_own_locations_only,
        "partial_cancel": policy.partial_cancel,
        "fee_percent": str(policy.fee_percent),
        "fee_fixed": str(policy.fee_fixed),
        "fee_cap": None if policy.fee_cap is None else str(policy.fee_cap),
        "edits": _encode_edit_rules(policy.edits),
        "approval": policy.approval.value,
        "approval_above": None if policy.approval_above is None else str(policy.approval_above),
        "auto_approve_minutes": policy.auto_approve_minutes,
    }


def _encode_edit_rules(rules: EditRules) -> dict[str, Any]:
    return {
        "address": rules.address,
        "variant": rules.variant,
        "quantity": rules.quantity,
        "own_window": rules.own_window,
        "window_minutes": rules.window_minutes,
        "country_change": rules.country_change,
    }


def _decode_edit_rules(data: Mapping[str, Any]) -> EditRules:
    window = data.get("window_minutes")
    return EditRules(
        address=bool(data.get("address", False)),
        variant=bool(data.get("variant", False)),
        quantity=bool(data.get("quantity", False)),
        own_window=bool(data.get("own_window", False)),
        window_minutes=None if window is None else int(window),
        country_change=bool(data.get("country_change", False)),
    )


def _encode_reason(reason: CancelReason) -> dict[str, Any]:
    encoded: dict[str, Any] = {"code": reason.code, "label": reason.label}
    if reason.translations:
        encoded["translations"] = dict(reason.translations)
    return encoded


def decode_policy(data: Mapping[str, Any]) -> ShopPolicy:
    fields: dict[str, Any] = {}
    for name in (
        "enabled",
        "hold_risky_orders",
        "restock",
        "notify_customer",
        "hold_fulfillment",
        "hold_own_locations_only",
        "partial_cancel",
    ):
        if name in data:
            fields[name] = bool(data[name])
    for name in ("fee_percent", "fee_fixed"):
        if name in data:
            fields[name] = Decimal(str(data[name]))
    if "fee_cap" in data:
        fields["fee_cap"] = None if data["fee_cap"] is None else Decimal(str(data["fee_cap"]))
    if "window_minutes" in data:
        window = data["window_minutes"]
        fields["window_minutes"] = None if window is None else int(window)
    if "cutoff" in data:
        cutoff = data["cutoff"]
        fields["cutoff"] = None if cutoff is None else time.fromisoformat(cutoff)
    for name in ("excluded_product_tags", "excluded_order_tags", "allowed_financial_statuses"):
        if name in data:
            fields[name] = frozenset(str(value) for value in data[name])
    if "refund_method" in data:
        fields["refund_method"] = RefundMethod(data["refund_method"])
    if "reasons" in data:
        fields["reasons"] = tuple(
            CancelReason(
                code=str(item["code"]),
                label=str(item["label"]),
                translations=tuple(
                    (str(locale), str(label))
                    for locale, label in (item.get("translations") or {}).items()
                ),
            )
            for item in data["reasons"]
        )
    if "staff_note_format" in data:
        fields["staff_note_format"] = str(data["staff_note_format"])
    if "edits" in data:
        fields["edits"] = _decode_edit_rules(data["edits"])
    if "approval" in data:
        fields["approval"] = ApprovalMode(data["approval"])
    if data.get("approval_above") is not None:
        fields["approval_above"] = Decimal(str(data["approval_above"]))
    if data.get("auto_approve_minutes") is not None:
        fields["auto_approve_minutes"] = int(data["auto_approve_minutes"])
    return ShopPolicy(**fields)


# Token


def encode_token(token: ShopToken) -> dict[str, Any]:
    return {
        "access_token": token.access_token,
        "expires_at": _optional_datetime(token.expires_at),
        "refresh_token": token.refresh_token,
        "refresh_token_expires_at": _optional_datetime(token.refresh_token_expires_at),
    }


def decode_token(data: Mapping[str, Any]) -> ShopToken:
    return ShopToken(
        access_token=data["access_token"],
        expires_at=_decode_optional_datetime(data.get("expires_at")),
        refresh_token=data.get("refresh_token"),
        refresh_token_expires_at=_decode_optional_datetime(data.get("refresh_token_expires_at")),
    )


# Order snapshot (the mirror's)


def encode_snapshot(order: OrderSnapshot) -> dict[str, Any]:
    return {
        "id": order.id,
        "name": order.name,
        "customer_id": order.customer_id,
        "created_at": encode_datetime(order.created_at),
        "cancelled_at": None if order.cancelled_at is None else encode_datetime(order.cancelled_at),
        "closed": order.closed,
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "fulfillment_orders": [
            [
                fo.status,
                fo.request_status,
                fo.id,
                list(fo.our_holds),
                fo.other_holds,
                None if fo.actions is None else sorted(fo.actions),
            ]
            for fo in order.fulfillment_orders
        ],
        "tags": sorted(order.tags),
        "product_tags": sorted(order.product_tags),
        "risk_recommendation": order.risk_recommendation,
        "confirmation_number": order.confirmation_number,
        "updated_at": None if order.updated_at is None else encode_datetime(order.updated_at),
    }


def _fulfillment_order(fields: Sequence[Any]) -> FulfillmentOrderState:
    # Snapshots kept before issue 12 hold only [status, request_status].
    status, request, *rest = fields
    return FulfillmentOrderState(
        status=status,
        request_status=request,
        id=str(rest[0]) if rest else "",
        our_holds=tuple(rest[1]) if len(rest) > 1 else (),
        other_holds=int(rest[2]) if len(rest) > 2 else 0,
        actions=frozenset(rest[3]) if len(rest) > 3 and rest[3] is not None else None,
    )


def decode_snapshot(data: Mapping[str, Any]) -> OrderSnapshot:
    cancelled = data.get("cancelled_at")
    return OrderSnapshot(
        id=data["id"],
        name=data["name"],
        customer_id=data.get("customer_id"),
        created_at=decode_datetime(data["created_at"]),
        cancelled_at=None if cancelled is None else decode_datetime(cancelled),
        closed=bool(data["closed"]),
        financial_status=data.get("financial_status"),
        fulfillment_status=data["fulfillment_status"],
        fulfillment_orders=tuple(
            _fulfillment_order(fo) for fo in data.get("fulfillment_orders") or ()
        ),
        tags=frozenset(data.get("tags") or ()),
        product_tags=frozenset(data.get("product_tags") or ()),
        risk_recommendation=data.get("risk_recommendation") or "NONE",
        confirmation_number=data.get("confirmation_number"),
        updated_at=None if data.get("updated_at") is None else decode_datetime(data["updated_at"]),
    )


# An attempt as a job's argument (a webhook's "otherwise, record this")


def encode_attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "shop": attempt.shop,
        "order_id": attempt.order_id,
        "customer_id": attempt.customer_id,
        "reason_code": attempt.reason_code,
        "note": attempt.note,
        "outcome": attempt.outcome.value,
        "at": encode_datetime(attempt.at),
        "block": None if attempt.block is None else attempt.block.value,
    }


def decode_attempt_json(data: Mapping[str, Any]) -> Attempt:
    block = data.get("block")
    return Attempt(
        shop=data["shop"],
        order_id=data["order_id"],
        customer_id=data.get("customer_id"),
        reason_code=data["reason_code"],
        note=data.get("note"),
        outcome=Outcome(data["outcome"]),
        at=decode_datetime(data["at"]),
        block=None if block is None else CancelBlock(block),
    )
