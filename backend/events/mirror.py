"""The order mirror: what Shopify told us of each order, so a page view costs it nothing.

Reads. `read` serves an order from the mirror when it holds a complete snapshot confirmed by
Shopify within `max_age` (`MIRROR_MAX_AGE_SECONDS`); anything else (a miss, a partial snapshot,
one older than the bound) is read from the Admin API in one request, which fills the mirror.
The bound is what makes a missed webhook harmless: no snapshot is served older than that.

Writes. Webhooks (`apply`) lay their REST payload over the last snapshot (an older delivery
never replaces a newer one) and, where the payload cannot tell what the policy reads (product
tags after an edit, fulfilment orders, risk), defer one `refresh_order` job: a queueing lock per
order makes a burst of deliveries one Admin read. The cancel's own fresh read is kept too.

The mirror may show a button; it never grants an action: every action reads the order fresh.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.events.snapshots import merge_rest, rest_instant, rest_order_id
from backend.orders import OrderSnapshot, order_gid
from backend.policy import ShopPolicy
from backend.shopify.gateway import AdminGateway
from backend.store.base import Job, RequestState, Store

logger = logging.getLogger(__name__)

REFRESH = "refresh_order"
PRUNE = "prune_mirror"
# A settled order (cancelled, fulfilled) not heard of for this long leaves the mirror.
SETTLED_KEEP = timedelta(days=1)
# No rule keeps an order open longer than this: Shopify's default reach without
# read_all_orders is 60 days, and so is ours.
LONGEST_KEEP = timedelta(days=60)

# Topics whose payload may change what only a read tells: product tags (an edit), fulfilment
# orders (routing, holds, requests, fulfilment) or risk (a new order).
_READ_AFTER = frozenset(
    {"orders/create", "orders/edited", "orders/fulfilled", "orders/partially_fulfilled"}
)
ORDER_TOPICS = frozenset({*_READ_AFTER, "orders/updated", "orders/cancelled"})
FULFILLMENT_ORDER_TOPICS = frozenset(
    {
        "fulfillment_orders/order_routing_complete",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/fulfillment_request_submitted",
        "fulfillment_orders/fulfillment_request_accepted",
        "fulfillment_orders/cancelled",
    }
)
DELIVERY_TOPIC = "fulfillment_events/create"


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


class OrderMirror:
    def __init__(
        self,
        gateway: AdminGateway,
        store: Store,
        *,
        clock: Callable[[], datetime],
        max_age: timedelta,
        policy_of: Callable[[str], Awaitable[ShopPolicy]],
    ) -> None:
        self._gateway = gateway
        self._store = store
        self._clock = clock
        self._max_age = max_age
        self._policy_of = policy_of  # for pruning: how long the shop's rules keep an order open
        # Told every order a refresh read in full (the fulfilment holds act on it).
        self.on_read: Callable[[str, OrderSnapshot, ZoneInfo], Awaitable[None]] | None = None

    # Reads -----------------------------------------------------------------------------------

    async def read(
        self, shop: str, gids: Sequence[str]
    ) -> tuple[dict[str, OrderSnapshot], ZoneInfo]:
        """The orders among `gids` that exist, and the shop's time zone; Shopify is asked only
        for what the mirror cannot answer, in one request."""
        mirror = await self._store.mirrored_orders(shop, gids)
        now = self._clock()
        found = {
            gid: held.order
            for gid, held in mirror.orders.items()
            if held.complete and now - held.confirmed_at <= self._max_age
        }
        tz = _zone(mirror.timezone)
        missing = [gid for gid in gids if gid not in found]
        if not missing and tz is not None:
            return found, tz
        if len(missing) <= 1:
            order, tz = await self._gateway.load_order(shop, missing[0] if missing else gids[0])
            read = {order.id: order} if order is not None else {}
            whole = set(read)
        else:
            read, whole, tz = await self._gateway.load_orders(shop, missing)
        await self._store.save_timezone(shop, tz.key, at=now)
        for gid, order in read.items():
            await self._store.mirror_order(shop, order, complete=gid in whole, at=now, read=True)
        return found | read, tz

    async def remember(self, shop: str, order: OrderSnapshot, tz: ZoneInfo) -> None:
        """Keep what a fresh read (the cancel's own) told."""
        now = self._clock()
        await self._store.save_timezone(shop, tz.key, at=now)
        await self._store.mirror_order(shop, order, complete=True, at=now, read=True)

    # Webhooks (in the delivery's transaction) -----------------------------------------------

    async def apply(self, store: Store, shop: str, topic: str, payload: Mapping[str, Any]) -> None:
        now = self._clock()
        if topic in ORDER_TOPICS:
            await self._apply_order(store, shop, topic, payload, now)
        elif topic in FULFILLMENT_ORDER_TOPICS:
            await self._apply_fulfillment_order(store, shop, payload, now)
        elif topic == DELIVERY_TOPIC:
            await self._apply_delivery(store, shop, payload)

    async def _apply_order(
        self, store: Store, shop: str, topic: str, payload: Mapping[str, Any], now: datetime
    ) -> None:
        edit = payload.get("order_edit")
        if topic == "orders/edited" and isinstance(edit, Mapping):
            # The payload is the edit (additions, removals), not the order: read it again.
            edited = order_gid(str(edit.get("order_id") or ""))
            if edited is not None:
                await _refresh_later(store, shop, {"order_id": edited}, now)
            return
        gid = rest_order_id(payload)
        if gid is None:
            return
        known = (await store.mirrored_orders(shop, [gid])).orders.get(gid)
        merged = merge_rest(payload, known.order if known else None)
        if merged is None:
            logger.warning("%s for %s: not an order payload", topic, shop)
            return
        order, _ = merged
        read_after = topic in _READ_AFTER or known is None or not known.complete
        # An order we hold is read again on every change: a change may close self-cancel, and
        # then our hold must go at once (the read's `on_read` releases it).
        read_after = read_after or any(fo.our_holds for fo in order.fulfillment_orders)
        if not read_after:
            # Likewise an order whose customer's request to cancel waits for the shop (issue
            # 14): once the warehouse starts, the read's `on_read` declines the request.
            request = await store.get_request(shop, gid)
            read_after = request is not None and request.state is RequestState.REQUESTED
        kept = await store.mirror_order(shop, order, complete=not read_after, at=now)
        if kept and read_after:
            await _refresh_later(store, shop, {"order_id": gid}, now)

    async def _apply_fulfillment_order(
        self, store: Store, shop: str, payload: Mapping[str, Any], now: datetime
    ) -> None:
        held = payload.get("fulfillment_order") or {}
        order = order_gid(str(held.get("order_id") or payload.get("order_id") or ""))
        if order is not None:
            await _refresh_later(store, shop, {"order_id": order}, now)
            return
        fulfillment_order = str(held.get("id") or "")
        if fulfillment_order.startswith("gid://shopify/FulfillmentOrder/"):
            await _refresh_later(store, shop, {"fulfillment_order_id": fulfillment_order}, now)

    async def _apply_delivery(self, store: Store, shop: str, payload: Mapping[str, Any]) -> None:
        if str(payload.get("status") or "").lower() != "delivered":
            return
        order = order_gid(str(payload.get("order_id") or ""))
        happened = rest_instant(payload.get("happened_at")) or rest_instant(
            payload.get("created_at")
        )
        if order is not None and happened is not None:
            await store.order_delivered(shop, order, at=happened)

    # Jobs -------------------------------------------------------------------------------------

    async def refresh(self, args: dict[str, Any]) -> None:
        """`refresh_order`: one Admin read of the order, kept in full."""
        shop = str(args["shop"])
        if "order_id" in args:
            order, tz = await self._gateway.load_order(shop, str(args["order_id"]))
        else:
            order, tz = await self._gateway.load_order_of_fulfillment_order(
                shop, str(args["fulfillment_order_id"])
            )
        if order is None:
            if "order_id" in args:
                await self._store.forget_orders(shop, [str(args["order_id"])])
            return
        await self.remember(shop, order, tz)
        if self.on_read is not None:
            await self.on_read(shop, order, tz)

    async def prune(self, args: dict[str, Any]) -> None:
        """`prune_mirror`: drop what no rule can act on any more."""
        now = self._clock()
        dropped = 0
        for shop in await self._store.mirrored_shops():
            policy = await self._policy_of(shop)
            window = policy.window_minutes
            keep = LONGEST_KEEP if window is None else timedelta(minutes=window) + SETTLED_KEEP
            dropped += await self._store.prune_mirror(
                shop, created_before=now - keep, settled_before=now - SETTLED_KEEP
            )
        logger.info("mirror: dropped %d snapshots", dropped)


async def _refresh_later(store: Store, shop: str, target: dict[str, str], now: datetime) -> None:
    key = target.get("order_id") or target["fulfillment_order_id"]
    await store.defer_job(
        Job(REFRESH, {"shop": shop, **target}, queueing_lock=f"{REFRESH}:{shop}:{key}"), at=now
    )
