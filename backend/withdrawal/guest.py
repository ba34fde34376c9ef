"""Guests reach the withdrawal function too: the order number and e-mail on the App Proxy page
`/apps/cancel/withdraw` bring a one-time link by e-mail; the link opens the two steps.

The page answers alike whether the order exists, the e-mail matches or the function applies:
only the mailbox of the order's own e-mail address learns anything, which is what makes the
page useless for enumerating orders (it is rate limited as well, by address and by order
number). The link carries a random token of which only the hash is stored; it is bound to the
order and the e-mail, expires after `LINK_TTL` and is used up by the confirmed withdrawal.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.auth.viewer import GuestOrder, Surface, Viewer
from backend.mail import Outbox
from backend.shopify import documents
from backend.shopify.client import AdminClient, ShopifyUnavailable
from backend.store.base import Mail, Store, WithdrawalLink
from backend.withdrawal.acknowledgement import language

ORDER_BY_NAME = "OrderByName"
LINK_TTL = timedelta(hours=24)

SUBJECTS = {
    "en": "Your link to withdraw from order {order}",
    "nl": "Uw link om bestelling {order} te herroepen",
    "de": "Ihr Link zum Widerruf der Bestellung {order}",
    "fr": "Votre lien pour vous rétracter de la commande {order}",
    "es": "Su enlace para desistir del pedido {order}",
}
BODIES = {
    "en": "To withdraw from order {order}, open this link (valid for 24 hours, once):\n{url}\n",
    "nl": "Open deze link om bestelling {order} te herroepen (24 uur geldig, eenmalig):\n{url}\n",
    "de": "Öffnen Sie diesen Link, um die Bestellung {order} zu widerrufen "
    "(24 Stunden gültig, einmal):\n{url}\n",
    "fr": "Pour vous rétracter de la commande {order}, ouvrez ce lien "
    "(valable 24 heures, une fois) :\n{url}\n",
    "es": "Para desistir del pedido {order}, abra este enlace (válido 24 horas, una vez):\n{url}\n",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OpenLink:
    """A link that still works: who the guest is for the use case, and for which order."""

    link: WithdrawalLink
    viewer: Viewer
    order_name: str


class GuestLinks:
    def __init__(
        self,
        client: AdminClient,
        store: Store,
        *,
        clock: Callable[[], datetime],
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._wake_jobs = wake_jobs

    async def _find(self, shop: str, number: str) -> dict[str, str] | None:
        digits = number.strip().lstrip("#")
        if not digits.isdigit() or len(digits) > 20:
            return None
        response = await self._client.request(
            shop, documents.load(ORDER_BY_NAME), {"query": f"name:#{digits}"}
        )
        nodes = (response.data.get("orders") or {}).get("nodes") or []
        found: dict[str, str] | None = nodes[0] if nodes else None
        return found

    async def request(
        self, shop: str, number: str, email: str, *, link_base: str, locale: str | None
    ) -> None:
        """Send a link if the order exists and was placed with `email`; say nothing either way."""
        try:
            order = await self._find(shop, number)
        except ShopifyUnavailable:
            return  # the guest asks again; the answer must not differ
        wanted = email.strip().lower()
        if order is None or not wanted or (order.get("email") or "").strip().lower() != wanted:
            return
        if await self._store.get_withdrawal(shop, order["id"]) is not None:
            return
        token = secrets.token_urlsafe(32)
        now = self._clock()
        lang = language(locale)
        mail = Mail(
            shop=shop,
            recipient=order["email"],
            subject=SUBJECTS[lang].format(order=order["name"]),
            body=BODIES[lang].format(order=order["name"], url=f"{link_base}/{token}"),
            created_at=now,
        )
        async with self._store.transaction() as tx:
            await tx.save_withdrawal_link(
                WithdrawalLink(
                    token_hash=token_hash(token),
                    shop=shop,
                    order_id=order["id"],
                    email=order["email"],
                    created_at=now,
                    expires_at=now + LINK_TTL,
                )
            )
            await Outbox.queue(tx, mail, at=now)
        self._wake_jobs()

    async def open(self, shop: str, token: str) -> OpenLink | None:
        """The link's order and a guest viewer for it, while the link is unused and unexpired."""
        link = await self._store.get_withdrawal_link(token_hash(token))
        now = self._clock()
        if link is None or link.shop != shop or link.used_at is not None or now >= link.expires_at:
            return None
        try:
            response = await self._client.request(
                shop, documents.load("OrderForWithdrawal"), {"id": link.order_id}
            )
        except ShopifyUnavailable:
            return None
        order = response.data.get("order") or {}
        number = order.get("confirmationNumber")
        if not number:
            return None
        viewer = Viewer(
            shop=shop,
            customer_id=None,
            surface=Surface.APP_PROXY,
            guest_order=GuestOrder(order_id=link.order_id, confirmation_number=str(number)),
        )
        return OpenLink(link=link, viewer=viewer, order_name=str(order.get("name") or ""))

    async def use(self, token: str) -> bool:
        return await self._store.use_withdrawal_link(token_hash(token), at=self._clock())
