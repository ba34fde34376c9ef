"""Webhooks to the app, signed and sent as Shopify sends them.

`POST {backend}/webhooks` with the JSON payload and Shopify's headers: `X-Shopify-Topic`,
`X-Shopify-Hmac-SHA256` (base64 HMAC-SHA256 of the raw body with the client secret),
`X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id` (one per delivery; a retry repeats it),
`X-Shopify-Event-Id`, `X-Shopify-Triggered-At` and `X-Shopify-API-Version`.

Every order the world cancels (through `orderCancel`, ours or the merchant's) sends
`orders/cancelled` with the order's REST-style payload; `send` delivers any topic (the control
endpoint `POST /_devshop/webhooks` calls it). Deliveries run as tasks off the request that
caused them, as Shopify's do; `drain()` waits for them, and `deliveries` logs each one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from devshop.world import Order, World

logger = logging.getLogger(__name__)

API_VERSION = "2026-10"


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    topic: str
    shop: str
    webhook_id: str
    status: int | None = None  # None: the app could not be reached
    response: str = ""


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def order_payload(world: World, order: Order) -> dict[str, Any]:
    """The order as the REST-format `orders/*` webhooks carry it (the fields the app reads)."""
    customer = world.customers.get(order.customer_id) if order.customer_id else None
    return {
        "id": order.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order.id}",
        "name": order.name,
        "confirmation_number": order.confirmation_number,
        "created_at": _iso(order.created_at),
        "processed_at": _iso(order.processed_at),
        "cancelled_at": _iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": _iso(order.closed_at),
        "financial_status": order.display_financial_status.lower(),
        "fulfillment_status": None,
        "currency": order.currency_code,
        "total_price": str(order.total_price),
        "tags": ", ".join(order.tags),
        "customer": None
        if customer is None
        else {
            "id": customer.id,
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer.id}",
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
        },
        "line_items": [
            {"id": item.id, "title": item.title, "quantity": item.quantity}
            for item in order.line_items
        ],
    }


class WebhookSender:
    def __init__(
        self,
        world: World,
        *,
        backend_url: str,
        secret: str,
        http: Callable[[], httpx.AsyncClient | None],
    ) -> None:
        self.world = world
        self.url = f"{backend_url.rstrip('/')}/webhooks"
        self.secret = secret
        self._http = http
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[Delivery]] = set()
        world.on_cancelled.append(self._order_cancelled)

    def _order_cancelled(self, order: Order) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a world used without a server: nobody to tell
        payload = order_payload(self.world, order)
        task = loop.create_task(self.send("orders/cancelled", payload, shop=order.shop))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        shop: str,
        webhook_id: str | None = None,
        secret: str | None = None,
    ) -> Delivery:
        """Deliver one webhook now. `webhook_id` repeats a delivery; `secret` signs wrongly."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        delivery = Delivery(topic, shop, webhook_id or str(uuid.uuid4()))
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-SHA256": sign(body, secret or self.secret),
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": _iso(self.world.now()) or "",
            "X-Shopify-API-Version": API_VERSION,
        }
        self.deliveries.append(delivery)
        client = self._http()
        if client is None:
            return delivery  # devshop is not serving (no lifespan): nowhere to send from
        try:
            response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("webhook %s to %s failed: %s", topic, self.url, error)
            return delivery
        delivery.status, delivery.response = response.status_code, response.text
        return delivery

    async def drain(self) -> None:
        """Wait for every delivery started by world events."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def webhook_routes(sender: WebhookSender, *, default_shop: str) -> list[Route]:
    """`POST /_devshop/webhooks {"topic", "payload", "shop"?, "webhook_id"?}`: send one now;
    `GET /_devshop/webhooks`: every delivery so far."""

    async def send(request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("topic"), str):
            return JSONResponse({"error": 'expected {"topic": …, "payload": {…}}'}, 400)
        payload = body.get("payload") or {}
        if not isinstance(payload, dict):
            return JSONResponse({"error": "payload must be a JSON object"}, 400)
        delivery = await sender.send(
            body["topic"],
            payload,
            shop=str(body.get("shop") or default_shop),
            webhook_id=body.get("webhook_id"),
        )
        return JSONResponse(asdict(delivery))

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse({"deliveries": [asdict(d) for d in sender.deliveries]})

    return [
        Route("/_devshop/webhooks", send, methods=["POST"]),
        Route("/_devshop/webhooks", listing, methods=["GET"]),
    ]
