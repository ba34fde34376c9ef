from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.edit.rules import EditRules
from backend.policy import ApprovalMode, CancelReason, RefundMethod, ShopPolicy
from backend.store.base import ShopToken
from backend.store.codec import (
    decode_datetime,
    decode_policy,
    decode_token,
    dumps,
    encode_datetime,
    encode_policy,
    encode_token,
    loads,
)

T0 = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)

POLICY = ShopPolicy(
    enabled=False,
    window_minutes=None,
    cutoff=time(14, 30),
    excluded_product_tags=frozenset({"preorder", "custom-made"}),
    excluded_order_tags=frozenset({"wholesale"}),
    allowed_financial_statuses=frozenset({"PENDING", "PAID"}),
    hold_risky_orders=False,
    refund_method=RefundMethod.STORE_CREDIT,
    restock=False,
    notify_customer=False,
    reasons=(CancelReason("CHANGED_MIND", "Changed my mind"), CancelReason("OTHER", "Other")),
)


def test_policy_is_plain_json_with_sorted_sets_and_a_wall_clock_cutoff() -> None:
    assert encode_policy(POLICY) == {
        "enabled": False,
        "window_minutes": None,
        "cutoff": "14:30",
        "excluded_product_tags": ["custom-made", "preorder"],
        "excluded_order_tags": ["wholesale"],
        "allowed_financial_statuses": ["PAID", "PENDING"],
        "hold_risky_orders": False,
        "refund_method": "STORE_CREDIT",
        "restock": False,
        "notify_customer": False,
        "reasons": [
            {"code": "CHANGED_MIND", "label": "Changed my mind"},
            {"code": "OTHER", "label": "Other"},
        ],
        "staff_note_format": "Cancelled by the customer: {reason}. {note}",
        "hold_fulfillment": False,
        "hold_own_locations_only": False,
        "partial_cancel": False,
        "fee_percent": "0",
        "fee_fixed": "0",
        "fee_cap": None,
        "edits": {
            "address": False,
            "variant": False,
            "quantity": False,
            "own_window": False,
            "window_minutes": None,
            "country_change": False,
        },
        "approval": "OFF",
        "approval_above": None,
        "auto_approve_minutes": None,
    }


FEE_POLICY = ShopPolicy(
    partial_cancel=True, fee_percent=Decimal("2.5"), fee_fixed=Decimal("0.30"), fee_cap=Decimal("5")
)


def test_edit_rules_round_trip_and_a_policy_saved_before_edits_has_them_off() -> None:
    rules = EditRules(address=True, quantity=True, own_window=True, window_minutes=240)
    policy = ShopPolicy(edits=rules)

    assert decode_policy(loads(dumps(encode_policy(policy)))).edits == rules
    before = {k: v for k, v in encode_policy(policy).items() if k != "edits"}
    assert decode_policy(before).edits == EditRules()


def test_approval_rules_round_trip() -> None:
    policy = ShopPolicy(
        approval=ApprovalMode.ABOVE_TOTAL, approval_above=Decimal("99.50"), auto_approve_minutes=45
    )

    assert decode_policy(loads(dumps(encode_policy(policy)))) == policy


@pytest.mark.parametrize(
    "policy", [POLICY, ShopPolicy(), FEE_POLICY], ids=["custom", "default", "partial-and-fee"]
)
def test_policy_round_trips_through_json_text(policy: ShopPolicy) -> None:
    assert decode_policy(loads(dumps(encode_policy(policy)))) == policy


def test_cutoff_with_seconds_is_kept_rather_than_truncated() -> None:
    policy = ShopPolicy(cutoff=time(23, 59, 30))

    assert decode_policy(encode_policy(policy)) == policy


def test_policy_keys_from_a_later_version_are_ignored() -> None:
    data = encode_policy(POLICY) | {"max_order_total": "500.00", "reasons_v2": []}

    assert decode_policy(data) == POLICY


def test_policy_keys_an_earlier_version_never_wrote_take_the_defaults() -> None:
    assert decode_policy({}) == ShopPolicy()
    assert decode_policy({"window_minutes": 30}) == ShopPolicy(window_minutes=30)


def test_explicit_null_turns_a_rule_off_rather_than_taking_the_default() -> None:
    policy = decode_policy({"window_minutes": None, "cutoff": None})

    assert policy.window_minutes is None and policy.cutoff is None


def test_tokens_round_trip_with_and_without_expiry() -> None:
    expiring = ShopToken("shpat_1", T0, "shprt_1", T0 + timedelta(days=90))

    assert decode_token(loads(dumps(encode_token(expiring)))) == expiring
    assert decode_token({"access_token": "shpat_2"}) == ShopToken("shpat_2")


def test_datetimes_are_stored_in_utc_with_fixed_width() -> None:
    paris = datetime(2026, 5, 1, 11, 30, tzinfo=ZoneInfo("Europe/Paris"))

    assert encode_datetime(paris) == "2026-05-01T09:30:00.000000+00:00"
    assert decode_datetime(encode_datetime(paris)) == paris
    assert decode_datetime(encode_datetime(paris)).tzinfo is UTC


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        encode_datetime(datetime(2026, 5, 1, 9, 30))


def test_loads_refuses_anything_but_an_object() -> None:
    with pytest.raises(ValueError):
        loads("[1, 2]")


# Stores compare and index the stored text, so its order must be the instants' order.
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))])
MOMENTS = st.datetimes(datetime(1970, 1, 1), datetime(2200, 1, 1), timezones=ZONES)


@given(MOMENTS, MOMENTS)
def test_stored_datetimes_sort_like_the_instants(a: datetime, b: datetime) -> None:
    assert (encode_datetime(a) < encode_datetime(b)) == (a < b)


def test_reason_translations_round_trip_and_older_policies_read_without_them() -> None:
    policy = ShopPolicy(
        reasons=(CancelReason("WRONG_SIZE", "Wrong size", (("nl", "Verkeerde maat"),)),),
        staff_note_format="Self-cancel: {reason}",
    )
    encoded = encode_policy(policy)

    assert encoded["reasons"] == [
        {"code": "WRONG_SIZE", "label": "Wrong size", "translations": {"nl": "Verkeerde maat"}}
    ]
    assert decode_policy(loads(dumps(encoded))) == policy
    older = decode_policy({"reasons": [{"code": "OTHER", "label": "Other"}]})
    assert older.reasons == (CancelReason("OTHER", "Other"),)
    assert older.staff_note_format == ShopPolicy().staff_note_format
