"""The demo world: one order in every state the cancel policy tells apart, plus a second shop.

Tests and demos name orders by these ids; every order except WINDOW_CLOSED is younger than an
hour, so each one is blocked (or not) for exactly one reason under a 60-minute window.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Final

from devshop.world import (
    DEFAULT_SHOP,
    Customer,
    FulfillmentOrder,
    Product,
    Shop,
    Variant,
    World,
)

DEMO_SHOP: Final = DEFAULT_SHOP
OTHER_SHOP: Final = "other-shop.myshopify.com"
DEMO_ACCESS_TOKEN: Final = "shpat_devshop_demo_token"
OTHER_ACCESS_TOKEN: Final = "shpat_devshop_other_token"


class DemoCustomers:
    ADA: Final = 1001  # the demo customer
    BOB: Final = 1002
    GRACE: Final = 2001  # other-shop's customer


class DemoProducts:
    LINEN_SHIRT: Final = 7001
    MADE_TO_ORDER_PRINT: Final = 7002  # tagged "non-cancellable"
    WOOL_SOCKS: Final = 7101  # other-shop


class DemoVariants:
    SHIRT_S: Final = 70011  # the number a one-variant product's variant would have
    SHIRT_M: Final = 70012
    SHIRT_L: Final = 70013
    SHIRT_XL: Final = 70014  # sold out


class DemoOrders:
    CANCELLABLE: Final = 5001  # "#1001", 5 minutes old
    FULFILLED: Final = 5002
    WINDOW_CLOSED: Final = 5003  # 3 hours old, otherwise cancellable
    EXCLUDED_PRODUCT: Final = 5004  # has a line item tagged "non-cancellable"
    EXCLUDED_ORDER: Final = 5005  # the order is tagged "non-cancellable"
    ALREADY_CANCELLED: Final = 5006
    PARTIALLY_REFUNDED: Final = 5007
    FULFILLMENT_IN_PROGRESS: Final = 5008
    RISK_CANCEL: Final = 5009  # risk recommendation CANCEL
    BOBS_ORDER: Final = 5010  # cancellable, but not Ada's
    CANCELLABLE_10_MIN: Final = 5011
    SUBMITTED_TO_SERVICE: Final = 5012  # UNFULFILLED, fulfillment order sent to a 3PL
    SPARE_2_MIN: Final = 5013
    SPARE_15_MIN: Final = 5014
    SPARE_30_MIN: Final = 5015
    OTHER_SHOP_ORDER: Final = 6001  # "#2001" on other-shop


def seed(world: World, now: datetime, access_token: str = DEMO_ACCESS_TOKEN) -> World:
    """Fill `world` with the demo data, times relative to `now`."""
    world.add_shop(Shop(DEMO_SHOP, "Demo Shop", "Europe/Amsterdam", access_token, "EUR", id=1))
    world.add_shop(Shop(OTHER_SHOP, "Other Shop", "America/New_York", OTHER_ACCESS_TOKEN, "USD", 2))
    world.add_customer(Customer(DemoCustomers.ADA, "Ada", "Lovelace", "ada@example.com"))
    world.add_customer(Customer(DemoCustomers.BOB, "Bob", "Builder", "bob@example.com"))
    world.add_customer(
        Customer(DemoCustomers.GRACE, "Grace", "Hopper", "grace@example.com", OTHER_SHOP)
    )
    # Shipping zones of each shop's default delivery profile: an address edit stays inside the
    # zone the order ships to (Benelux orders within Benelux, and so on).
    world.add_shipping_zone(DEMO_SHOP, "Benelux", ["NL", "BE", "LU"])
    world.add_shipping_zone(DEMO_SHOP, "Europe", ["DE", "FR", "ES", "AT", "IT"])
    world.add_shipping_zone(DEMO_SHOP, "Japan", ["JP"])
    world.add_shipping_zone(OTHER_SHOP, "Domestic", ["US"])
    world.add_shipping_zone(OTHER_SHOP, "Rest of world", [], rest_of_world=True)
    # The shirt comes in sizes, each with its price and stock (issue 13's size change): S is
    # what the seeded orders hold; XL is sold out.
    shirt = world.add_product(
        Product(
            DemoProducts.LINEN_SHIRT,
            "Linen shirt",
            ["summer"],
            variants=[
                Variant(DemoVariants.SHIRT_S, "S", Decimal("24.95"), inventory=10),
                Variant(DemoVariants.SHIRT_M, "M", Decimal("24.95"), inventory=10),
                Variant(DemoVariants.SHIRT_L, "L", Decimal("29.95"), inventory=10),
                Variant(DemoVariants.SHIRT_XL, "XL", Decimal("29.95"), inventory=0),
            ],
        )
    )
    print_ = world.add_product(
        Product(DemoProducts.MADE_TO_ORDER_PRINT, "Made to order print", ["non-cancellable"])
    )
    socks = world.add_product(Product(DemoProducts.WOOL_SOCKS, "Wool socks", [], OTHER_SHOP))

    def ago(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes)

    ada = partial(world.add_order, shop=DEMO_SHOP, customer_id=DemoCustomers.ADA, products=[shirt])
    ada(id=DemoOrders.CANCELLABLE, name="#1001", created_at=ago(5))
    ada(id=DemoOrders.FULFILLED, name="#1002", created_at=ago(20), fulfillment_status="FULFILLED")
    ada(id=DemoOrders.WINDOW_CLOSED, name="#1003", created_at=ago(180))
    ada(id=DemoOrders.EXCLUDED_PRODUCT, name="#1004", created_at=ago(6), products=[shirt, print_])
    ada(id=DemoOrders.EXCLUDED_ORDER, name="#1005", created_at=ago(7), tags=["non-cancellable"])
    ada(id=DemoOrders.ALREADY_CANCELLED, name="#1006", created_at=ago(8), cancelled_at=ago(4))
    ada(
        id=DemoOrders.PARTIALLY_REFUNDED,
        name="#1007",
        created_at=ago(9),
        financial_status="PARTIALLY_REFUNDED",
    )
    ada(
        id=DemoOrders.FULFILLMENT_IN_PROGRESS,
        name="#1008",
        created_at=ago(11),
        fulfillment_status="IN_PROGRESS",
    )
    ada(id=DemoOrders.RISK_CANCEL, name="#1009", created_at=ago(12), risk="CANCEL")
    ada(id=DemoOrders.BOBS_ORDER, name="#1010", created_at=ago(5), customer_id=DemoCustomers.BOB)
    ada(id=DemoOrders.CANCELLABLE_10_MIN, name="#1011", created_at=ago(10))
    ada(
        id=DemoOrders.SUBMITTED_TO_SERVICE,
        name="#1012",
        created_at=ago(13),
        fulfillment_orders=[FulfillmentOrder(world.new_id(), "OPEN", "SUBMITTED")],
    )
    ada(id=DemoOrders.SPARE_2_MIN, name="#1013", created_at=ago(2))
    ada(id=DemoOrders.SPARE_15_MIN, name="#1014", created_at=ago(15))
    ada(id=DemoOrders.SPARE_30_MIN, name="#1015", created_at=ago(30))
    world.add_order(
        id=DemoOrders.OTHER_SHOP_ORDER,
        shop=OTHER_SHOP,
        name="#2001",
        customer_id=DemoCustomers.GRACE,
        created_at=ago(5),
        products=[socks],
        shipping_country_code="US",
    )
    return world
