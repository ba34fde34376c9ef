"""App Home's Requests screen (issue 14): waiting requests oldest first, approve or decline
one or many, the decline's message for the customer, and the approval rule on the rules form."""

from __future__ import annotations

import re
from typing import Any

from backend.admin.screens import SCREENS
from backend.policy import ApprovalMode
from backend.store.base import RequestState
from tests.backend.admin.conftest import admin_graphql, save_rules
from tests.backend.admin.test_screens import open_screen
from tests.backend.approvals.test_approval_flow import SHOP, ask, gid, place, shown
from tests.conftest import Stack

REQUESTS = next(screen for screen in SCREENS if screen.name == "requests")
RULES = next(screen for screen in SCREENS if screen.name == "rules")
APPROVE = """mutation A($ids: [ID!]!) {
  answers: approveRequests(orderIds: $ids) { orderId ok state code message } }"""
DECLINE = """mutation D($ids: [ID!]!, $message: String) {
  answers: declineRequests(orderIds: $ids, message: $message) { orderId ok state code } }"""


def rows(page: str) -> list[str]:
    found = re.search(r"<tbody>(.*?)</tbody>", page.split("data-requests-table", 1)[1], re.S)
    assert found is not None
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    ]


def name_in(row: str) -> str:
    found = re.search(r"#\d+", row)
    assert found is not None, row
    return found.group()


async def answer(stack: Stack, query: str, **variables: Any) -> list[dict[str, Any]]:
    body = (await admin_graphql(stack, query, variables)).json()
    assert "errors" not in body, body
    answers: list[dict[str, Any]] = body["data"]["answers"]
    return answers


async def test_the_screen_lists_waiting_requests_oldest_first(stack: Stack) -> None:
    first, second = await place(stack), await place(stack)
    await ask(stack, first)
    stack.clock.advance(minutes=1)
    await ask(stack, second)

    listed = rows((await open_screen(stack, REQUESTS)).text)

    assert [name_in(row) for row in listed] == [first.name, second.name]
    assert "Wrong size or colour" in listed[0] and " L " in f" {listed[0]} "
    assert "49.95 EUR" in listed[0]
    assert "min left" in listed[0]


async def test_approving_many_at_once_cancels_each(stack: Stack) -> None:
    orders = [await place(stack) for _ in range(3)]
    for order in orders:
        await ask(stack, order)

    answers = await answer(stack, APPROVE, ids=[gid(o) for o in orders[:2]])
    await stack.settle()

    assert [(a["ok"], a["state"]) for a in answers] == [(True, "APPROVED")] * 2
    assert [o.cancelled_at is not None for o in orders] == [True, True, False]
    assert [name_in(r) for r in rows((await open_screen(stack, REQUESTS)).text)] == [orders[2].name]


async def test_declining_with_a_message_the_customer_reads(stack: Stack) -> None:
    order = await place(stack)
    await ask(stack, order)

    [declined] = await answer(stack, DECLINE, ids=[gid(order)], message="Made to measure.")

    assert (declined["ok"], declined["state"]) == (True, "DECLINED")
    assert (await shown(stack, order))["request"]["message"] == "Made to measure."
    again = await answer(stack, APPROVE, ids=[gid(order)])
    assert (again[0]["ok"], again[0]["code"]) == (False, "DECLINED_BY_SHOP")
    assert order.cancelled_at is None


async def test_answering_another_shops_or_no_request_changes_nothing(stack: Stack) -> None:
    [none] = await answer(stack, APPROVE, ids=["gid://shopify/Order/1"])
    assert (none["ok"], none["code"], none["state"]) == (False, "NO_REQUEST", None)
    assert stack.admin_calls("orderCancel") == 0


async def test_the_screen_speaks_the_merchants_language(stack: Stack) -> None:
    page = (await open_screen(stack, REQUESTS, locale="nl")).text
    assert "Er wachten geen verzoeken." in page
    assert "Wachten op uw antwoord, oudste eerst" in page


async def test_the_approval_rule_is_saved_from_the_rules_form(stack: Stack) -> None:
    saved = await save_rules(
        stack, approval="ABOVE_TOTAL", approvalAbove="150", autoApproveMinutes=45
    )
    assert saved["__typename"] == "RulesSaved", saved
    policy = await stack.store.get_policy(SHOP)
    assert policy is not None
    assert (policy.approval, str(policy.approval_above), policy.auto_approve_minutes) == (
        ApprovalMode.ABOVE_TOTAL,
        "150",
        45,
    )
    page = (await open_screen(stack, RULES)).text
    assert 'name="approval" value="ABOVE_TOTAL" checked' in re.sub(r"\s+", " ", page)


async def test_a_bad_approval_rule_is_refused_and_nothing_saved(stack: Stack) -> None:
    before = await stack.store.get_policy(SHOP)
    saved = await save_rules(stack, approval="ABOVE_TOTAL", approvalAbove="lots")
    assert saved["__typename"] == "RulesInvalid"
    assert [e["field"] for e in saved["errors"]] == ["approvalAbove"]
    saved = await save_rules(stack, approval="ALL", autoApproveMinutes=0)
    assert [e["field"] for e in saved["errors"]] == ["autoApproveMinutes"]
    assert await stack.store.get_policy(SHOP) == before
    assert RequestState.REQUESTED  # the enum the screen lists
