"""The partial cancel and fee rules through App Home: saved, read back, refused field by field,
and shown on the rules screen with what happens to EU/EEA and authorised-only orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.backend.admin.conftest import save_rules
from tests.conftest import Stack


async def test_partial_cancel_and_a_capped_fee_are_saved(stack: Stack) -> None:
    saved = await save_rules(
        stack, partialCancel=True, feePercent="2.5", feeFixed="0,30", feeCap="5"
    )

    policy = await stack.store.get_policy("demo-shop")
    assert saved["__typename"] == "RulesSaved"
    assert policy is not None and policy.partial_cancel
    assert (policy.fee_percent, policy.fee_fixed, policy.fee_cap) == (
        Decimal("2.5"),
        Decimal("0.30"),
        Decimal("5"),
    )


async def test_empty_fee_fields_mean_no_fee(stack: Stack) -> None:
    await save_rules(stack, feePercent="", feeFixed="", feeCap="")

    policy = await stack.store.get_policy("demo-shop")
    assert policy is not None and not policy.fee_percent and policy.fee_cap is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("feePercent", "101"), ("feePercent", "-1"), ("feeFixed", "abc"), ("feeCap", "1.2345")],
)
async def test_a_bad_fee_is_refused_with_its_field_and_nothing_saved(
    stack: Stack, field: str, value: str
) -> None:
    saved = await save_rules(stack, **{field: value})

    assert saved["__typename"] == "RulesInvalid"
    assert [e["field"] for e in saved["errors"]] == [field]
    assert await stack.store.get_policy("demo-shop") is None
