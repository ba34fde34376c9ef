"""Webhooks to the app, signed and sent as Shopify sends them.

`POST {subscription uri}` with the JSON payload and Shopify's headers: `X-Shopify-Topic`,
`X-Shopify-Hmac-SHA256` (base64 HMAC-SHA256 of the raw body with the client secret),
`X-Shopify-Shop-Domain`, `X-Shopify-Webhook-Id` (one per delivery; a retry or duplicate repeats
it), `X-Shopify-Event-Id` (shared by the deliveries of one change), `X-Shopify-Triggered-At`
(when the change happened) and `X-Shopify-API-Version`.

Every change the world publishes (`WorldEvent`) whose topic the app subscribed to in
`shopify.app.toml` becomes a delivery, its payload taken at the moment of the change; topics
nobody subscribed to are dropped, as Shopify drops them. Deliveries run as tasks off the change
that caused them, as Shopify's do, and at least once:

- a delivery answered non-2xx, or that cannot reach the app, is retried after each of
  `retry_delays` seconds with the same webhook id (Shopify: 8 tries over 4 hours);
- `duplicate`: every delivery is sent twice, the copy after the original, same webhook id;
- `reorder`: deliveries are held and, `reorder_window` seconds after the first (or on
  `release()` / `drain()`), sent one by one in an order shuffled by `random.Random(seed)`;
- `delay`: seconds between the change and the first attempt.

`send` delivers one webhook of any topic once, now (the control endpoint `POST /_devshop/webhooks`
calls it); `drain()` waits for every delivery in flight, and `deliveries` logs each attempt.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from devshop.webhook_payloads import order_payload, payload_for
from devshop.world import World, WorldEvent

__all__ = ["Delivery", "DeliveryBehaviour", "WebhookSender", "order_payload", "sign"]

logger = logging.getLogger(__name__)

API_VERSION = "2026-10"


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    """One attempt to deliver one webhook, as the log keeps it."""

    topic: str
    shop: str
    webhook_id: str
    status: int | None = None  # None: the app could not be reached
    response: str = ""
    attempt: int = 1  # 2, 3, ...: Shopify's retries of the same webhook id
    event_id: str = ""
    url: str = ""
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class DeliveryBehaviour:
    """How devshop delivers; everything off but Shopify's own retry by default."""

    duplicate: bool = False
    reorder: bool = False
    seed: int = 0
    delay: float = 0.0
    reorder_window: float = 0.5
    retry_delays: tuple[float, ...] = (0.1, 0.5, 2.0)

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "retry_delays": list(self.retry_delays)}


@dataclass(frozen=True)
class Outgoing:
    """A webhook ready to go: its body fixed at the moment of the change."""

    topic: str
    shop: str
    url: str
    payload: dict[str, Any]
    webhook_id: str
    event_id: str
    triggered_at: datetime


Sleep = Callable[[float], Awaitable[None]]


