"""Edit instead of cancel (issue 13), end to end: the storefront through Shopify's App Proxy and
the UI extensions' endpoint (devshop), orderUpdate and the shipping zones on devshop's Admin API.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.approvals.flow import HANDLES, FlowEvent
from backend.cancellation import EDIT_UNDER_WAY
from backend.edit.rules import EditRules
from backend.policy import ApprovalMode, ShopPolicy
from backend.store.base import EditOutcome
from devshop import order_actions
from devshop.admin_flow_triggers import payload_errors
from devshop.seed import DemoCustomers, DemoOrders
from tests.backend.test_extensions_graphql import post, session_token
from tests.conftest import Stack, cancel, graphql, running_stack

GID = "gid://shopify/Order/{}"
SHOP = "demo-shop"

EDIT_MUTATION = """
mutation Edit($input: EditOrderInput!) {
  editOrder(input: $input) {
    __typename
    ... on EditOrderSuccess { type order { id status editOptions { types } } }
    ... on EditOrderRefused { code message fieldErrors { field problem message } }
  }
}
"""
OPTIONS_QUERY = """
query Order($id: ID!) {
  order(id: $id) { id cancellable editOptions { types blockedBy deadline countryChange } }
}
"""
BRUSSELS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "Grote Markt 1",
    "city": "Brussel",
    "zip": "1000",
    "countryCode": "BE",
}
AMSTERDAM = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "address1": "Prinsengracht 263",
    "city": "Amsterdam",
    "zip": "1016 GV",
    "countryCode": "NL",
}
ADDRESS_ONLY = EditRules(address=True)


async def allow(stack: Stack, rules: EditRules = ADDRESS_ONLY, **policy: Any) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(edits=rules, **policy))


async def edit(
    client: httpx.AsyncClient, order: int, address: dict[str, Any] | None, **extra: Any
) -> dict[str, Any]:
    given: dict[str, Any] = {"orderId": str(order), **extra}
    if address is not None:
        given["address"] = address
    response = await graphql(client, EDIT_MUTATION, {"input": given})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["editOrder"]
    return result


async def options(client: httpx.AsyncClient, order: int) -> dict[str, Any]:
    response = await graphql(client, OPTIONS_QUERY, {"id": str(order)})
    result: dict[str, Any] = response.json()["data"]["order"]["editOptions"]
    return result


def shipped_to(stack: Stack, order: int = DemoOrders.CANCELLABLE) -> tuple[str | None, str]:
    found = stack.world.orders[order]
    return found.shipping_country_code, found.shipping_address.get("address1", "")


def updates(stack: Stack) -> int:
    return stack.admin_calls("orderUpdate")


def edited_triggers(stack: Stack) -> list[dict[str, Any]]:
    """The "edited" Flow triggers devshop accepted (it checks each against the extension)."""
    handle = HANDLES[FlowEvent.EDITED]
    return [t.payload for t in stack.world.flow_triggers if t.handle == handle]


# The address edit -------------------------------------------------------------------------


async def test_customer_changes_the_address_through_the_app_proxy(stack: Stack) -> None:
    await allow(stack, EditRules(address=True, country_change=True))
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, BRUSSELS, reason="WRONG_ADDRESS")

    assert result["__typename"] == "EditOrderSuccess"
    assert result["type"] == "ADDRESS"
    assert result["order"]["status"] == "NONE"
    order = stack.world.orders[DemoOrders.CANCELLABLE]
    assert order.shipping_country_code == "BE"
    assert order.shipping_address == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "address1": "Grote Markt 1",
        "city": "Brussel",
        "zip": "1000",
    }
    assert order.cancelled_at is None
    [call] = [c for c in stack.world.calls_for("orderUpdate") if c.executed]
    assert call.variables["input"] == {
        "id": GID.format(DemoOrders.CANCELLABLE),
        "shippingAddress": BRUSSELS,
    }
    [attempt] = await stack.store.edits(SHOP, since=order.created_at)
    assert (attempt.kind, attempt.reason_code, attempt.outcome) == (
        "ADDRESS",
        "WRONG_ADDRESS",
        EditOutcome.EDITED,
    )
    assert attempt.customer_id == f"gid://shopify/Customer/{DemoCustomers.ADA}"


async def test_customer_changes_the_address_through_the_extensions_endpoint(stack: Stack) -> None:
    await allow(stack)
    variables = {"input": {"orderId": str(DemoOrders.CANCELLABLE), "address": AMSTERDAM}}

    response = await post(stack, EDIT_MUTATION, variables, session_token())

    result = response.json()["data"]["editOrder"]
    assert result["__typename"] == "EditOrderSuccess", result
    assert shipped_to(stack) == ("NL", "Prinsengracht 263")


async def test_the_address_is_cleaned_before_it_is_sent(stack: Stack) -> None:
    await allow(stack)
    messy = {**AMSTERDAM, "address1": "  Prinsengracht   263 ", "zip": "1016gv", "company": " "}
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, messy)

    assert result["__typename"] == "EditOrderSuccess"
    order = stack.world.orders[DemoOrders.CANCELLABLE]
    assert order.shipping_address["address1"] == "Prinsengracht 263"
    assert order.shipping_address["zip"] == "1016GV"
    assert "company" not in order.shipping_address


# Options and rules --------------------------------------------------------------------------


async def test_edits_are_offered_only_when_the_merchant_turns_them_on(stack: Stack) -> None:
    async with stack.shopper() as ada:
        off = await options(ada, DemoOrders.CANCELLABLE)
        refused = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
        await allow(stack, EditRules(address=True, variant=True, country_change=True))
        on = await options(ada, DemoOrders.CANCELLABLE)

    assert (off["types"], off["blockedBy"]) == ([], "DISABLED")
    assert refused["code"] == "DISABLED"
    assert (on["types"], on["blockedBy"], on["countryChange"]) == (
        ["ADDRESS", "VARIANT"],
        None,
        True,
    )
    assert on["deadline"] is not None
    assert updates(stack) == 0


async def test_edits_follow_the_cancels_rules(stack: Stack) -> None:
    await allow(stack)
    async with stack.shopper() as ada:
        for order, code in [
            (DemoOrders.WINDOW_CLOSED, "WINDOW_CLOSED"),
            (DemoOrders.FULFILLED, "FULFILLMENT_STARTED"),
            (DemoOrders.EXCLUDED_ORDER, "EXCLUDED_ORDER"),
            (DemoOrders.ALREADY_CANCELLED, "ALREADY_CANCELLED"),
            (DemoOrders.BOBS_ORDER, "NOT_FOUND"),
        ]:
            result = await edit(ada, order, AMSTERDAM)
            assert result["code"] == code, (order, result)
    assert updates(stack) == 0


async def test_edits_may_have_a_window_of_their_own(stack: Stack) -> None:
    # WINDOW_CLOSED is three hours old: past the cancel's hour, inside a four-hour edit window.
    await allow(stack, EditRules(address=True, own_window=True, window_minutes=240))
    async with stack.shopper() as ada:
        offered = await options(ada, DemoOrders.WINDOW_CLOSED)
        result = await edit(ada, DemoOrders.WINDOW_CLOSED, AMSTERDAM)

    assert offered["types"] == ["ADDRESS"]
    assert result["__typename"] == "EditOrderSuccess"
    assert shipped_to(stack, DemoOrders.WINDOW_CLOSED) == ("NL", "Prinsengracht 263")


async def test_edits_are_offered_when_the_merchant_offers_no_cancel(stack: Stack) -> None:
    await allow(stack, enabled=False)
    async with stack.shopper() as ada:
        offered = await options(ada, DemoOrders.CANCELLABLE)
        result = await cancel(ada, DemoOrders.CANCELLABLE)

    assert offered["types"] == ["ADDRESS"]
    assert result["code"] == "DISABLED"


# Zones and the country ----------------------------------------------------------------------


async def test_an_address_outside_the_orders_zone_is_refused_with_a_field_message(
    stack: Stack,
) -> None:
    await allow(stack, EditRules(address=True, country_change=True))
    berlin = {**AMSTERDAM, "address1": "Unter den Linden 1", "city": "Berlin", "zip": "10117"}
    async with stack.shopper() as ada:
        # Germany is in the shop's "Europe" zone, not in the order's "Benelux" zone.
        result = await edit(ada, DemoOrders.CANCELLABLE, {**berlin, "countryCode": "DE"})

    assert result["code"] == "INVALID_ADDRESS"
    assert result["fieldErrors"] == [
        {
            "field": "countryCode",
            "problem": "NOT_SHIPPABLE",
            "message": "The shop can't ship this order to that country.",
        }
    ]
    assert shipped_to(stack) == ("NL", "Keizersgracht 123")
    assert updates(stack) == 0


async def test_a_country_the_shop_does_not_ship_to_is_refused(stack: Stack) -> None:
    await allow(stack, EditRules(address=True, country_change=True))
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, {**AMSTERDAM, "countryCode": "BR"})

    assert [e["problem"] for e in result["fieldErrors"]] == ["NOT_SHIPPABLE"]
    assert updates(stack) == 0


async def test_the_country_stays_unless_the_merchant_allows_a_change(stack: Stack) -> None:
    await allow(stack, EditRules(address=True, country_change=False))
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, BRUSSELS)

    assert result["code"] == "INVALID_ADDRESS"
    assert [(e["field"], e["problem"]) for e in result["fieldErrors"]] == [
        ("countryCode", "COUNTRY_CHANGE")
    ]
    assert shipped_to(stack) == ("NL", "Keizersgracht 123")


# Bad input: a clear refusal, and nothing changes --------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        pytest.param({"address1": "x" * 101}, "address1", "TOO_LONG", id="street-too-long"),
        pytest.param({"lastName": "L" * 51}, "lastName", "TOO_LONG", id="name-too-long"),
        pytest.param({"city": "Амстердам"}, "city", "WRONG_SCRIPT", id="cyrillic-city-in-nl"),
        pytest.param({"address1": "阿姆斯特丹 1"}, "address1", "WRONG_SCRIPT", id="han-street"),
        pytest.param({"firstName": "Ada 🎉"}, "firstName", "WRONG_SCRIPT", id="emoji"),
        pytest.param({"city": "Amster\u200bdam"}, "city", "INVALID", id="zero-width-space"),
        pytest.param({"city": "Amster\ndam"}, "city", "INVALID", id="newline"),
        pytest.param({"zip": "ABCDE"}, "zip", "INVALID", id="dutch-postcode-shape"),
        pytest.param({"phone": "call me"}, "phone", "INVALID", id="phone"),
        pytest.param({"address1": "   "}, "address1", "REQUIRED", id="blank-street"),
        pytest.param({"countryCode": "Netherlands"}, "countryCode", "TOO_LONG", id="country"),
    ],
)
async def test_bad_address_fields_are_refused_and_nothing_changes(
    stack: Stack, change: dict[str, str], field: str, problem: str
) -> None:
    await allow(stack)
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, {**AMSTERDAM, **change})

    assert result["__typename"] == "EditOrderRefused"
    assert result["code"] == "INVALID_ADDRESS"
    assert [(e["field"], e["problem"]) for e in result["fieldErrors"]] == [(field, problem)]
    assert all(e["message"] for e in result["fieldErrors"])
    assert shipped_to(stack) == ("NL", "Keizersgracht 123")
    assert updates(stack) == 0
    [attempt] = await stack.store.edits(SHOP, since=stack.world.orders[5001].created_at)
    assert (attempt.outcome, attempt.block) == (EditOutcome.REFUSED, "INVALID_ADDRESS")


async def test_a_local_script_is_accepted_where_the_post_reads_it(stack: Stack) -> None:
    # The shop's "Japan" zone: a Japanese order may be addressed in Japanese.
    order = stack.world.add_order(
        customer_id=DemoCustomers.ADA,
        shipping_country_code="JP",
        shipping_address={"lastName": "Lovelace", "address1": "1-1", "city": "Tokyo"},
    )
    await allow(stack)
    tokyo = {"lastName": "ラブレス", "address1": "丸の内1-1", "city": "東京", "zip": "100-0005"}
    async with stack.shopper() as ada:
        result = await edit(ada, order.id, {**tokyo, "countryCode": "JP"})

    assert result["__typename"] == "EditOrderSuccess", result
    assert order.shipping_address["city"] == "東京"


@pytest.mark.parametrize(
    ("given", "code"),
    [
        pytest.param({}, "INVALID_INPUT", id="no-change"),
        pytest.param({"reason": "NOT_A_REASON", "address": AMSTERDAM}, "INVALID_REASON", id="r"),
        pytest.param({"orderId": "not-an-order", "address": AMSTERDAM}, "NOT_FOUND", id="id"),
        pytest.param({"orderId": "999999", "address": AMSTERDAM}, "NOT_FOUND", id="unknown"),
    ],
)
async def test_bad_edit_input_is_refused_and_nothing_changes(
    stack: Stack, given: dict[str, Any], code: str
) -> None:
    await allow(stack)
    variables = {"input": {"orderId": str(DemoOrders.CANCELLABLE), **given}}
    async with stack.shopper() as ada:
        response = await graphql(ada, EDIT_MUTATION, variables)

    assert response.json()["data"]["editOrder"]["code"] == code
    assert updates(stack) == 0


async def test_a_signed_out_visitor_cannot_edit(stack: Stack) -> None:
    await allow(stack)
    async with stack.shopper(customer=None) as visitor:
        result = await edit(visitor, DemoOrders.CANCELLABLE, AMSTERDAM)

    assert result["code"] == "NOT_FOUND"
    assert updates(stack) == 0


# One flight per order, shared with the cancel -----------------------------------------------


async def test_a_cancel_during_an_edit_is_told_to_try_again(stack: Stack) -> None:
    await allow(stack)
    stack.faults.delay(1.0, field="orderUpdate", times=1)
    async with stack.shopper() as ada:
        editing = asyncio.create_task(edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM))
        while not stack.world.calls_for("orderUpdate"):
            await asyncio.sleep(0.01)
        during = await cancel(ada, DemoOrders.CANCELLABLE)
        edited = await editing
        after = await cancel(ada, DemoOrders.CANCELLABLE)

    assert during == {
        "__typename": "CancelOrderRefused",
        "code": "TRY_AGAIN",
        "message": EDIT_UNDER_WAY,
    }
    assert edited["__typename"] == "EditOrderSuccess"
    assert after["__typename"] == "CancelOrderSuccess"  # the edit's flight has ended
    assert stack.admin_calls("orderCancel") == 1


async def test_an_edit_during_a_cancel_is_refused(stack: Stack) -> None:
    await allow(stack)
    stack.faults.delay(1.0, field="orderCancel", times=1)
    async with stack.shopper() as ada:
        cancelling = asyncio.create_task(cancel(ada, DemoOrders.CANCELLABLE))
        while not stack.world.calls_for("orderCancel"):
            await asyncio.sleep(0.01)
        during = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
        cancelled = await cancelling
        pending = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
        stack.clock.advance(seconds=5)
        await stack.settle()
        after = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)

    assert during["code"] == "CANCEL_UNDER_WAY"
    assert cancelled["__typename"] == "CancelOrderSuccess"
    # Shopify's cancel job takes a moment: under way, or done if the machine was slow.
    assert pending["code"] in {"CANCEL_UNDER_WAY", "ALREADY_CANCELLED"}
    assert after["code"] == "ALREADY_CANCELLED"
    assert updates(stack) == 0


async def test_two_edits_of_one_order_run_one_at_a_time(stack: Stack) -> None:
    await allow(stack)
    stack.faults.delay(1.0, field="orderUpdate", times=1)
    async with stack.shopper() as ada:
        first = asyncio.create_task(edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM))
        while not stack.world.calls_for("orderUpdate"):
            await asyncio.sleep(0.01)
        second = await edit(ada, DemoOrders.CANCELLABLE, {**AMSTERDAM, "address1": "Dam 1"})
        done = await first

    assert second["code"] == "EDIT_UNDER_WAY"
    assert done["__typename"] == "EditOrderSuccess"
    assert shipped_to(stack) == ("NL", "Prinsengracht 263")


async def test_concurrent_edits_and_cancels_of_one_order_never_overlap(stack: Stack) -> None:
    """Whatever the interleaving: one orderCancel at most, and no orderUpdate after it."""
    await allow(stack)

    def burst(ada: httpx.AsyncClient) -> list[Any]:
        return [
            *(edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM) for _ in range(6)),
            *(cancel(ada, DemoOrders.CANCELLABLE) for _ in range(6)),
            *(edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM) for _ in range(6)),
        ]

    async with stack.shopper() as ada:
        results = await asyncio.gather(*burst(ada))
        if not any(r["__typename"] == "CancelOrderSuccess" for r in results):
            results.append(await cancel(ada, DemoOrders.CANCELLABLE))  # every cancel met an edit
        results += await asyncio.gather(*burst(ada))

    calls = [c.root_fields for c in stack.world.calls if c.executed]
    cancels = [i for i, fields in enumerate(calls) if "orderCancel" in fields]
    edits = [i for i, fields in enumerate(calls) if "orderUpdate" in fields]
    assert len(cancels) == 1
    assert all(i < cancels[0] for i in edits)
    refusals = {r["code"] for r in results if r["__typename"].endswith("Refused")}
    assert refusals <= {"EDIT_UNDER_WAY", "CANCEL_UNDER_WAY", "ALREADY_CANCELLED", "TRY_AGAIN"}


async def test_an_edit_flight_left_by_a_dead_process_expires(tmp_path: Path) -> None:
    async with running_stack(tmp_path, stale_flight_seconds=60) as stack:
        await allow(stack)
        now = stack.clock()
        await stack.store.claim_once(
            SHOP,
            "edit-flight",
            GID.format(DemoOrders.CANCELLABLE),
            ttl=timedelta(seconds=60),
            at=now,
        )
        async with stack.shopper() as ada:
            blocked = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
            stack.clock.advance(seconds=61)
            freed = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)

    assert blocked["code"] == "EDIT_UNDER_WAY"
    assert freed["__typename"] == "EditOrderSuccess"


# Shopify failing once -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "after_execute"),
    [
        pytest.param("order", False, id="the-read"),
        pytest.param("orderUpdate", False, id="the-update"),
        pytest.param("orderUpdate", True, id="the-update-answer-lost"),
    ],
)
async def test_each_shopify_step_failing_once_then_a_retry_edits_once(
    tmp_path: Path, field: str, after_execute: bool
) -> None:
    async with running_stack(tmp_path, admin_timeout=0.5, admin_retry_budget=0.0) as stack:
        await allow(stack)
        if after_execute:
            stack.faults.fail_after_execute(502, field=field, times=1)
        else:
            stack.faults.fail(503, field=field, times=1)
        async with stack.shopper() as ada:
            first = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
            second = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
        attempts = await stack.store.edits(SHOP, since=stack.world.orders[5001].created_at)
        await stack.settle()

    assert first["code"] == "TRY_AGAIN"
    assert second["__typename"] == "EditOrderSuccess"
    assert shipped_to(stack) == ("NL", "Prinsengracht 263")
    assert [a.outcome for a in attempts] == [EditOutcome.FAILED, EditOutcome.EDITED]
    assert len(edited_triggers(stack)) == 1  # the failed try sent none


async def test_an_order_waiting_for_the_shop_to_approve_its_cancel_cannot_be_changed(
    stack: Stack,
) -> None:
    await allow(stack, approval=ApprovalMode.ALL)
    async with stack.shopper() as ada:
        asked = await cancel(ada, DemoOrders.CANCELLABLE)
        offered = await options(ada, DemoOrders.CANCELLABLE)
        refused = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)

    assert asked["__typename"] == "CancelOrderRequested"
    assert (offered["types"], offered["blockedBy"]) == ([], "AWAITING_APPROVAL")
    assert refused["code"] == "AWAITING_APPROVAL"
    assert updates(stack) == 0
    assert stack.admin_calls("orderCancel") == 0


async def test_an_address_shopify_did_not_keep_is_not_reported_as_changed(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merchants have reported orderUpdate answering without errors while the address stayed:
    the mutation reads the address back, and one that did not change is Shopify's refusal.
    (devshop is made to behave so: its orderUpdate touches the order and keeps the address.)"""
    await allow(stack)
    keep = stack.world.orders[DemoOrders.CANCELLABLE]

    def kept(world: Any, order: Any, country: Any, address: Any) -> None:
        world.touch(order)

    monkeypatch.setattr(order_actions, "update_shipping_address", kept)
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)

    assert result["code"] == "REJECTED_BY_SHOPIFY"
    assert keep.shipping_address["address1"] == "Keizersgracht 123"
    [attempt] = await stack.store.edits(SHOP, since=keep.created_at)
    assert attempt.outcome is EditOutcome.REJECTED


