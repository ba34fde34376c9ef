"""Shopify Flow triggers (issue 14): one `flow_trigger` extension per event, sent once each.

Each event's payload is built when the event happens and deferred as a job in the same
transaction, behind a first-seen mark on its dedupe key (`claim_once`): one job per event,
ever. The job sends `flowTriggerReceive`; a failure (Shopify down, throttled) raises, and the
runner retries it with backoff. Flow's own refusal (userErrors: a payload that does not match
the extension) will not get better by retrying: it is logged and dropped.

The fields match `extensions/flow-*/shopify.extension.toml`: the order reference travels as
`order_id` (the order's number, as Shopify's CLI names a reference field), the custom fields
under their `key`. The cancel's events share one set of fields (`FlowFacts`); an edit has its
own (`EditFacts`: the change, the reason, what was refunded or is owed). A test checks every
payload against those files.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from backend.orders import legacy_id
from backend.shopify.gateway import AdminGateway
from backend.store.base import Job, Store

logger = logging.getLogger(__name__)

SEND = "send_flow_trigger"
# Flow takes payloads under 50 KB; a note is at most 500 characters, so this is far off.
PAYLOAD_LIMIT = 50_000
_ONCE = timedelta(days=400)  # an event's mark outlives any retry by far


class FlowEvent(enum.StrEnum):
    CANCELLED = "cancelled"
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EDITED = "edited"  # the customer changed the order instead of cancelling it (issue 13)


# The extension handle (its folder is `extensions/flow-<event>`).
HANDLES: dict[FlowEvent, str] = {event: f"cancel-{event.value}" for event in FlowEvent}


@dataclass(frozen=True, slots=True)
class FlowFacts:
    """What every trigger tells about the order."""

    order_id: str  # the GID
    reason_code: str
    reason_label: str
    note: str | None
    refund: Decimal | None
    fee: Decimal | None = None
    message: str | None = None  # a decline's words, else empty


def payload(facts: FlowFacts) -> dict[str, Any]:
    return {
        "order_id": int(legacy_id(facts.order_id)),
        "Reason code": facts.reason_code,
        "Reason": facts.reason_label,
        "Note": facts.note or "",
        "Refund": float(facts.refund or 0),
        "Fee": float(facts.fee or 0),
        "Message": facts.message or "",
    }


@dataclass(frozen=True, slots=True)
class EditFacts:
    """What the "edited" trigger tells: the order, the change, why, and what it cost."""

    order_id: str  # the GID
    change: str  # the EditType: ADDRESS, VARIANT or QUANTITY
    reason_code: str | None  # the cancel reason the customer chose first, if any
    reason_label: str | None
    difference: Decimal | None  # positive: the customer owes it; negative: refunded


def edit_payload(facts: EditFacts) -> dict[str, Any]:
    difference = facts.difference or Decimal(0)
    return {
        "order_id": int(legacy_id(facts.order_id)),
        "Change": facts.change,
        "Reason code": facts.reason_code or "",
        "Reason": facts.reason_label or "",
        "Refund": float(max(-difference, Decimal(0))),
        "Owed": float(max(difference, Decimal(0))),
    }


async def defer_trigger(
    tx: Store,
    shop: str,
    event: FlowEvent,
    key: str,
    facts: FlowFacts | EditFacts,
    *,
    at: datetime,
) -> bool:
    """Queue the trigger for `event` unless one with this `key` was queued before."""
    if (event is FlowEvent.EDITED) != isinstance(facts, EditFacts):
        raise TypeError(f"{event} does not take {type(facts).__name__}")
    dedupe = f"{event.value}:{key}"
    if not await tx.claim_once(shop, "flow", dedupe, ttl=_ONCE, at=at):
        return False
    body = edit_payload(facts) if isinstance(facts, EditFacts) else payload(facts)
    await tx.defer_job(
        Job(SEND, {"shop": shop, "handle": HANDLES[event], "payload": body, "key": dedupe}),
        at=at,
    )
    return True


class FlowTriggers:
    def __init__(self, gateway: AdminGateway) -> None:
        self._gateway = gateway

    async def send(self, args: dict[str, Any]) -> None:
        """`send_flow_trigger`: one event to Flow. Raises (and is retried) while Shopify fails."""
        shop, handle, body = str(args["shop"]), str(args["handle"]), dict(args["payload"])
        if len(json.dumps(body)) > PAYLOAD_LIMIT:
            logger.error("flow trigger %s for %s too large; dropped", handle, shop)
            return
        refused = await self._gateway.flow_trigger_receive(shop, handle, body)
        if refused is not None:
            logger.error("Flow refused %s for %s (%s): %s", handle, shop, args.get("key"), refused)
