"""The use case: the consumer's statement, its confirmation, the effect once, the receipt.

Two steps, as Article 11a(2)-(3) of Directive 2011/83/EU asks. `withdraw(..., confirmation=None)`
checks the statement (name, the order, the e-mail for the acknowledgement, optionally which
items) and answers with a review and a `confirmation`: an HMAC over exactly that statement,
valid for `CONFIRMATION_TTL`. The second step sends the same statement with it ("confirm
withdrawal"); a changed statement or an old confirmation is sent back to review.

On confirmation, one transaction records the withdrawal (unique per order: a repeat, a double
click or a race answers with the first one), queues the acknowledgement e-mail and defers the
effect job. The effect runs once:
- nothing shipped: the whole order cancelled with a full refund to the original payment
  method and no fee, through the cancel's own `orderCancel` and its single flight per order;
  the merchant's window, cutoff and exclusions do not apply (the legal right overrides them);
- shipped: a `returnRequest` for the withdrawn items, which the merchant handles as usual;
- some items of an unshipped order: recorded for the merchant to edit the order (MANUAL).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.auth.viewer import Viewer
from backend.cancellation import CONFIRM, STALE_FLIGHT
from backend.jobs import Retry, backoff
from backend.mail import Outbox
from backend.orders import order_gid
from backend.policy import RefundMethod, ShopPolicy
from backend.shopify.client import ShopifyUnavailable
from backend.shopify.gateway import AdminGateway, CancelAccepted
from backend.store.base import (
    Attempt,
    CancellationRecord,
    EffectState,
    FlightState,
    Job,
    Mail,
    Outcome,
    Store,
    WithdrawalEffect,
    WithdrawalRecord,
    WithdrawnItem,
)
from backend.withdrawal.acknowledgement import acknowledgement, reference, subject
from backend.withdrawal.gateway import (
    ReturnRequested,
    WithdrawalFacts,
    WithdrawalGateway,
)
from backend.withdrawal.period import CLOSED, Period, WithdrawalRule, withdrawal_period

logger = logging.getLogger(__name__)

EFFECT = "withdrawal_effect"
REASON_CODE = "eu_withdrawal"  # how the cancel shows in the attempts and insights
CONFIRMATION_TTL = timedelta(minutes=30)
NAME_LIMIT = 200
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s.]{2,63}")
EFFECT_TRIES = 8


class WithdrawBlock(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no such order, or not the viewer's: alike
    NOT_OFFERED = "NOT_OFFERED"  # the shop has it off, the order ships elsewhere, or cancelled
    PERIOD_ENDED = "PERIOD_ENDED"
    INVALID_NAME = "INVALID_NAME"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_ITEMS = "INVALID_ITEMS"
    REVIEW_AGAIN = "REVIEW_AGAIN"  # the confirmation is old or for another statement
    TRY_AGAIN = "TRY_AGAIN"


MESSAGES: dict[WithdrawBlock, str] = {
    WithdrawBlock.NOT_FOUND: "We couldn't find that order.",
    WithdrawBlock.NOT_OFFERED: "Online withdrawal isn't offered for this order.",
    WithdrawBlock.PERIOD_ENDED: "The withdrawal period for this order has ended.",
    WithdrawBlock.INVALID_NAME: f"Please give your name (at most {NAME_LIMIT} characters).",
    WithdrawBlock.INVALID_EMAIL: "Please give a valid e-mail address for the acknowledgement.",
    WithdrawBlock.INVALID_ITEMS: "Please choose items of this order, each at most as often as "
    "it was ordered.",
    WithdrawBlock.REVIEW_AGAIN: "Please review your statement again and confirm it.",
    WithdrawBlock.TRY_AGAIN: "We couldn't reach the shop just now. Nothing was sent; please "
    "try again.",
}


@dataclass(frozen=True, slots=True)
class Statement:
    """What the consumer states: who, which order, where the acknowledgement goes, what."""

    order_id: str
    name: str
    email: str
    items: tuple[tuple[str, int], ...] = ()  # (line item GID, quantity); empty: the whole order
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class Review:
    """Step one's answer: the statement as it will be recorded, and the key to confirm it."""

    order_id: str
    order_name: str
    name: str
    email: str
    items: tuple[WithdrawnItem, ...]
    effect: WithdrawalEffect
    confirmation: str


