"""The Withdrawals screen (issue 15): the merchant's rule, every withdrawal received, and the
alerts: an acknowledgement not (yet) delivered, an effect Shopify refused or left to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from backend.admin.i18n import N_, Speaker
from backend.orders import legacy_id
from backend.store.base import EffectState, Mail, MailState, WithdrawalEffect, WithdrawalRecord
from backend.withdrawal.period import WithdrawalRule

_EFFECTS = {
    WithdrawalEffect.CANCEL: N_("Cancel and full refund"),
    WithdrawalEffect.RETURN: N_("Return request"),
    WithdrawalEffect.MANUAL: N_("Some items of an unshipped order: edit the order"),
}
_STATES = {
    EffectState.PENDING: N_("Waiting"),
    EffectState.IN_FLIGHT: N_("Under way"),
    EffectState.DONE: N_("Done"),
    EffectState.FAILED: N_("Refused by Shopify: your action needed"),
}
_MAIL = {
    MailState.QUEUED: N_("Sending"),
    MailState.SENT: N_("Sent"),
    MailState.FAILED: N_("Not sent"),
}


@dataclass(frozen=True, slots=True)
class WithdrawalRow:
    order: str  # the order's number, as the admin's URL has it
    order_id: str
    order_name: str
    submitted: str  # in the merchant's format, UTC
    submitted_at: str  # ISO, for <time datetime>
    name: str
    email: str
    effect: str
    state: str
    note: str | None  # Shopify's refusal, or what is left for the merchant
    mail: str
    mail_error: str | None
    mail_failed: bool  # every retry refused: "send again" is offered
    needs_action: bool
    download: str


@dataclass(frozen=True, slots=True)
class WithdrawalsView:
    enabled: bool
    countries: str  # space-separated, for the form's field
    rows: Sequence[WithdrawalRow]
    unsent: Sequence[WithdrawalRow]  # acknowledgements not delivered: the alert
    to_do: Sequence[WithdrawalRow]  # effects the merchant must finish


def _unsent(mail: Mail | None) -> bool:
    return (
        mail is None
        or mail.state is MailState.FAILED
        or (mail.state is MailState.QUEUED and mail.attempts > 0)
    )


def withdrawals_view(
    rule: WithdrawalRule,
    withdrawals: Sequence[tuple[WithdrawalRecord, Mail | None]],
    speaker: Speaker,
    *,
    shop: str,
    id_token: str,
) -> WithdrawalsView:
    rows = []
    for record, mail in withdrawals:
        needs_action = record.effect_state is EffectState.FAILED or (
            record.effect is WithdrawalEffect.MANUAL
        )
        download = "/admin/withdrawals/acknowledgement.txt?" + urlencode(
            {
                "order_id": record.order_id,
                "shop": f"{shop}.myshopify.com",
                "id_token": id_token,
            }
        )
        rows.append(
            WithdrawalRow(
                order=legacy_id(record.order_id),
                order_id=record.order_id,
                order_name=record.order_name,
                submitted=speaker.moment(record.submitted_at),
                submitted_at=record.submitted_at.isoformat(),
                name=record.name,
                email=record.email,
                effect=speaker.gettext(_EFFECTS[record.effect]),
                state=speaker.gettext(_STATES[record.effect_state]),
                note=record.effect_error,
                mail=speaker.gettext(_MAIL[mail.state]) if mail else speaker.gettext("Not sent"),
                mail_error=mail.last_error if mail and mail.state is not MailState.SENT else None,
                mail_failed=mail is not None and mail.state is MailState.FAILED,
                needs_action=needs_action,
                download=download,
            )
        )
    return WithdrawalsView(
        enabled=rule.enabled,
        countries=" ".join(sorted(rule.countries)),
        rows=rows,
        unsent=[row for row, (_, mail) in zip(rows, withdrawals, strict=True) if _unsent(mail)],
        to_do=[row for row in rows if row.needs_action],
    )
