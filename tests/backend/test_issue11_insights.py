"""Insights of issue 11 end to end: a partial cancel with a fee, then Buy again after a cancel of
ours placing an order from our link (orders/create names its source): counted; an order bought
again from a delivered order is not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from backend.admin.insights import summarize
from backend.policy import ShopPolicy
from devshop.seed import DemoCustomers, DemoProducts
from tests.backend.test_partial_cancel import cancel_items, shirts_and_a_tote
from tests.conftest import Stack, cancel, graphql

SHOP = "demo-shop"
BUY_AGAIN = "query($id: ID!) { order(id: $id) { buyAgainUrl } }"


async def test_partial_cancels_fees_and_buy_again_revenue_are_counted(stack: Stack) -> None:
    await stack.store.save_policy(SHOP, ShopPolicy(partial_cancel=True, fee_percent=Decimal(5)))
    partly = shirts_and_a_tote(stack, country="US")
    whole = stack.world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[stack.world.products[DemoProducts.LINEN_SHIRT]],
        quantities=[2],
        shipping_country_code="US",
    )
    delivered = stack.world.add_order(
        customer_id=DemoCustomers.ADA,
        products=[stack.world.products[DemoProducts.LINEN_SHIRT]],
        fulfillment_status="FULFILLED",
    )

    async with stack.shopper() as ada:
        await cancel_items(ada, partly, {partly.line_items[0].id: 1})  # fee 1.25
        await cancel(ada, whole.id)  # fee 2.50 of 49.90
        await stack.settle()
        for source in (whole, delivered):
            link = (await graphql(ada, BUY_AGAIN, {"id": str(source.id)})).json()
            await ada.get(link["data"]["order"]["buyAgainUrl"], follow_redirects=True)
            await ada.post("/cart/checkout", follow_redirects=True)
        await stack.settle()

    insights = await summarize(
        stack.store,
        SHOP,
        policy=ShopPolicy(),
        now=stack.clock() + timedelta(seconds=1),
        tz=ZoneInfo("Europe/Amsterdam"),
        orders=None,
    )
    assert insights.partial_cancels == 1
    assert insights.fees_kept == Decimal("3.75")
    assert (insights.buy_again_orders, insights.buy_again_revenue) == (1, Decimal("49.90"))
    assert insights.currency == "EUR"
