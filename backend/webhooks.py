"""`POST /webhooks`: what Shopify tells us, verified, deduplicated and answered at once.

Every delivery goes through the same gates:

1. the body, capped at `MAX_BODY` (413 beyond);
2. `shopifyapp.verify_webhook_req` on the raw body: a bad or missing HMAC is refused (401, or
   400 without the header) before anything else is read or done;
3. one store transaction holds both the first-seen mark of `X-Shopify-Webhook-Id` and the
   topic's effect: a repeat delivery (Shopify retries for 4 hours, and may deliver twice)
   answers 200 and does nothing, and a handler that fails rolls its mark back with its effect,
   so the delivery answers 500 and Shopify's retry does the work. Each handler is a few store
   statements, done before answering, so a 200 means done.

Topics:

- `orders/cancelled` settles our PENDING (or IN_FLIGHT) record as CANCELLED. A record we left
  REJECTED (Shopify's answer was lost while its job ran on) is handed to `reconcile`, which
  reads the order and, when its cancellation carries the staff note we sent, makes the record
  CANCELLED and counts it as ours. An order we never cancelled (the merchant in the admin,
  another app) is recorded as an attempt with outcome `CANCELLED_ELSEWHERE`, reason code
  Shopify's cancel reason (`STAFF`, `CUSTOMER`, …), so insights can count every cancellation
  and tell the button's from the rest.
- `app/uninstalled` drops the shop's token (a reinstall exchanges a new one).
- `shop/redact` (48 h after uninstall) erases everything we hold for the shop.
- `customers/redact` erases the customer's cancellation records and attempts, notes included,
  and those of every order in `orders_to_redact` (a guest's orders carry no customer id).
- `customers/data_request`: the app cannot reach the merchant by itself, so the export of what
  we hold (the customer's records and attempts, with notes) is returned as the response's JSON
  body, and logged at INFO under the data request's id as counts only (notes never reach a log);
  `store.customer_data` produces it again on demand until the data is redacted.

Unknown topics are acknowledged and ignored: a 4xx would only make Shopify retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from backend.body import BodyTooLarge, read_body
from backend.observability import observe
from backend.orders import customer_gid, order_gid
from backend.store.base import (
    Attempt,
    CustomerData,
    FlightState,
    Outcome,
    Store,
    StoreUnavailable,
)
from backend.store.codec import encode_datetime

if TYPE_CHECKING:
    from shopify_app import ShopifyApp

logger = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024  # order payloads with many line items run to a few hundred KB
# Shopify retries a failed delivery for 4 hours; a day covers it with room to spare.
SEEN_FOR = timedelta(days=1)

Spawn = Callable[[Coroutine[Any, Any, None]], None]
# (shop, order GID, the attempt to record if the cancel was not ours after all)
Reconcile = Callable[[str, str, Attempt], Coroutine[Any, Any, None]]
Payload = dict[str, Any]
Handler = Callable[[Store, str, Payload], Awaitable[Response | None]]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, Enum):
        return value.value
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
        *,
        clock: Callable[[], datetime],
        spawn: Spawn,
        reconcile: Reconcile,
        max_body: int = MAX_BODY,
    ) -> None:
        self._shopify = shopify
        self._store = store
        self._clock = clock
        self._spawn = spawn
        self._reconcile = reconcile
        self._max_body = max_body
        self._handlers: dict[str, Handler] = {
            "orders/cancelled": self.order_cancelled,
            "app/uninstalled": self.app_uninstalled,
            "shop/redact": self.shop_redact,
            "customers/redact": self.customers_redact,
            "customers/data_request": self.customers_data_request,
        }

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
        observe.webhook_lag(request.headers.get("x-shopify-triggered-at"), self._clock())
        webhook_id = request.headers.get("x-shopify-webhook-id")
        try:
            async with self._store.transaction() as store:
                if webhook_id and await store.seen_webhook(
                    shop, webhook_id, ttl=SEEN_FOR, at=self._clock()
                ):
                    result, response = "duplicate", Response(status_code=200)
                else:
                    response = await self._handle(store, shop, topic, body)
                    result = "handled" if topic in self._handlers else "ignored"
        except StoreUnavailable as error:
            observe.webhook(topic, "store_unavailable", shop=shop)
            logger.warning("webhook %s for %s: store unavailable (%s)", topic, shop, error)
            return Response(status_code=503, headers={"Retry-After": "5"})
        except Exception:
            observe.webhook(topic, "failed", shop=shop)
            # Rolled back, mark and all: Shopify's retry will find the delivery new.
            logger.exception("webhook %s for %s failed; Shopify will retry", topic, shop)
            return Response(status_code=500)
        # Counted once committed: a delivery rolled back above is retried, and counted then.
        observe.webhook(topic, result, shop=shop)
        return response

    async def _handle(self, store: Store, shop: str, topic: str, body: str) -> Response:
        handler = self._handlers.get(topic)
        if handler is None:
            logger.info("ignoring webhook %s for %s", topic, shop)
            return Response(status_code=200)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            logger.warning("webhook %s for %s: body is not a JSON object", topic, shop)
            return Response(status_code=200)
        return await handler(store, shop, payload) or Response(status_code=200)

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
            at=_instant(payload.get("cancelled_at")) or now,
        )
        if record is not None and record.state is FlightState.REJECTED and record.staff_note:
            # Perhaps ours after all: only the order's own cancellation note can tell, and the
            # REST payload does not carry it, so one Admin read decides after we answer.
            self._spawn(self._reconcile(shop, gid, elsewhere))
            return
        # We never tried, or Shopify refused ours: someone else cancelled it.
        await store.record_attempt(elsewhere)

    async def app_uninstalled(self, store: Store, shop: str, payload: Payload) -> None:
        await store.delete_token(shop)

    async def shop_redact(self, store: Store, shop: str, payload: Payload) -> None:
        await store.erase_shop(shop)

    async def customers_redact(self, store: Store, shop: str, payload: Payload) -> None:
        customer = customer_gid(str((payload.get("customer") or {}).get("id") or ""))
        orders = payload.get("orders_to_redact")
        order_ids = [
            gid
            for gid in (order_gid(str(raw)) for raw in (orders if isinstance(orders, list) else []))
            if gid is not None
        ]
        if customer is not None or order_ids:
            await store.erase_customer(shop, customer, order_ids)

    async def customers_data_request(self, store: Store, shop: str, payload: Payload) -> Response:
        customer = customer_gid(str((payload.get("customer") or {}).get("id") or ""))
        request_id = (payload.get("data_request") or {}).get("id")
        if customer is None:
            return JSONResponse({"data_request": request_id, "data": None})
        export = customer_export(await store.customer_data(shop, customer))
        # Counts only: the export holds the customer's notes, which no log may carry.
        logger.info(
            "customers/data_request %s for %s on %s: %s",
            request_id,
            customer,
            shop,
            {key: len(value) for key, value in export.items() if isinstance(value, list)},
        )
        return JSONResponse({"data_request": request_id, "data": export})


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


async def receive_webhook(request: Request) -> Response:
    webhooks: Webhooks = request.state.webhooks
    return await webhooks.receive(request)
