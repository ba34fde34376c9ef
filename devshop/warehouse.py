"""A simulated warehouse: it picks and ships each routed order `delay` seconds after routing.

What the cancel window races against (issue 12). The warehouse tries every fulfilment order
that is OPEN when its turn comes: it starts work and ships at once. One on hold it cannot start;
it tries again as soon as the last hold on it is released. A cancelled order is left alone.
Start one in a test with `Warehouse(world, delay=300)`; `stop()` takes it off the world.
"""

from __future__ import annotations

from devshop import order_actions
from devshop.world import Order, World, WorldEvent


class Warehouse:
    def __init__(self, world: World, *, delay: float) -> None:
        self._world = world
        self.delay = delay
        self.shipped: list[int] = []  # order ids, in the order they left
        self.blocked: list[int] = []  # order ids it found on hold when their turn came
        world.on_event.append(self._heard)

    def stop(self) -> None:
        if self._heard in self._world.on_event:
            self._world.on_event.remove(self._heard)

    def _heard(self, event: WorldEvent) -> None:
        order = event.order
        if event.topic == "fulfillment_orders/order_routing_complete":
            self._world.schedule(self.delay, lambda: self._pick(order))
        elif event.topic == "fulfillment_orders/hold_released" and order.id in self.blocked:
            # Straight after the release, not inside the webhook's own publishing.
            self._world.schedule(0, lambda: self._pick(order))

    def _pick(self, order: Order) -> None:
        if order.cancelled_at is not None or order.id in self.shipped:
            return
        if not any(fo.status == "OPEN" for fo in order.fulfillment_orders):
            if any(fo.status == "ON_HOLD" for fo in order.fulfillment_orders):
                self.blocked.append(order.id)
            return
        order_actions.start_fulfillment(self._world, order)
        order_actions.fulfill(self._world, order)
        self.shipped.append(order.id)
