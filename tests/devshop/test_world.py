"""The world model and its demo seed: exact ids and names, states, jobs, reset."""

from __future__ import annotations

from datetime import timedelta

from devshop.control import order_json
from devshop.seed import OTHER_SHOP, DemoCustomers, DemoOrders, seed
from devshop.world import CancelRequest, Order, World
from tests.devshop.conftest import T0

NO_REFUND = CancelRequest(
    "CUSTOMER", restock=True, notify_customer=False, staff_note=None, refund_method=None
)


def get(world: World, order_id: int) -> Order:
    order = world.order(order_id)
    assert order is not None
    return order


def test_the_demo_orders_have_the_agreed_ids_and_names(devshop_world: World) -> None:
    names = {o.id: o.name for o in devshop_world.orders.values()}
    assert names == {
        **{5000 + n: f"#{1000 + n}" for n in range(1, 16)},
        DemoOrders.OTHER_SHOP_ORDER: "#2001",
    }
    customers = {o.id: o.customer_id for o in devshop_world.orders.values()}
    assert customers[DemoOrders.BOBS_ORDER] == DemoCustomers.BOB
    assert {customers[i] for i in range(5001, 5016) if i != 5010} == {DemoCustomers.ADA}
    assert get(devshop_world, DemoOrders.OTHER_SHOP_ORDER).shop == OTHER_SHOP


def test_the_demo_orders_are_in_the_states_they_are_named_for(devshop_world: World) -> None:
    def age(order_id: int) -> timedelta:
        return T0 - get(devshop_world, order_id).created_at

    assert age(DemoOrders.CANCELLABLE) == timedelta(minutes=5)
    assert age(DemoOrders.WINDOW_CLOSED) == timedelta(hours=3)
    assert age(DemoOrders.CANCELLABLE_10_MIN) == timedelta(minutes=10)
    assert [age(i) for i in (5013, 5014, 5015)] == [timedelta(minutes=m) for m in (2, 15, 30)]
    assert all(age(i) < timedelta(hours=1) for i in range(5001, 5016) if i != 5003)

    fulfilled = get(devshop_world, DemoOrders.FULFILLED)
    assert fulfilled.display_fulfillment_status == "FULFILLED"
    assert [fo.status for fo in fulfilled.fulfillment_orders] == ["CLOSED"]
    product_tags = [li.product.tags for li in get(devshop_world, 5004).line_items if li.product]
    assert ["non-cancellable"] in product_tags
    assert get(devshop_world, DemoOrders.EXCLUDED_ORDER).tags == ["non-cancellable"]
    cancelled = get(devshop_world, DemoOrders.ALREADY_CANCELLED)
    assert cancelled.cancelled_at is not None and cancelled.closed
    assert get(devshop_world, 5007).display_financial_status == "PARTIALLY_REFUNDED"
    in_progress = get(devshop_world, DemoOrders.FULFILLMENT_IN_PROGRESS)
    assert in_progress.display_fulfillment_status == "IN_PROGRESS"
    assert [fo.status for fo in in_progress.fulfillment_orders] == ["IN_PROGRESS"]
    assert get(devshop_world, DemoOrders.RISK_CANCEL).risk_recommendation == "CANCEL"
    submitted = get(devshop_world, DemoOrders.SUBMITTED_TO_SERVICE)
    assert submitted.display_fulfillment_status == "UNFULFILLED"
    assert [(fo.status, fo.request_status) for fo in submitted.fulfillment_orders] == [
        ("OPEN", "SUBMITTED")
    ]
    plain = get(devshop_world, DemoOrders.CANCELLABLE)
    assert (plain.display_financial_status, plain.display_fulfillment_status) == (
        "PAID",
        "UNFULFILLED",
    )
    assert [(fo.status, fo.request_status) for fo in plain.fulfillment_orders] == [
        ("OPEN", "UNSUBMITTED")
    ]
    assert plain.risk_recommendation == "ACCEPT"


def test_seeding_is_deterministic() -> None:
    one, two = World(clock=lambda: T0), World(clock=lambda: T0)
    seed(one, T0)
    seed(two, T0)
    assert [order_json(o) for o in one.orders.values()] == [
        order_json(o) for o in two.orders.values()
    ]


def test_the_access_token_is_the_callers(devshop_world: World) -> None:
    world = seed(World(clock=lambda: T0), T0, access_token="shpat_from_env")
    assert world.shops["demo-shop.myshopify.com"].access_token == "shpat_from_env"


def test_fifty_orders_in_a_line(devshop_world: World) -> None:
    orders = [devshop_world.add_order(customer_id=1001) for _ in range(50)]
    assert len({o.id for o in orders}) == 50
    first = orders[0]
    assert first.name == f"#{first.id}"
    assert first.created_at == T0 - timedelta(minutes=5)
    assert (first.display_financial_status, first.display_fulfillment_status) == (
        "PAID",
        "UNFULFILLED",
    )
    assert [fo.status for fo in first.fulfillment_orders] == ["OPEN"]


def test_a_job_completes_once_on_the_first_read_after_it_is_due(devshop_world: World) -> None:
    seen: list[int] = []
    devshop_world.on_cancelled.append(lambda o: seen.append(o.id))
    order = get(devshop_world, DemoOrders.CANCELLABLE)
    job = devshop_world.start_cancel(order, NO_REFUND)
    devshop_world.advance(0.1)
    assert not job.done and order.cancelled_at is None
    assert devshop_world.pending_cancel(order.id) is job
    devshop_world.advance(0.1)
    devshop_world.settle_jobs()
    assert job.done and order.cancelled_at == job.done_at
    assert order.display_financial_status == "PAID"  # no refund asked for
    assert seen == [DemoOrders.CANCELLABLE]
    assert devshop_world.pending_cancel(order.id) is None


def test_the_job_delay_is_settable(devshop_world: World) -> None:
    devshop_world.job_delay = 5
    order = get(devshop_world, DemoOrders.CANCELLABLE)
    job = devshop_world.start_cancel(order, NO_REFUND)
    devshop_world.advance(4.9)
    assert not job.done
    devshop_world.advance(0.1)
    assert job.done


def test_reset_empties_the_world_and_tells_listeners(devshop_world: World) -> None:
    resets: list[bool] = []
    devshop_world.on_reset.append(lambda: resets.append(True))
    devshop_world.advance(60)
    devshop_world.reset()
    assert devshop_world.orders == {} and devshop_world.shops == {}
    assert devshop_world.now() == T0
    assert resets == [True]
