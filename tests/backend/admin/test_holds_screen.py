"""App Home's Holds screen (issue 12): orders held now with their release time, the last
releases, alerts with "release now", and the rule on the rules screen."""

from __future__ import annotations

import re

from backend.admin.screens import SCREENS
from backend.store.base import HoldState
from tests.backend.admin.conftest import admin_graphql, save_rules
from tests.backend.admin.test_screens import open_screen
from tests.backend.test_holds import SHOP, later, place, records
from tests.conftest import Stack

HOLDS = next(screen for screen in SCREENS if screen.name == "holds")
RULES = next(screen for screen in SCREENS if screen.name == "rules")
RELEASE = "mutation R($orderId: ID!) { releaseHold(orderId: $orderId) }"


def table(page: str, name: str) -> str:
    found = re.search(rf'data-holds="{name}">(.*?)</table>', page, re.S)
    assert found is not None, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_the_screen_lists_held_orders_with_their_release_time(stack: Stack) -> None:
    order = await place(stack)
    [record] = await records(stack, order)
    assert record.release_at is not None

    page = (await open_screen(stack, HOLDS)).text

    assert str(order.id) in table(page, "held")
    assert f'datetime="{record.release_at.isoformat()}"' in page
    assert 'data-holds="alerts"' not in page


async def test_release_now_releases_the_order_and_it_moves_to_the_last_releases(
    stack: Stack,
) -> None:
    order = await place(stack)
    gid = f"gid://shopify/Order/{order.id}"

    response = await admin_graphql(stack, RELEASE, {"orderId": gid})
    await stack.settle()

    assert response.json() == {"data": {"releaseHold": True}}
    assert order.fulfillment_orders[0].status == "OPEN"
    page = (await open_screen(stack, HOLDS, locale="de")).text
    assert str(order.id) in table(page, "released")
    assert "Auf dieser Seite freigegeben" in table(page, "released")
    assert "Es werden keine Bestellungen zurückgehalten." in table(page, "held")


async def test_release_now_refuses_an_order_we_do_not_hold(stack: Stack) -> None:
    response = await admin_graphql(stack, RELEASE, {"orderId": "gid://shopify/Order/1"})

    assert response.json() == {"data": {"releaseHold": False}}


async def test_a_failed_release_shows_as_an_alert_with_release_now(stack: Stack) -> None:
    order = await place(stack)
    stack.faults.fail(503, field="fulfillmentOrderReleaseHold", times=None)
    await later(stack, minutes=61)
    for _ in range(6):
        await later(stack, minutes=10)
    assert [r.state for r in await records(stack, order)] == [HoldState.RELEASE_FAILED]

    page = (await open_screen(stack, HOLDS)).text

    assert 'role="alert"' in page
    assert str(order.id) in table(page, "alerts")
    assert f'name="orderId" value="gid://shopify/Order/{order.id}"' in page


async def test_saving_the_rule_off_releases_every_held_order(stack: Stack) -> None:
    await save_rules(stack, holdFulfillment=True)
    orders = [await place(stack, None) for _ in range(2)]
    assert [o.fulfillment_orders[0].status for o in orders] == ["ON_HOLD"] * 2

    saved = await save_rules(stack, holdFulfillment=False)
    await stack.settle()

    assert saved["__typename"] == "RulesSaved"
    assert [o.fulfillment_orders[0].status for o in orders] == ["OPEN"] * 2
    page = (await open_screen(stack, RULES)).text
    assert 'name="holdFulfillment"' in page and "Hold fulfilment until" in page
    assert await stack.store.holds(SHOP, [HoldState.HELD]) == []
