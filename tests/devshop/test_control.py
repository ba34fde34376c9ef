"""`/_devshop/*`: reset, faults, orders, the call log and the clock, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from devshop.control import order_json
from devshop.faults import Faults
from devshop.seed import DEMO_SHOP, DemoOrders
from devshop.world import World
from tests.devshop.conftest import admin_post

CANCEL = """
mutation {
  orderCancel(orderId: "gid://shopify/Order/5001", reason: CUSTOMER, restock: true,
              staffNote: "Changed my mind", refundMethod: {originalPaymentMethodsRefund: true}) {
    job { id }
  }
}
"""


async def test_an_order_as_json(admin_client: httpx.AsyncClient) -> None:
    response = await admin_client.get(f"/_devshop/orders/{DemoOrders.CANCELLABLE}")
    order = response.json()
    assert order["id"] == 5001 and order["name"] == "#1001"
    assert order["created_at"] == "2026-11-26T11:55:00+00:00"
    assert order["cancelled_at"] is None
    assert order["display_financial_status"] == "PAID"
    assert order["line_items"][0]["product_tags"] == ["summer"]
    assert order["fulfillment_orders"][0]["status"] == "OPEN"
    assert order["total_price"] == "49.95"


async def test_an_unknown_order_is_404(admin_client: httpx.AsyncClient) -> None:
    assert (await admin_client.get("/_devshop/orders/1")).status_code == 404
    assert (await admin_client.get("/_devshop/orders/nope")).status_code == 404


async def test_the_clock_moves_and_jobs_complete(admin_client: httpx.AsyncClient) -> None:
    await admin_post(admin_client, CANCEL)
    moved = await admin_client.post("/_devshop/clock", json={"advance_seconds": 60})
    assert moved.json() == {"now": "2026-11-26T12:01:00+00:00"}
    order = (await admin_client.get("/_devshop/orders/5001")).json()
    assert order["cancelled_at"] == "2026-11-26T12:00:00.200000+00:00"
    assert order["cancel_reason"] == "CUSTOMER"
    assert order["staff_note"] == "Changed my mind"
    assert order["display_financial_status"] == "REFUNDED"
    assert order["refund_method"] == "ORIGINAL_PAYMENT_METHODS"


@pytest.mark.parametrize("body", [{}, {"advance_seconds": "soon"}, {"advance_seconds": -1}])
async def test_the_clock_refuses_nonsense(admin_client: httpx.AsyncClient, body: object) -> None:
    assert (await admin_client.post("/_devshop/clock", json=body)).status_code == 400


async def test_the_call_log_over_http(admin_client: httpx.AsyncClient) -> None:
    await admin_post(admin_client, "{ shop { name } }")
    await admin_post(admin_client, CANCEL)
    everything = (await admin_client.get("/_devshop/calls")).json()["calls"]
    cancels = (await admin_client.get("/_devshop/calls?field=orderCancel")).json()["calls"]
    assert [c["root_fields"] for c in everything] == [["shop"], ["orderCancel"]]
    (cancel,) = cancels
    assert cancel["executed"] is True and cancel["shop"] == DEMO_SHOP
    assert (cancel["requested_cost"], cancel["actual_cost"]) == (11, 11)


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"kind": "status", "status": 503, "times": 2}, "status:503"),
        ({"kind": "status", "status": 502, "after_execute": True}, "after_execute:status:502"),
        ({"kind": "delay", "seconds": 0.5, "field": "orderCancel"}, "delay:0.5"),
        ({"kind": "throttle", "times": None, "mutations_only": True}, "throttle"),
    ],
)
async def test_faults_are_installed_over_http(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, body: dict[str, object], label: str
) -> None:
    response = await admin_client.post("/_devshop/faults", json=body)
    assert response.status_code == 200
    (fault,) = devshop_faults.active
    assert fault.label() == label
    listed = (await admin_client.get("/_devshop/faults")).json()["faults"]
    assert listed == [fault.as_json()]


async def test_clearing_faults_over_http(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(503, times=None)
    await admin_client.post("/_devshop/faults", json={"kind": "clear"})
    assert devshop_faults.active == []


@pytest.mark.parametrize("body", [{"kind": "explode"}, {"kind": "delay"}, {"nokind": 1}])
async def test_a_nonsense_fault_is_a_400(admin_client: httpx.AsyncClient, body: object) -> None:
    assert (await admin_client.post("/_devshop/faults", json=body)).status_code == 400


async def test_reset_reseeds_and_clears_faults_and_log(
    admin_client: httpx.AsyncClient, devshop_world: World, devshop_faults: Faults
) -> None:
    before = order_json(devshop_world.orders[DemoOrders.CANCELLABLE])
    devshop_world.shops[DEMO_SHOP].access_token = "shpat_configured"
    admin_client.headers["X-Shopify-Access-Token"] = "shpat_configured"
    await admin_post(admin_client, CANCEL)
    devshop_world.advance(5)
    devshop_faults.fail(503, times=None)

    response = await admin_client.post("/_devshop/reset")
    assert response.json()["orders"][0] == DemoOrders.CANCELLABLE
    assert devshop_faults.active == []
    assert devshop_world.calls == [] and devshop_world.jobs == {}
    assert order_json(devshop_world.orders[DemoOrders.CANCELLABLE]) == before
    # The token the backend was configured with survives the reset.
    assert (await admin_post(admin_client, "{ shop { name } }")).status_code == 200