class WebhookSender:
    def __init__(
        self,
        world: World,
        *,
        backend_url: str,
        secret: str,
        http: Callable[[], httpx.AsyncClient | None],
        subscriptions: Mapping[str, str] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.world = world
        self.url = f"{backend_url.rstrip('/')}/webhooks"
        self.secret = secret
        self.subscriptions = dict(subscriptions or {})
        self.behaviour = DeliveryBehaviour()
        self.deliveries: list[Delivery] = []
        self._http = http
        self._sleep = sleep
        self._random = random.Random(0)
        self._held: list[Outgoing] = []
        self._release_timer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        world.on_event.append(self._on_event)
        world.on_reset.append(self.reset)

    def configure(self, **changes: Any) -> DeliveryBehaviour:
        """Change the delivery behaviour (`DeliveryBehaviour`'s fields); a new seed reshuffles."""
        behaviour = DeliveryBehaviour(**{**self.behaviour.__dict__, **changes})
        behaviour.retry_delays = tuple(float(s) for s in behaviour.retry_delays)
        self.behaviour = behaviour
        self._random = random.Random(behaviour.seed)
        return behaviour

    def reset(self) -> None:
        """Back to Shopify's behaviour with an empty log (devshop's reset)."""
        self.behaviour = DeliveryBehaviour()
        self._random = random.Random(0)
        self.deliveries.clear()
        self._held.clear()

    def _on_event(self, event: WorldEvent) -> None:
        url = self.subscriptions.get(event.topic)
        if url is None:
            return  # the app did not subscribe to this topic
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a world used without a server: nobody to tell
        payload = payload_for(self.world, event)
        if payload is None:
            logger.warning("devshop has no payload for %s", event.topic)
            return
        outgoing = Outgoing(
            event.topic,
            event.order.shop,
            url,
            payload,
            webhook_id=str(uuid.uuid4()),
            event_id=event.action_id,
            triggered_at=event.at,
        )
        copies = [outgoing, outgoing] if self.behaviour.duplicate else [outgoing]
        if self.behaviour.reorder:
            self._held.extend(copies)
            if self._release_timer is None or self._release_timer.done():
                self._release_timer = self._spawn(self._release_later())
        else:
            self._spawn(self._deliver_in_turn(copies))

    def release(self) -> int:
        """Send the held deliveries now, shuffled; how many there were."""
        batch, self._held = self._held, []
        self._random.shuffle(batch)
        if batch:
            self._spawn(self._deliver_in_turn(batch))
        return len(batch)

    async def _release_later(self) -> None:
        await self._sleep(self.behaviour.reorder_window)
        self.release()

    async def _deliver_in_turn(self, batch: list[Outgoing]) -> None:
        if self.behaviour.delay:
            await self._sleep(self.behaviour.delay)
        for outgoing in batch:
            await self._deliver(outgoing)

    async def _deliver(self, outgoing: Outgoing) -> None:
        """Attempt, then retry with the same webhook id while the app does not answer 2xx."""
        waits = (0.0, *self.behaviour.retry_delays)
        for attempt, wait in enumerate(waits, start=1):
            if wait:
                await self._sleep(wait)
            delivery = await self._post(outgoing, attempt=attempt)
            if delivery.ok or self._http() is None:
                return

    def _spawn(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def send(
        self,
        topic: str,
        payload: dict[str, Any],
        *,
        shop: str,
        webhook_id: str | None = None,
        secret: str | None = None,
    ) -> Delivery:
        """Deliver one webhook once, now: `webhook_id` repeats one, `secret` signs wrongly."""
        outgoing = Outgoing(
            topic,
            shop,
            self.subscriptions.get(topic, self.url),
            payload,
            webhook_id or str(uuid.uuid4()),
            str(uuid.uuid4()),
            self.world.now(),
        )
        return await self._post(outgoing, secret=secret)

    async def _post(
        self, outgoing: Outgoing, *, attempt: int = 1, secret: str | None = None
    ) -> Delivery:
        body = json.dumps(outgoing.payload, separators=(",", ":")).encode()
        delivery = Delivery(
            outgoing.topic,
            outgoing.shop,
            outgoing.webhook_id,
            attempt=attempt,
            event_id=outgoing.event_id,
            url=outgoing.url,
            payload=outgoing.payload,
        )
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": outgoing.topic,
            "X-Shopify-Hmac-SHA256": sign(body, secret or self.secret),
            "X-Shopify-Shop-Domain": outgoing.shop,
            "X-Shopify-Webhook-Id": outgoing.webhook_id,
            "X-Shopify-Event-Id": outgoing.event_id,
            # As Shopify writes it: "2025-07-10T16:15:47.000000Z".
            "X-Shopify-Triggered-At": outgoing.triggered_at.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            ),
            "X-Shopify-API-Version": API_VERSION,
        }
        self.deliveries.append(delivery)
        client = self._http()
        if client is None:
            return delivery  # devshop is not serving (no lifespan): nowhere to send from
        try:
            response = await client.post(outgoing.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            logger.warning("webhook %s to %s failed: %s", outgoing.topic, outgoing.url, error)
            return delivery
        delivery.status, delivery.response = response.status_code, response.text
        return delivery

    async def drain(self) -> None:
        """Release what is held and wait for every delivery in flight, retries included."""
        while self._tasks or self._held:
            if self._release_timer is not None:
                self._release_timer.cancel()
                self._release_timer = None
            self.release()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def for_topic(self, topic: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.topic == topic]
