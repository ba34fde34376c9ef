"""devshop's extension host shows the withdrawal's order action (issue 15) on request."""

from __future__ import annotations

import httpx

from devshop.app import create_app
from devshop.settings import DevshopSettings
from tests.conftest import Served


async def test_the_order_action_page_hosts_the_withdrawal_on_request() -> None:
    served = Served()
    async with served.running(create_app(DevshopSettings())):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=served), base_url="http://devshop.test"
        ) as client:
            withdraw = await client.get("/extensions/order-action?order=5002&action=withdraw")
            cancel = await client.get("/extensions/order-action?order=5002")
            frame = await client.get(
                "/extensions/frame/withdraw-order-action/WithdrawModal.js?order=5002&locale=de"
            )
    assert "withdraw-order-action/WithdrawModal.js" in withdraw.text
    assert "cancel-order-action/CancelModal.js" in cancel.text
    assert frame.status_code == 200 and "Vertrag widerrufen" in frame.text
