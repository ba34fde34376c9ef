"""The merchant's rules for edits (issue 13) through App Home: saved, read back, checked, and
what the storefront then offers."""

from __future__ import annotations

from backend.edit.rules import EditRules
from devshop.seed import DemoOrders
from tests.backend.admin.conftest import admin_graphql, save_rules
from tests.conftest import Stack, graphql

EDIT_RULES = """
query { rules { editAddress editVariant editQuantity editOwnWindow editWindowMinutes
  editCountryChange } }
"""
OFFERED = "query($id: ID!) { order(id: $id) { editOptions { types countryChange } } }"


async def test_edit_rules_are_saved_read_back_and_offered(stack: Stack) -> None:
    saved = await save_rules(
        stack,
        editAddress=True,
        editCountryChange=True,
        editOwnWindow=True,
        editWindowMinutes=240,
    )
    read = (await admin_graphql(stack, EDIT_RULES)).json()["data"]["rules"]
    async with stack.shopper() as ada:
        offered = await graphql(ada, OFFERED, {"id": str(DemoOrders.WINDOW_CLOSED)})

    assert saved["__typename"] == "RulesSaved"
    assert read == {
        "editAddress": True,
        "editVariant": False,
        "editQuantity": False,
        "editOwnWindow": True,
        "editWindowMinutes": 240,
        "editCountryChange": True,
    }
    policy = await stack.store.get_policy("demo-shop")
    assert policy is not None and policy.edits == EditRules(
        address=True, own_window=True, window_minutes=240, country_change=True
    )
    # Three hours old: past the cancel's hour, inside the edits' four.
    assert offered.json()["data"]["order"]["editOptions"] == {
        "types": ["ADDRESS"],
        "countryChange": True,
    }


async def test_an_edit_window_out_of_range_is_refused_with_its_field(stack: Stack) -> None:
    result = await save_rules(stack, editAddress=True, editOwnWindow=True, editWindowMinutes=0)

    assert result["__typename"] == "RulesInvalid"
    assert [e["field"] for e in result["errors"]] == ["editWindowMinutes"]
    assert await stack.store.get_policy("demo-shop") is None


async def test_without_an_own_window_the_edit_window_is_ignored(stack: Stack) -> None:
    await save_rules(stack, editAddress=True, editOwnWindow=False, editWindowMinutes=0)

    policy = await stack.store.get_policy("demo-shop")
    assert policy is not None and policy.edits == EditRules(address=True)
