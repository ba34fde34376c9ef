"""The acknowledgement of receipt: the statement's content and the date and time it was
submitted (Directive 2011/83/EU, Article 11a(4)), in the consumer's language, as the e-mail
carries it and the confirmation screen shows it (and offers to download)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.mail import render
from backend.store.base import WithdrawalEffect, WithdrawnItem

LANGUAGES = ("en", "nl", "de", "fr", "es")

SUBJECTS = {
    "en": "Acknowledgement of your withdrawal from order {order}",
    "nl": "Ontvangstbevestiging van uw herroeping van bestelling {order}",
    "de": "Eingangsbestätigung Ihres Widerrufs der Bestellung {order}",
    "fr": "Accusé de réception de votre rétractation de la commande {order}",
    "es": "Acuse de recibo de su desistimiento del pedido {order}",
}


def language(locale: str | None) -> str:
    """ "nl-BE" -> "nl"; English for anything we do not write."""
    primary = (locale or "").split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else "en"


def reference(shop: str, order_name: str, submitted_at: datetime) -> str:
    stamp = submitted_at.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"W-{order_name.lstrip('#')}-{stamp}"


def subject(locale: str | None, order_name: str) -> str:
    return SUBJECTS[language(locale)].format(order=order_name)


def acknowledgement(
    *,
    locale: str | None,
    shop: str,
    order_name: str,
    name: str,
    email: str,
    items: Sequence[WithdrawnItem],
    submitted_at: datetime,
    tz: ZoneInfo,
    effect: WithdrawalEffect,
) -> str:
    return (
        render(
            f"withdrawal_acknowledgement.{language(locale)}.txt",
            name=name,
            order_name=order_name,
            email=email,
            items=list(items),
            local_time=submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            zone=str(tz),
            utc_time=submitted_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            effect=effect.value,
            reference=reference(shop, order_name, submitted_at),
            shop=shop,
        ).strip()
        + "\n"
    )