@dataclass(frozen=True, slots=True)
class Withdrawn:
    record: WithdrawalRecord
    repeated: bool  # the order had been withdrawn from before this call


@dataclass(frozen=True, slots=True)
class WithdrawRefused:
    code: WithdrawBlock
    message: str


def refused(code: WithdrawBlock) -> WithdrawRefused:
    return WithdrawRefused(code, MESSAGES[code])


def clean(text: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


class Withdrawals:
    def __init__(
        self,
        gateway: WithdrawalGateway,
        admin: AdminGateway,
        store: Store,
        *,
        clock: Callable[[], datetime],
        secret: str,
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._gateway = gateway
        self._admin = admin
        self._store = store
        self._clock = clock
        self._key = hmac.new(secret.encode(), b"eu-withdrawal-confirmation", "sha256").digest()
        self._wake_jobs = wake_jobs

    async def rule(self, shop: str) -> WithdrawalRule:
        return await self._store.get_withdrawal_rule(shop) or WithdrawalRule()

    # Whether to show the function ----------------------------------------------------------

    async def periods(self, shop: str, gids: Sequence[str]) -> dict[str, Period]:
        """Whether the function is on offer for each of `gids` (orders the viewer owns), and
        until when; no Admin request at all while the shop has it off."""
        rule = await self.rule(shop)
        if not rule.enabled or not gids:
            return {gid: CLOSED for gid in gids}
        statuses, tz = await self._gateway.statuses(shop, gids)
        now = self._clock()
        periods: dict[str, Period] = {}
        for gid in gids:
            status = statuses.get(gid)
            if status is None or await self._store.get_withdrawal(shop, gid) is not None:
                periods[gid] = CLOSED
                continue
            periods[gid] = withdrawal_period(
                rule=rule,
                country=status.country,
                cancelled=status.cancelled,
                delivered_at=status.delivered_at,
                now=now,
                tz=tz,
            )
        return periods

    # The two steps ---------------------------------------------------------------------------

    async def withdraw(
        self, viewer: Viewer, statement: Statement, *, confirmation: str | None
    ) -> Review | Withdrawn | WithdrawRefused:
        name, email = clean(statement.name), statement.email.strip()
        if not name or len(name) > NAME_LIMIT:
            return refused(WithdrawBlock.INVALID_NAME)
        if len(email) > 254 or not EMAIL.fullmatch(email):
            return refused(WithdrawBlock.INVALID_EMAIL)
        gid = order_gid(statement.order_id)
        if gid is None or (viewer.customer_id is None and viewer.guest_order is None):
            return refused(WithdrawBlock.NOT_FOUND)
        try:
            facts, tz = await self._gateway.load(viewer.shop, gid)
        except ShopifyUnavailable:
            return refused(WithdrawBlock.TRY_AGAIN)
        if facts is None or not _owns(viewer, facts):
            return refused(WithdrawBlock.NOT_FOUND)
        existing = await self._store.get_withdrawal(viewer.shop, gid)
        if existing is not None:
            return Withdrawn(existing, repeated=True)
        now = self._clock()
        period = withdrawal_period(
            rule=await self.rule(viewer.shop),
            country=facts.country,
            cancelled=facts.order.cancelled_at is not None,
            delivered_at=facts.delivered_at,
            now=now,
            tz=tz,
        )
        if not period.applies:
            ended = period.until is not None and now > period.until
            return refused(WithdrawBlock.PERIOD_ENDED if ended else WithdrawBlock.NOT_OFFERED)
        items = _items(statement.items, facts)
        if items is None:
            return refused(WithdrawBlock.INVALID_ITEMS)
        effect = _effect(items, facts)
        if confirmation is None:
            token = self._confirmation(viewer, gid, name, email, items, issued=now)
            return Review(gid, facts.order.name, name, email, items, effect, token)
        if not self._confirms(confirmation, viewer, gid, name, email, items, now):
            return refused(WithdrawBlock.REVIEW_AGAIN)
        return await self._record(viewer, facts, tz, name, email, items, effect, statement)

    async def _record(
        self,
        viewer: Viewer,
        facts: WithdrawalFacts,
        tz: Any,
        name: str,
        email: str,
        items: tuple[WithdrawnItem, ...],
        effect: WithdrawalEffect,
        statement: Statement,
    ) -> Withdrawn:
        now = self._clock()
        order = facts.order
        text = acknowledgement(
            locale=statement.locale,
            shop=viewer.shop,
            order_name=order.name,
            name=name,
            email=email,
            items=items,
            submitted_at=now,
            tz=tz,
            effect=effect,
        )
        record = WithdrawalRecord(
            shop=viewer.shop,
            order_id=order.id,
            order_name=order.name,
            customer_id=viewer.customer_id,
            name=name,
            email=email,
            items=items,
            submitted_at=now,
            effect=effect,
            effect_state=EffectState.PENDING,
            acknowledgement=text,
            updated_at=now,
        )
        async with self._store.transaction() as tx:
            there, created = await tx.record_withdrawal(record)
            if created and there.id is not None:
                mail = Mail(
                    shop=viewer.shop,
                    recipient=email,
                    subject=subject(statement.locale, order.name),
                    body=text,
                    created_at=now,
                )
                mail_id = await Outbox.queue(tx, mail, at=now)
                await tx.attach_mail(there.id, mail_id)
                there = replace(there, mail_id=mail_id)
                if effect is not WithdrawalEffect.MANUAL:
                    job = Job(
                        EFFECT,
                        {"shop": viewer.shop, "order_id": order.id},
                        queueing_lock=f"withdrawal:{there.id}",
                    )
                    await tx.defer_job(job, at=now)
        self._wake_jobs()
        return Withdrawn(there, repeated=not created)

    def _digest(
        self,
        viewer: Viewer,
        gid: str,
        name: str,
        email: str,
        items: Sequence[WithdrawnItem],
        issued: int,
    ) -> str:
        material = json.dumps(
            [
                viewer.shop,
                viewer.customer_id,
                gid,
                name,
                email.lower(),
                [[i.line_item_id, i.quantity] for i in items],
                issued,
            ]
        )
        return hmac.new(self._key, material.encode(), hashlib.sha256).hexdigest()

    def _confirmation(
        self,
        viewer: Viewer,
        gid: str,
        name: str,
        email: str,
        items: Sequence[WithdrawnItem],
        *,
        issued: datetime,
    ) -> str:
        stamp = int(issued.timestamp())
        return f"{stamp}.{self._digest(viewer, gid, name, email, items, stamp)}"

    def _confirms(
        self,
        token: str,
        viewer: Viewer,
        gid: str,
        name: str,
        email: str,
        items: Sequence[WithdrawnItem],
        now: datetime,
    ) -> bool:
        stamp, _, digest = token.partition(".")
        if not stamp.isdigit():
            return False
        issued = datetime.fromtimestamp(int(stamp), UTC)
        if not issued - timedelta(minutes=1) <= now <= issued + CONFIRMATION_TTL:
            return False
        expected = self._digest(viewer, gid, name, email, items, int(stamp))
        return hmac.compare_digest(expected, digest)

    # The effect, once ----------------------------------------------------------------------

    async def effect(self, args: dict[str, Any]) -> None:
        """`withdrawal_effect`: the cancel or the return request; idempotent."""
        record = await self._store.get_withdrawal(str(args["shop"]), str(args["order_id"]))
        if record is None or record.id is None:
            return
        if record.effect_state in (EffectState.DONE, EffectState.FAILED):
            return
        tries = int(args.get("tries", 0))
        again = {**args, "tries": tries + 1}
        if record.effect is WithdrawalEffect.CANCEL:
            await self._cancel(record, again, tries)
        elif record.effect is WithdrawalEffect.RETURN:
            await self._return(record, again, tries)

    async def _fail(self, record: WithdrawalRecord, error: str) -> None:
        assert record.id is not None
        logger.warning("withdrawal from %s on %s: %s", record.order_id, record.shop, error)
        await self._store.move_withdrawal(
            record.id,
            EffectState.FAILED,
            only_from=(EffectState.PENDING, EffectState.IN_FLIGHT),
            at=self._clock(),
            error=error,
        )

    async def _later(self, again: dict[str, Any], tries: int, why: str) -> None:
        if tries + 1 >= EFFECT_TRIES:
            raise RuntimeError(why)  # the runner's own retries, then a failed job App Home counts
        raise Retry(backoff(tries + 1).total_seconds(), again)

    async def _cancel(self, record: WithdrawalRecord, again: dict[str, Any], tries: int) -> None:
        assert record.id is not None
        shop, gid = record.shop, record.order_id
        now = self._clock()
        note = f"EU withdrawal {reference(shop, record.order_name, record.submitted_at)}"
        claim = CancellationRecord(
            shop=shop,
            order_id=gid,
            customer_id=record.customer_id,
            state=FlightState.IN_FLIGHT,
            reason_code=REASON_CODE,
            note=None,
            created_at=now,
            updated_at=now,
            staff_note=note,
        )
        holder = await self._store.claim(claim, stale_before=now - STALE_FLIGHT)
        if holder is not None:
            if holder.state in (FlightState.CANCELLED, FlightState.PENDING):
                await self._done(record, holder.job_id or "cancelled")
            elif holder.state is FlightState.IN_FLIGHT:
                await self._later(again, tries, "a cancel of this order is under way")
            else:
                await self._fail(record, f"Shopify refused to cancel: {holder.message}")
            return
        try:
            facts, _ = await self._gateway.load(shop, gid)
        except ShopifyUnavailable:
            await self._store.release(shop, gid)
            await self._later(again, tries, "Shopify unavailable")
            return
        if facts is None:
            await self._store.release(shop, gid)
            await self._fail(record, "the order no longer exists")
            return
        if facts.order.cancelled_at is not None:
            await self._store.settle(shop, gid, FlightState.CANCELLED, at=self._clock())
            await self._done(record, "cancelled")
            return
        if facts.fulfilled:
            await self._store.release(shop, gid)
            await self._fail(record, "shipped after the withdrawal: accept the return instead")
            return
        policy = await self._store.get_policy(shop) or ShopPolicy()
        # The legal right: a full refund to how the consumer paid, restocked, no fee.
        legal = replace(policy, refund_method=RefundMethod.ORIGINAL_PAYMENT_METHODS, restock=True)
        try:
            result = await self._admin.cancel_order(shop, gid, legal, note)
        except ShopifyUnavailable:
            # Unknown whether it ran: the next run's fresh read tells.
            await self._store.release(shop, gid)
            await self._later(again, tries, "Shopify unavailable")
            return
        except BaseException:
            await self._store.release(shop, gid)
            raise
        now = self._clock()
        if isinstance(result, CancelAccepted):
            state = FlightState.CANCELLED if result.done else FlightState.PENDING
            async with self._store.transaction() as tx:
                await tx.settle(shop, gid, state, at=now, job_id=result.job_id)
                if state is FlightState.PENDING and result.job_id:
                    confirm = {"shop": shop, "order_id": gid, "job_id": result.job_id}
                    await tx.defer_job(Job(CONFIRM, confirm, run_at=now), at=now)
                await tx.move_withdrawal(
                    record.id,
                    EffectState.DONE,
                    only_from=(EffectState.PENDING, EffectState.IN_FLIGHT),
                    at=now,
                    ref=result.job_id or "cancelled",
                )
                await tx.record_attempt(
                    Attempt(
                        shop=shop,
                        order_id=gid,
                        customer_id=record.customer_id,
                        reason_code=REASON_CODE,
                        note=None,
                        outcome=Outcome(state.value),
                        at=now,
                    )
                )
            self._wake_jobs()
            return
        if tries < 2:
            # Shopify refuses while an earlier cancel job of ours (its answer lost) still runs.
            await self._store.release(shop, gid)
            raise Retry(2.0, again)
        await self._store.settle(shop, gid, FlightState.REJECTED, at=now, message=result.message)
        await self._fail(record, f"Shopify refused to cancel: {result.message}")

    async def _done(self, record: WithdrawalRecord, ref: str) -> None:
        assert record.id is not None
        await self._store.move_withdrawal(
            record.id,
            EffectState.DONE,
            only_from=(EffectState.PENDING, EffectState.IN_FLIGHT),
            at=self._clock(),
            ref=ref,
        )

    async def _return(self, record: WithdrawalRecord, again: dict[str, Any], tries: int) -> None:
        assert record.id is not None
        shop, gid = record.shop, record.order_id
        try:
            facts, _ = await self._gateway.load(shop, gid)
        except ShopifyUnavailable:
            await self._later(again, tries, "Shopify unavailable")
            return
        if facts is None:
            await self._fail(record, "the order no longer exists")
            return
        # A return opened since the statement is ours: an earlier run's answer was lost.
        since = record.submitted_at - timedelta(minutes=1)
        ours = [rid for rid, created in facts.open_returns if created and created >= since]
        if ours:
            await self._done(record, ours[0])
            return
        lines, unshipped = _return_lines(record.items, facts)
        if not lines:
            await self._fail(record, "nothing shipped to return: cancel the order in Shopify")
            return
        await self._store.move_withdrawal(
            record.id,
            EffectState.IN_FLIGHT,
            only_from=(EffectState.PENDING, EffectState.IN_FLIGHT),
            at=self._clock(),
        )
        note = f"EU withdrawal {reference(shop, record.order_name, record.submitted_at)}"
        try:
            result = await self._gateway.request_return(shop, gid, lines, note)
        except ShopifyUnavailable:
            await self._later(again, tries, "Shopify unavailable")
            return
        if not isinstance(result, ReturnRequested):
            await self._fail(record, f"Shopify refused the return request: {result.message}")
            return
        await self._store.move_withdrawal(
            record.id,
            EffectState.DONE,
            only_from=(EffectState.PENDING, EffectState.IN_FLIGHT),
            at=self._clock(),
            ref=result.return_id,
            error=f"not shipped yet, remove from the order: {unshipped}" if unshipped else None,
        )


def _owns(viewer: Viewer, facts: WithdrawalFacts) -> bool:
    """A signed-in customer owns their orders; a guest the order whose confirmation number
    they present (the thank-you page, or the e-mailed link's order)."""
    order = facts.order
    if viewer.customer_id is not None:
        return order.customer_id == viewer.customer_id
    guest = viewer.guest_order
    if guest is None or guest.order_id != order.id or not order.confirmation_number:
        return False
    return hmac.compare_digest(
        guest.confirmation_number.strip().upper().encode(),
        order.confirmation_number.strip().upper().encode(),
    )


def _items(
    chosen: Sequence[tuple[str, int]], facts: WithdrawalFacts
) -> tuple[WithdrawnItem, ...] | None:
    """The chosen items, checked against the order; () for the whole order; None if invalid."""
    ordered = {item.line_item_id: item for item in facts.items}
    seen: set[str] = set()
    items: list[WithdrawnItem] = []
    for raw_id, quantity in chosen:
        line_id = raw_id if raw_id.startswith("gid://") else f"gid://shopify/LineItem/{raw_id}"
        item = ordered.get(line_id)
        if item is None or line_id in seen or not 0 < quantity <= item.quantity:
            return None
        seen.add(line_id)
        items.append(WithdrawnItem(line_id, item.title, quantity))
    if items and all(
        any(i.line_item_id == o.line_item_id and i.quantity == o.quantity for i in items)
        for o in facts.items
        if o.quantity > 0
    ):
        return ()  # every item, every unit: the whole order
    return tuple(items)


def _effect(items: Sequence[WithdrawnItem], facts: WithdrawalFacts) -> WithdrawalEffect:
    if facts.fulfilled:
        return WithdrawalEffect.RETURN
    return WithdrawalEffect.MANUAL if items else WithdrawalEffect.CANCEL


def _return_lines(
    items: Sequence[WithdrawnItem], facts: WithdrawalFacts
) -> tuple[list[tuple[str, int]], str]:
    """(fulfillment line item, quantity) to return for `items` (() : everything shipped), and
    what of them is not shipped yet, for the merchant."""
    wanted = (
        {i.line_item_id: i.quantity for i in items}
        if items
        else {i.line_item_id: i.quantity for i in facts.items}
    )
    titles = {i.line_item_id: i.title for i in facts.items}
    lines: list[tuple[str, int]] = []
    for shipped in facts.shipped:
        left = wanted.get(shipped.line_item_id, 0)
        take = min(left, shipped.quantity)
        if take > 0:
            lines.append((shipped.fulfillment_line_item_id, take))
            wanted[shipped.line_item_id] = left - take
    unshipped = "; ".join(f"{q} x {titles.get(li, li)}" for li, q in wanted.items() if q > 0)
    return lines, unshipped
