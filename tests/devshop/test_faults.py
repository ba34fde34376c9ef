"""Injected faults: each kind, its scope, its count, and whether the request ran."""

from __future__ import annotations

import httpx

from devshop.faults import Faults
from devshop.seed import DemoOrders
from devshop.world import World
from tests.devshop.conftest import admin_post

CANCEL = """
mutation {
  orderCancel(orderId: "gid://shopify/Order/5001", reason: CUSTOMER, restock: true) {
    job { id done }
    orderCancelUserErrors { code message }
  }
}
"""
READ = '{ order(id: "gid://shopify/Order/5001") { name cancelledAt } }'


async def test_a_status_fault_fails_n_requests_then_clears_itself(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_world: World
) -> None:
    devshop_faults.fail(503, times=2)
    statuses = [(await admin_post(admin_client, READ)).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert [c.fault for c in devshop_world.calls] == ["status:503", "status:503", None]
    assert [c.executed for c in devshop_world.calls] == [False, False, True]
    assert devshop_faults.active == []


async def test_a_failed_status_is_not_json(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(502)
    response = await admin_post(admin_client, READ)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


async def test_a_failed_mutation_changed_nothing(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_world: World
) -> None:
    devshop_faults.fail(500, field="orderCancel")
    assert (await admin_post(admin_client, CANCEL)).status_code == 500
    assert devshop_world.jobs == {}
    (call,) = devshop_world.calls_for("orderCancel")
    assert (call.status, call.executed) == (500, False)


async def test_a_fault_scoped_to_a_field_spares_other_requests(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(503, field="orderCancel", times=None)
    assert (await admin_post(admin_client, READ)).status_code == 200
    assert (await admin_post(admin_client, CANCEL)).status_code == 503
    assert (await admin_post(admin_client, CANCEL)).status_code == 503
    devshop_faults.clear()
    assert (await admin_post(admin_client, CANCEL)).status_code == 200


async def test_a_fault_scoped_to_mutations_spares_queries(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(503, mutations_only=True)
    assert (await admin_post(admin_client, READ)).status_code == 200
    assert (await admin_post(admin_client, CANCEL)).status_code == 503


async def test_a_429_says_when_to_retry(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(429, retry_after=2)
    response = await admin_post(admin_client, READ)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"


async def test_a_delay_fault_slows_the_answer_but_it_arrives(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_sleeps: list[float]
) -> None:
    devshop_faults.delay(1.5, times=1)
    response = await admin_post(admin_client, READ)
    assert response.json()["data"]["order"]["name"] == "#1001"
    assert devshop_sleeps == [1.5]


async def test_a_delay_after_execute_lets_the_mutation_run_first(
    admin_client: httpx.AsyncClient,
    devshop_faults: Faults,
    devshop_world: World,
    devshop_sleeps: list[float],
) -> None:
    jobs_when_slept: list[int] = []

    async def sleep(seconds: float) -> None:
        devshop_sleeps.append(seconds)
        jobs_when_slept.append(len(devshop_world.jobs))

    devshop_faults.sleep = sleep
    devshop_faults.delay(30, field="orderCancel", after_execute=True)
    await admin_post(admin_client, CANCEL)
    assert devshop_sleeps == [30]
    assert jobs_when_slept == [1]


async def test_a_throttle_fault_answers_throttled_with_little_left(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_world: World
) -> None:
    devshop_faults.throttle(times=1, currently_available=3)
    body = (await admin_post(admin_client, CANCEL)).json()
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["requestedQueryCost"] == 12
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 3
    assert devshop_world.jobs == {}
    retried = (await admin_post(admin_client, CANCEL)).json()
    assert retried["data"]["orderCancel"]["job"]["done"] is False
    assert [(c.throttled, c.executed) for c in devshop_world.calls] == [
        (True, False),
        (False, True),
    ]


async def test_a_fault_after_execute_hides_a_cancel_that_happened(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_world: World
) -> None:
    devshop_faults.fail_after_execute(502, field="orderCancel")
    lost = await admin_post(admin_client, CANCEL)
    assert lost.status_code == 502
    assert len(devshop_world.jobs) == 1  # Shopify did start cancelling
    retry = (await admin_post(admin_client, CANCEL)).json()
    assert retry["data"]["orderCancel"]["orderCancelUserErrors"] == [
        {"code": "INVALID", "message": "Order has already been cancelled"}
    ]
    first, second = devshop_world.calls_for("orderCancel")
    assert (first.executed, first.status, first.fault) == (True, 502, "after_execute:status:502")
    assert (second.executed, second.status) == (True, 200)
    devshop_world.advance(1)
    order = devshop_world.order(DemoOrders.CANCELLABLE)
    assert order is not None and order.cancelled_at is not None


async def test_faults_strike_even_an_invalid_document(
    admin_client: httpx.AsyncClient, devshop_faults: Faults
) -> None:
    devshop_faults.fail(503)
    assert (await admin_post(admin_client, "{ nope }")).status_code == 503


async def test_a_delay_and_a_status_fault_both_strike(
    admin_client: httpx.AsyncClient, devshop_faults: Faults, devshop_sleeps: list[float]
) -> None:
    devshop_faults.fail(503)
    devshop_faults.delay(0.5)
    assert (await admin_post(admin_client, READ)).status_code == 503
    assert devshop_sleeps == [0.5]
    assert devshop_faults.active == []
