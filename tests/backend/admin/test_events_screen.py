"""App Home's order-events screen: the mirror's health for the merchant's shop."""

from __future__ import annotations

import re

from backend.admin.screens import SCREENS
from devshop.seed import DemoOrders
from devshop.settings import DEMO_SHOP
from devshop.webhooks import order_payload
from tests.backend.admin.test_screens import open_screen
from tests.conftest import Stack

EVENTS = next(screen for screen in SCREENS if screen.name == "events")


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">(.*?)</dd>', page, re.S)
    assert found is not None, name
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def test_before_any_event_the_screen_says_none_yet(stack: Stack) -> None:
    page = (await open_screen(stack, EVENTS)).text

    assert figure(page, "last-event") == "None yet"
    assert (figure(page, "received"), figure(page, "waiting"), figure(page, "stuck")) == (
        "0",
        "0",
        "0",
    )
    assert figure(page, "lag-p50") == "—"


async def test_events_received_and_handled_show_with_their_delay(stack: Stack) -> None:
    sender = stack.devshop.state.webhooks
    order = stack.world.orders[DemoOrders.CANCELLABLE]
    for _ in range(3):
        await sender.send("orders/updated", order_payload(stack.world, order), shop=DEMO_SHOP)
    await stack.jobs.drain()

    page = (await open_screen(stack, EVENTS, locale="nl")).text

    assert figure(page, "received") == "3"
    assert figure(page, "waiting") == "0"
    assert re.fullmatch(r"[\d.,]+ (ms|s)", figure(page, "lag-p50"))
    assert "UTC" in figure(page, "last-event")
    assert "Ordergebeurtenissen" in page
