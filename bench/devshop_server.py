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

- `BENCH_WATCH_BUCKET=1` (part 8's flash sale, on the standard bucket): `GET /_bench/bucket`
  answers the shop's bucket as devshop meters it, with the lowest level it reached since the
  last `POST /_bench/bucket/lowest` (read on every admission or refusal of a query, where the
  level drops; between queries it only refills). devshop's call log keeps the cost of each call
  but not `extensions.cost.throttleStatus.currentlyAvailable`, and no control reads the bucket.
  Wanted instead: `GET /_devshop/limits` with the same fields.

Access logs are off: devshop stands in for Shopify, which runs on other machines; its logging
would only take CPU from the two processes being compared.
"""

from __future__ import annotations

import os
from datetime import timedelta

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.admin_api import AdminEndpoint
from devshop.admin_throttle import RateLimits
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


def watch_bucket(app: Starlette, limits: RateLimits, shop: str) -> None:
    """`GET /_bench/bucket` and `POST /_bench/bucket/lowest` (see the module's docstring)."""
    # "level": right after a query's requested cost is reserved (or refused), the bucket's
    # true low; "reported": what the answer's currentlyAvailable says (after an executed
    # query gives back what it did not use, or at a refusal).
    lowest: dict[str, float | None] = {"level": None, "reported": None}
    refused = [0]
    take, give_back = limits.take, limits.give_back

    def note(key: str) -> None:
        level = limits.available(shop)
        if lowest[key] is None or level < (lowest[key] or 0.0):
            lowest[key] = level

    def watched_take(domain: str, cost: int) -> bool:
        admitted = take(domain, cost)
        if domain == shop:
            note("level")
            if not admitted:
                refused[0] += 1
                note("reported")
        return admitted

    def watched_give_back(domain: str, points: int) -> None:
        give_back(domain, points)
        if domain == shop:
            note("reported")

    limits.take = watched_take  # type: ignore[method-assign]
    limits.give_back = watched_give_back  # type: ignore[method-assign]

    async def bucket(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "shop": shop,
                "currently_available": limits.available(shop),
                "maximum_available": limits.config.maximum_available,
                "restore_rate": limits.config.restore_rate,
                "lowest": lowest["level"],
                "lowest_reported": lowest["reported"],
                "refused": refused[0],
            }
        )

    async def reset_lowest(request: Request) -> JSONResponse:
        lowest["level"] = lowest["reported"] = None
        refused[0] = 0
        return JSONResponse({"currently_available": limits.available(shop)})

    app.router.routes.insert(0, Route("/_bench/bucket", bucket, methods=["GET"]))
    app.router.routes.insert(0, Route("/_bench/bucket/lowest", reset_lowest, methods=["POST"]))


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
    if os.environ.get("BENCH_WATCH_BUCKET"):
        watch_bucket(app, admin_endpoint(app).limits, settings.shop)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