# Shopify Flow (issue 14) --------------------------------------------------------------------


async def test_an_address_edit_sends_one_edited_flow_trigger(stack: Stack) -> None:
    await allow(stack)
    async with stack.shopper() as ada:
        result = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM, reason="WRONG_ADDRESS")
    await stack.settle()
    await stack.settle()

    assert result["__typename"] == "EditOrderSuccess"
    assert edited_triggers(stack) == [
        {
            "order_id": DemoOrders.CANCELLABLE,
            "Change": "ADDRESS",
            "Reason code": "WRONG_ADDRESS",
            "Reason": "Wrong delivery address",
            "Refund": 0,
            "Owed": 0,
        }
    ]
    assert payload_errors(HANDLES[FlowEvent.EDITED], edited_triggers(stack)[0]) == []


async def test_a_quantity_edit_sends_one_edited_flow_trigger_with_what_is_owed(
    stack: Stack,
) -> None:
    await allow(stack, EditRules(quantity=True))
    order = stack.world.orders[DemoOrders.CANCELLABLE]  # one shirt at 49.95
    change = {"lineItemId": f"gid://shopify/LineItem/{order.line_items[0].id}", "quantity": 2}
    async with stack.shopper() as ada:
        result = await edit(ada, order.id, None, quantity=change)
    await stack.settle()
    await stack.settle()

    assert result["__typename"] == "EditOrderSuccess"
    assert edited_triggers(stack) == [
        {
            "order_id": order.id,
            "Change": "QUANTITY",
            "Reason code": "",
            "Reason": "",
            "Refund": 0,
            "Owed": 49.95,
        }
    ]


async def test_a_failed_edit_sends_no_flow_trigger(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await allow(stack)

    def kept(world: Any, order: Any, country: Any, address: Any) -> None:
        world.touch(order)  # Shopify answers, but the address stays (see above)

    monkeypatch.setattr(order_actions, "update_shipping_address", kept)
    async with stack.shopper() as ada:
        refused = await edit(ada, DemoOrders.CANCELLABLE, {**AMSTERDAM, "zip": "nope"})
        rejected = await edit(ada, DemoOrders.CANCELLABLE, AMSTERDAM)
    await stack.settle()

    assert refused["code"] == "INVALID_ADDRESS"
    assert rejected["code"] == "REJECTED_BY_SHOPIFY"
    assert stack.world.flow_triggers == []
