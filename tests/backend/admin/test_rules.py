"""Rules through `POST /admin/graphql`: round trip, per-field validation, and their effect on the
storefront and on the theme block's metafield in devshop."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.policy import ShopPolicy
from devshop.faults import Fault
from devshop.seed import DemoOrders
from tests.backend.admin.conftest import (
    RULES_QUERY,
    SAVE_RULES,
    admin_graphql,
    id_token,
    rules_input,
    save_rules,
)
from tests.conftest import ORDER_QUERY, Stack, cancel, graphql

# devshop's demo secret is shorter than PyJWT's recommended 32 bytes; Shopify's are not.


async def test_a_new_shop_reads_the_default_rules(stack: Stack) -> None:
    response = await admin_graphql(stack, RULES_QUERY)

    rules = response.json()["data"]["rules"]
    assert rules["enabled"] is True
    assert rules["windowMinutes"] == ShopPolicy().window_minutes
    assert [r["code"] for r in rules["reasons"]] == [r.code for r in ShopPolicy().reasons]
    assert rules["staffNoteFormat"] == "Cancelled by the customer: {reason}. {note}"


async def test_saved_rules_read_back_as_saved(stack: Stack) -> None:
    reasons = [
        {
            "code": "WRONG_SIZE",
            "label": "Wrong size",
            "translations": [{"locale": "nl", "label": "Verkeerde maat"}],
        },
        {"code": "CHANGED_MIND", "label": "Changed my mind", "translations": []},
    ]
    saved = await save_rules(
        stack,
        enabled=False,
        windowMinutes=90,
        cutoff="14:30",
        excludedProductTags=["Pre-order", " gift card "],
        excludedOrderTags=[],
        allowedFinancialStatuses=["PAID"],
        refundMethod="STORE_CREDIT",
        restock=False,
        notifyCustomer=False,
        holdRiskyOrders=False,
        reasons=reasons,
        staffNoteFormat="Self-cancel ({code}): {note}",
    )
    assert saved["__typename"] == "RulesSaved"

    rules = (await admin_graphql(stack, RULES_QUERY)).json()["data"]["rules"]
    assert rules == {
        "enabled": False,
        "windowMinutes": 90,
        "cutoff": "14:30",
        "excludedProductTags": ["gift card", "pre-order"],
        "excludedOrderTags": [],
        "allowedFinancialStatuses": ["PAID"],
        "refundMethod": "STORE_CREDIT",
        "restock": False,
        "notifyCustomer": False,
        "holdRiskyOrders": False,
        "reasons": reasons,
        "staffNoteFormat": "Self-cancel ({code}): {note}",
    }


async def test_an_empty_window_and_cutoff_mean_none(stack: Stack) -> None:
    await save_rules(stack, windowMinutes=None, cutoff="")

    policy = await stack.store.get_policy("demo-shop")
    assert policy is not None and policy.window_minutes is None and policy.cutoff is None


def _reason(code: str = "OTHER", label: str = "Other", **extra: Any) -> dict[str, Any]:
    return {"code": code, "label": label, "translations": [], **extra}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"windowMinutes": 0}, "windowMinutes", "1 to 43200 minutes"),
        ({"windowMinutes": 43_201}, "windowMinutes", "1 to 43200 minutes"),
        ({"cutoff": "25:00"}, "cutoff", "HH:MM"),
        ({"cutoff": "2pm"}, "cutoff", "HH:MM"),
        ({"excludedProductTags": ["x" * 41]}, "excludedProductTags", "longer than 40"),
        ({"excludedOrderTags": [f"t{i}" for i in range(51)]}, "excludedOrderTags", "at most 50"),
        ({"allowedFinancialStatuses": []}, "allowedFinancialStatuses", "at least one"),
        ({"allowedFinancialStatuses": ["PAID", "FREE"]}, "allowedFinancialStatuses", "FREE"),
        ({"reasons": []}, "reasons", "at least one reason"),
        ({"reasons": [_reason("wrong size")]}, "reasons[0].code", "capital letters"),
        ({"reasons": [_reason("X" * 41)]}, "reasons[0].code", "capital letters"),
        ({"reasons": [_reason(), _reason()]}, "reasons[1].code", "already used"),
        ({"reasons": [_reason(label=" ")]}, "reasons[0].label", "1 to 80 characters"),
        ({"reasons": [_reason(label="x" * 81)]}, "reasons[0].label", "1 to 80 characters"),
        (
            {"reasons": [_reason(translations=[{"locale": "Dutch!", "label": "Anders"}])]},
            "reasons[0].translations[0].locale",
            "language code",
        ),
        (
            {"reasons": [_reason(translations=[{"locale": "nl", "label": ""}])]},
            "reasons[0].translations[0].label",
            "1 to 80 characters",
        ),
        ({"staffNoteFormat": "  "}, "staffNoteFormat", "Enter the note"),
        ({"staffNoteFormat": "{reason} {__class__}"}, "staffNoteFormat", "Unknown placeholder"),
        ({"staffNoteFormat": "x" * 256}, "staffNoteFormat", "at most 255"),
    ],
)
async def test_each_invalid_field_is_named_with_a_message(
    stack: Stack, changes: dict[str, Any], field: str, words: str
) -> None:
    result = await save_rules(stack, **changes)

    assert result["__typename"] == "RulesInvalid"
    [error] = result["errors"]
    assert error["field"] == field
    assert words in error["message"]
    assert await stack.store.get_policy("demo-shop") is None  # nothing saved


async def test_every_problem_is_reported_at_once(stack: Stack) -> None:
    result = await save_rules(stack, windowMinutes=-5, cutoff="noon", reasons=[])

    assert {e["field"] for e in result["errors"]} == {"windowMinutes", "cutoff", "reasons"}


async def test_a_shorter_window_applies_to_the_next_storefront_request(stack: Stack) -> None:
    # Order 5011 is ten minutes old: open under the default hour, closed under five minutes.
    async with stack.shopper() as ada:
        before = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE_10_MIN)})
        assert before.json()["data"]["order"]["cancellable"] is True

        await save_rules(stack, windowMinutes=5)

        after = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE_10_MIN)})
        refused = await cancel(ada, DemoOrders.CANCELLABLE_10_MIN, "OTHER")
    order = after.json()["data"]["order"]
    assert (order["cancellable"], order["blockedBy"]) == (False, "WINDOW_CLOSED")
    assert refused["__typename"] == "CancelOrderRefused" and refused["code"] == "WINDOW_CLOSED"
    assert stack.admin_calls("orderCancel") == 0


async def test_saved_reasons_are_what_customers_choose_from(stack: Stack) -> None:
    await save_rules(stack, reasons=[_reason("TOO_EXPENSIVE", "Too expensive")])

    async with stack.shopper() as ada:
        view = await graphql(ada, ORDER_QUERY, {"id": str(DemoOrders.CANCELLABLE)})
        old_reason = await cancel(ada, DemoOrders.CANCELLABLE, "ORDERED_BY_MISTAKE")
        new_reason = await cancel(ada, DemoOrders.CANCELLABLE, "TOO_EXPENSIVE", note="Hm")
    assert view.json()["data"]["order"]["reasons"] == [
        {"code": "TOO_EXPENSIVE", "label": "Too expensive"}
    ]
    assert old_reason["code"] == "INVALID_REASON"
    assert new_reason["__typename"] == "CancelOrderSuccess"


async def test_the_staff_note_follows_the_merchants_format(stack: Stack) -> None:
    await save_rules(stack, staffNoteFormat="Self-service cancel [{code}] {reason} - {note}")

    async with stack.shopper() as ada:
        await cancel(ada, DemoOrders.CANCELLABLE, "OTHER", note="Bought twice")
    await stack.jobs.drain()

    order = stack.world.order(DemoOrders.CANCELLABLE)
    assert order is not None
    assert order.staff_note == 'Self-service cancel [OTHER] Other reason - "Bought twice"'


async def test_saving_writes_the_theme_metafield_on_the_app_installation(stack: Stack) -> None:
    result = await save_rules(
        stack, enabled=False, windowMinutes=30, cutoff="16:00", refundMethod="STORE_CREDIT"
    )

    assert result["themeUpdated"] is True
    metafield = stack.world.metafields[("demo-shop.myshopify.com", "cancel_button", "rules")]
    assert metafield.type == "json"
    rules = json.loads(metafield.value)
    assert rules["enabled"] is False
    assert (rules["window_minutes"], rules["cutoff"]) == (30, "16:00")
    assert rules["refund_method"] == "STORE_CREDIT"
    assert rules["reasons"] == ["ORDERED_BY_MISTAKE", "OTHER"]
    assert "staff_note_format" not in rules  # staff-only, not for the storefront
    [call] = [c for c in stack.world.calls_for("metafieldsSet") if c.executed]
    [written] = call.variables["metafields"]
    assert written["ownerId"] == "gid://shopify/AppInstallation/1"


async def test_the_block_hides_itself_once_the_merchant_turns_cancelling_off(
    stack: Stack,
) -> None:
    async with stack.shopper() as ada:
        before = await ada.get(f"/account/orders/{DemoOrders.CANCELLABLE}")
        await save_rules(stack, enabled=False)
        after = await ada.get(f"/account/orders/{DemoOrders.CANCELLABLE}")

    assert "<order-cancel" in before.text
    assert "<order-cancel" not in after.text


async def test_rules_are_saved_even_when_the_metafield_cannot_be_written(stack: Stack) -> None:
    stack.faults.add(Fault("status", field="metafieldsSet", times=None, status=503))

    result = await save_rules(stack, windowMinutes=15)

    assert result["__typename"] == "RulesSaved" and result["themeUpdated"] is False
    policy = await stack.store.get_policy("demo-shop")
    assert policy is not None and policy.window_minutes == 15
    assert ("demo-shop.myshopify.com", "cancel_button", "rules") not in stack.world.metafields


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", "Voer de deadline in als UU:MM"),
        ("de-DE,de;q=0.9", "Geben Sie den Annahmeschluss als HH:MM ein"),
        ("pt-BR", "Enter the cutoff as HH:MM"),
        (None, "Enter the cutoff as HH:MM"),
    ],
)
async def test_field_messages_speak_the_pages_language(
    stack: Stack, language: str | None, words: str
) -> None:
    headers = {"Authorization": f"Bearer {id_token()}"}
    if language is not None:
        headers["Accept-Language"] = language
    async with stack.direct() as client:
        response = await client.post(
            "/admin/graphql",
            json={"query": SAVE_RULES, "variables": {"input": rules_input(cutoff="noon")}},
            headers=headers,
        )

    [error] = response.json()["data"]["saveRules"]["errors"]
    assert error["field"] == "cutoff" and error["message"].startswith(words)
