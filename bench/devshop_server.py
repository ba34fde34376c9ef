"""`python -m bench.devshop_server`: devshop as `python -m devshop` runs it, fitted for load.

Two things devshop's HTTP controls cannot do yet, done here in-process before serving:

- `BENCH_ORDERS` cancellable orders for Ada (ids from `BENCH_FIRST_ORDER`, one minute old,
  paid, unfulfilled, one line item): the cancel figures need thousands of orders that can be
  cancelled once each, and the account-page figures need 50 of one customer's orders.
  Wanted instead: `POST /_devshop/orders {"count", "customer_id", "age_seconds"}` -> ids.
- `BENCH_LIFT_BUCKET=1`: the Admin API's leaky bucket made effectively infinite. devshop keeps
  Shopify's 2000-point bucket refilled at 100 points/s; an eligibility check costs ~10 points, so
  any load over ~10 requests/s would measure Shopify's rate limit (and our back-off), not our
  code. The cost figures are unaffected: the cost model computes the same points either way.
  Wanted instead: `POST /_devshop/limits {"maximum_available", "restore_rate"}`.

Access logs are off: devshop stands in for Shopify, which runs on other machines; its logging
would only take CPU from the two processes being compared.
"""

from __future__ import annotations

import os
from datetime import timedelta

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from devshop.admin_api import AdminEndpoint
from devshop.app import create_app
from devshop.seed import DemoCustomers, DemoProducts
from devshop.settings import DevshopSettings
from devshop.world import World

UNLIMITED = 1e12


def add_orders(world: World, first: int, count: int) -> None:
    shirt = world.products[DemoProducts.LINEN_SHIRT]
    for order_id in range(first, first + count):
        world.add_order(
            id=order_id,
            customer_id=DemoCustomers.ADA,
            age=timedelta(minutes=1),
            products=[shirt],
        )


def admin_endpoint(app: Starlette) -> AdminEndpoint:
    for route in app.routes:
        if isinstance(route, Route):
            owner = getattr(route.endpoint, "__self__", None)
            if isinstance(owner, AdminEndpoint):
                return owner
    raise RuntimeError("devshop has no Admin API route")


def main() -> None:
    settings = DevshopSettings.from_env()
    app = create_app(settings)
    world: World = app.state.world
    add_orders(
        world,
        int(os.environ.get("BENCH_FIRST_ORDER", "100000")),
        int(os.environ.get("BENCH_ORDERS", "0")),
    )
    if os.environ.get("BENCH_LIFT_BUCKET"):
        config = admin_endpoint(app).limits.config
        config.maximum_available = UNLIMITED
        config.restore_rate = UNLIMITED
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
