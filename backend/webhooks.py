"""`POST /webhooks`: what Shopify tells us, verified, persisted once, and handled by a job.

Every delivery goes through the same gates, and is answered within milliseconds:

1. the body, capped at `MAX_BODY` (413 beyond);
2. `shopifyapp.verify_webhook_req` on the raw body: a bad or missing HMAC is refused (401, or
   400 without the header) before anything else is read or done;
3. one store transaction records the delivery (unique on `X-Shopify-Webhook-Id`: a repeat,
   Shopify retries for 4 hours and may deliver twice, answers 200 and does nothing) and defers
   its `webhook` job. Topics we do not handle are acknowledged and not kept.

The job (`handle`) runs the topic's handler and marks the delivery handled in one transaction,
dropping its payload: a handler that fails rolls back and its job is retried with backoff, so
the effect happens once, whatever failed and however often. Order topics feed the order mirror
(backend/events/mirror.py) first.

- `orders/cancelled` settles our PENDING (or IN_FLIGHT) record as CANCELLED. A record we left
  REJECTED (Shopify's answer was lost while its job ran on) is handed to `reconcile_cancel`,
  which reads the order and, when its cancellation carries the staff note we sent, makes the
  record CANCELLED and counts it as ours. An order we never cancelled (the merchant in the
  admin, another app) is recorded as an attempt with outcome `CANCELLED_ELSEWHERE`, reason code
  Shopify's cancel reason (`STAFF`, `CUSTOMER`, …), so insights can count every cancellation
  and tell the button's from the rest.
- `app/uninstalled` drops the shop's token (a reinstall exchanges a new one).
- `shop/redact` (48 h after uninstall) erases everything we hold for the shop.
- `customers/redact` erases the customer's cancellation records, attempts and mirrored orders,
  notes included, and those of every order in `orders_to_redact` (a guest's orders carry no
  customer id).
- `customers/data_request`: the app cannot reach the merchant by itself, so the export of what
  we hold (the customer's records and attempts, with notes) is logged at INFO under the data
  request's id as counts only, since notes never reach a log; `store.customer_data` produces the
  export itself on demand until the data is redacted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from backend.body import BodyTooLarge, read_body
from backend.buy_again import source_order
from backend.events.mirror import (
    DELIVERY_TOPIC,
    FULFILLMENT_ORDER_TOPICS,
    ORDER_TOPICS,
    OrderMirror,
)
from backend.events.snapshots import rest_instant
from backend.observability import observe
from backend.orders import customer_gid, order_gid
from backend.store.base import (
    Attempt,
    CustomerData,
    FlightState,
    Job,
    Outcome,
    RefundState,
    Store,
    StoreUnavailable,
)
from backend.store.codec import encode_attempt_json, encode_datetime

if TYPE_CHECKING:
    from shopify_app import ShopifyApp

logger = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024  # order payloads with many line items run to a few hundred KB
HANDLE = "webhook"  # the job's task
RECONCILE = "reconcile_cancel"

Payload = dict[str, Any]
Handler = Callable[[Store, str, Payload], Awaitable[None]]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def customer_export(data: CustomerData) -> dict[str, Any]:
    """What we hold about a customer, as JSON for the merchant."""
    export: dict[str, Any] = _json_value(asdict(data))
    return export


class Webhooks:
    def __init__(
        self,
        shopify: ShopifyApp,
        store: Store,
        mirror: OrderMirror,
        *,
        clock: Callable[[], datetime],
        wake_jobs: Callable[[], None],
        max_body: int = MAX_BODY,
    ) -> None:
        self._shopify = shopify
        self._store = store
        self._mirror = mirror
        self._clock = clock
        self._wake_jobs = wake_jobs
        self._max_body = max_body
        self._handlers: dict[str, Handler] = {
            "orders/cancelled": self.order_cancelled,
            "orders/create": self.order_created,
            "app/uninstalled": self.app_uninstalled,
            "shop/redact": self.shop_redact,
            "customers/redact": self.customers_redact,
            "customers/data_request": self.customers_data_request,
        }
        self.topics = frozenset(
            {*self._handlers, *ORDER_TOPICS, *FULFILLMENT_ORDER_TOPICS, DELIVERY_TOPIC}
        )

    async def receive(self, request: Request) -> Response:
        try:
            raw = await read_body(request.receive, self._max_body)
        except BodyTooLarge:
            return Response("Payload Too Large", status_code=413)
        except ClientDisconnect:
            return Response(status_code=400)
        body = raw.decode("utf-8", errors="replace")
        verified = self._shopify.verify_webhook_req(
            {
                "method": request.method,
                "headers": dict(request.headers),
                "url": str(request.url),
                "body": body,
            }
        )
        topic = request.headers.get("x-shopify-topic", "")
        if not verified.ok or not verified.shop:
            status = verified.response.status if not verified.ok else 401
            observe.webhook(topic, "unauthorized")
            return Response(verified.response.body or "Unauthorized", status_code=status)
        shop = verified.shop
        if topic not in self.topics:
            observe.webhook(topic, "ignored", shop=shop)
            logger.info("ignoring webhook %s for %s", topic, shop)
            return Response(status_code=200)
        now = self._clock()
        triggered_at = request.headers.get("x-shopify-triggered-at")
        observe.webhook_lag(triggered_at, now)
        # Shopify always sends an id; without one, the body's digest stands in, so that a
        # resent identical body still counts once.
        webhook_id = request.headers.get("x-shopify-webhook-id") or _digest(raw)
        try:
            async with self._store.transaction() as store:
                delivery = await store.record_delivery(
                    shop,
                    webhook_id,
                    topic,
                    body,
                    triggered_at=rest_instant(triggered_at),
                    received_at=now,
                )
                if delivery is not None:
                    await store.defer_job(Job(HANDLE, {"delivery": delivery}), at=now)
        except StoreUnavailable as error:
            observe.webhook(topic, "store_unavailable", shop=shop)
            logger.warning("webhook %s for %s: store unavailable (%s)", topic, shop, error)
            return Response(status_code=503, headers={"Retry-After": "5"})
        # Counted once committed; a job handles it next.
        observe.webhook(topic, "accepted" if delivery is not None else "duplicate", shop=shop)
        if delivery is not None:
            self._wake_jobs()
        return Response(status_code=200)

    async def handle(self, args: dict[str, Any]) -> None:
        """The `webhook` job: the delivery's effect and its handled mark, in one transaction."""
        async with self._store.transaction() as store:
            delivery = await store.take_delivery(int(args["delivery"]))
            if delivery is None:
                return  # handled already: a job run twice changes nothing
            try:
                payload = json.loads(delivery.payload) if delivery.payload else {}
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                await self._mirror.apply(store, delivery.shop, delivery.topic, payload)
                handler = self._handlers.get(delivery.topic)
                if handler is not None:
                    await handler(store, delivery.shop, payload)
            else:
                logger.warning(
                    "webhook %s for %s: not a JSON object", delivery.topic, delivery.shop
                )
            await store.delivery_handled(delivery.id, at=self._clock())
        observe.webhook(delivery.topic, "handled", shop=delivery.shop)  # committed

    async def order_cancelled(self, store: Store, shop: str, payload: Payload) -> None:
        gid = order_gid(str(payload.get("admin_graphql_api_id") or payload.get("id") or ""))
        if gid is None:
            return
        now = self._clock()
        record = await store.get_cancellation(shop, gid)
        if record is not None and record.state in (FlightState.IN_FLIGHT, FlightState.PENDING):
            await store.settle(shop, gid, FlightState.CANCELLED, at=now)
            return
        if record is not None and record.state is FlightState.CANCELLED:
            return
        customer = payload.get("customer") or {}
        reason = str(payload.get("cancel_reason") or "other").upper()
        elsewhere = Attempt(
            shop=shop,
            order_id=gid,
            customer_id=customer_gid(str(customer.get("id") or "")),
            reason_code=reason[:100],
            note=None,
            outcome=Outcome.CANCELLED_ELSEWHERE,
            at=rest_instant(payload.get("cancelled_at")) or now,
        )
        if record is not None and record.state is FlightState.REJECTED and record.staff_note:
            # Perhaps ours after all: only the order's own cancellation note can tell, and the
            # REST payload does not carry it, so one Admin read decides, in a job of its own.
            await store.defer_job(
                Job(RECONCILE, {"shop": shop, "otherwise": encode_attempt_json(elsewhere)}),
                at=now,
            )
            return
        # We never tried, or Shopify refused ours: someone else cancelled it.
        await store.record_attempt(elsewhere)

    async def order_created(self, store: Store, shop: str, payload: Payload) -> None:
        """An order placed from our Buy again link after a cancel of ours: recovered revenue."""
        source = source_order(payload)
        gid = order_gid(str(payload.get("admin_graphql_api_id") or payload.get("id") or ""))
        if source is None or gid is None:
            return
        cancelled = await store.get_cancellation(shop, source)
        ours = (
            cancelled is not None
            and cancelled.state in (FlightState.CANCELLED, FlightState.PENDING)
        ) or any(r.state is RefundState.DONE for r in await store.refunds_of_order(shop, source))
        if not ours:
            return
        try:
            total = Decimal(str(payload.get("total_price") or "0"))
        except InvalidOperation:
            total = Decimal("0")
        currency = str(payload.get("currency") or "")
        at = rest_instant(payload.get("created_at")) or self._clock()
        await store.record_buy_again(shop, gid, source, total, currency, at=at)

    async def app_uninstalled(self, store: Store, shop: str, payload: Payload) -> None:
        await store.delete_token(shop)

    async def shop_redact(self, store: Store, shop: str, payload: Payload) -> None:
        await store.erase_shop(shop)

    async def customers_redact(self, store: Store, shop: str, payload: Payload) -> None:
        """The customer's records, attempts and mirrored orders, and the listed orders'."""
        customer = customer_gid(str((payload.get("customer") or {}).get("id") or ""))
        orders = payload.get("orders_to_redact")
        order_ids = [
            gid
            for gid in (order_gid(str(raw)) for raw in (orders if isinstance(orders, list) else []))
            if gid is not None
        ]
        if customer is not None or order_ids:
            await store.erase_customer(shop, customer, order_ids)

    async def customers_data_request(self, store: Store, shop: str, payload: Payload) -> None:
        customer = customer_gid(str((payload.get("customer") or {}).get("id") or ""))
        request_id = (payload.get("data_request") or {}).get("id")
        if customer is None:
            return
        export = customer_export(await store.customer_data(shop, customer))
        # Counts only: the export holds the customer's notes, which no log may carry.
        logger.info(
            "customers/data_request %s for %s on %s: %s",
            request_id,
            customer,
            shop,
            {key: len(value) for key, value in export.items() if isinstance(value, list)},
        )


def _digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def receive_webhook(request: Request) -> Response:
    webhooks: Webhooks = request.state.webhooks
    return await webhooks.receive(request)
