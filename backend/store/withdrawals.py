"""Withdrawals (issue 15), the merchant's withdrawal rule, and the mail outbox.

`record_withdrawal` is the withdrawal's exactly-once: an insert that does nothing when the order
has one (unique on shop and order), after which both callers read the one row there.
`move_withdrawal` is its effect's single flight: a conditional UPDATE from the states given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, delete, select, update

from backend.store import schema
from backend.store.base import (
    EffectState,
    Mail,
    MailState,
    WithdrawalEffect,
    WithdrawalLink,
    WithdrawalRecord,
    WithdrawnItem,
)
from backend.store.database import Database
from backend.withdrawal.period import WithdrawalRule, country_set

_RULE = schema.withdrawal_rules
_WITHDRAWAL = schema.withdrawals
_MAIL = schema.mail_outbox
_LINK = schema.withdrawal_links


def _withdrawal(row: RowMapping) -> WithdrawalRecord:
    return WithdrawalRecord(
        id=row["id"],
        shop=row["shop"],
        order_id=row["order_id"],
        order_name=row["order_name"],
        customer_id=row["customer_id"],
        name=row["name"],
        email=row["email"],
        items=tuple(
            WithdrawnItem(str(i["lineItemId"]), str(i["title"]), int(i["quantity"]))
            for i in json.loads(row["items"])
        ),
        submitted_at=row["submitted_at"],
        effect=WithdrawalEffect(row["effect"]),
        effect_state=EffectState(row["effect_state"]),
        effect_ref=row["effect_ref"],
        effect_error=row["effect_error"],
        acknowledgement=row["acknowledgement"],
        mail_id=row["mail_id"],
        updated_at=row["updated_at"],
    )


def _mail(row: RowMapping) -> Mail:
    return Mail(
        id=row["id"],
        shop=row["shop"],
        recipient=row["recipient"],
        subject=row["subject"],
        body=row["body"],
        created_at=row["created_at"],
        state=MailState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
    )


class WithdrawalRows(Database):
    # The merchant's rule ---------------------------------------------------------------------

    async def get_withdrawal_rule(self, shop: str) -> WithdrawalRule | None:
        rows = await self._rows(select(_RULE).where(_RULE.c.shop == shop))
        if not rows:
            return None
        row = rows[0]
        return WithdrawalRule(
            enabled=bool(row["enabled"]), countries=country_set(row["countries"].split())
        )

    async def save_withdrawal_rule(self, shop: str, rule: WithdrawalRule, *, at: datetime) -> None:
        values = {
            "enabled": rule.enabled,
            "countries": " ".join(sorted(rule.countries)),
            "updated_at": at,
        }
        statement = self._insert(_RULE).values(shop=shop, **values)
        await self._write(statement.on_conflict_do_update(index_elements=["shop"], set_=values))

    # Withdrawals -----------------------------------------------------------------------------

    async def record_withdrawal(self, record: WithdrawalRecord) -> tuple[WithdrawalRecord, bool]:
        items = [
            {"lineItemId": i.line_item_id, "title": i.title, "quantity": i.quantity}
            for i in record.items
        ]
        statement = self._insert(_WITHDRAWAL).values(
            shop=record.shop,
            order_id=record.order_id,
            order_name=record.order_name,
            customer_id=record.customer_id,
            name=record.name,
            email=record.email,
            items=json.dumps(items),
            submitted_at=record.submitted_at,
            effect=record.effect.value,
            effect_state=record.effect_state.value,
            acknowledgement=record.acknowledgement,
            updated_at=record.updated_at,
        )
        created = await self._wrote(
            statement.on_conflict_do_nothing(index_elements=["shop", "order_id"])
        )
        there = await self.get_withdrawal(record.shop, record.order_id)
        assert there is not None
        return there, created

    async def get_withdrawal(self, shop: str, order_id: str) -> WithdrawalRecord | None:
        rows = await self._rows(
            select(_WITHDRAWAL).where(
                _WITHDRAWAL.c.shop == shop, _WITHDRAWAL.c.order_id == order_id
            )
        )
        return _withdrawal(rows[0]) if rows else None

    async def move_withdrawal(
        self,
        withdrawal_id: int,
        state: EffectState,
        *,
        only_from: Sequence[EffectState],
        at: datetime,
        ref: str | None = None,
        error: str | None = None,
    ) -> bool:
        values: dict[str, object] = {"effect_state": state.value, "updated_at": at}
        if ref is not None:
            values["effect_ref"] = ref
        if error is not None:
            values["effect_error"] = error[:500]
        return await self._wrote(
            update(_WITHDRAWAL)
            .where(
                _WITHDRAWAL.c.id == withdrawal_id,
                _WITHDRAWAL.c.effect_state.in_([s.value for s in only_from]),
            )
            .values(**values)
        )

    async def attach_mail(self, withdrawal_id: int, mail_id: int) -> None:
        await self._write(
            update(_WITHDRAWAL).where(_WITHDRAWAL.c.id == withdrawal_id).values(mail_id=mail_id)
        )

    async def withdrawals(
        self, shop: str, *, limit: int = 200
    ) -> list[tuple[WithdrawalRecord, Mail | None]]:
        rows = await self._rows(
            select(_WITHDRAWAL)
            .where(_WITHDRAWAL.c.shop == shop)
            .order_by(_WITHDRAWAL.c.submitted_at.desc(), _WITHDRAWAL.c.id.desc())
            .limit(limit)
        )
        records = [_withdrawal(row) for row in rows]
        mail_ids = [r.mail_id for r in records if r.mail_id is not None]
        mails: dict[int, Mail] = {}
        if mail_ids:
            for row in await self._rows(select(_MAIL).where(_MAIL.c.id.in_(mail_ids))):
                mails[row["id"]] = _mail(row)
        return [(r, mails.get(r.mail_id) if r.mail_id is not None else None) for r in records]

    async def customer_withdrawals(self, shop: str, customer_id: str) -> list[WithdrawalRecord]:
        rows = await self._rows(
            select(_WITHDRAWAL)
            .where(_WITHDRAWAL.c.shop == shop, _WITHDRAWAL.c.customer_id == customer_id)
            .order_by(_WITHDRAWAL.c.submitted_at, _WITHDRAWAL.c.id)
        )
        return [_withdrawal(row) for row in rows]

    async def delete_withdrawals_before(self, before: datetime) -> int:
        old = select(_WITHDRAWAL.c.mail_id).where(
            _WITHDRAWAL.c.submitted_at < before, _WITHDRAWAL.c.mail_id.is_not(None)
        )
        return await self._delete_all(
            [
                delete(_MAIL).where(_MAIL.c.id.in_(old)),
                delete(_WITHDRAWAL).where(_WITHDRAWAL.c.submitted_at < before),
            ]
        )

    # Guests' one-time links ------------------------------------------------------------------

    async def save_withdrawal_link(self, link: WithdrawalLink) -> None:
        await self._write(
            self._insert(_LINK).values(
                token_hash=link.token_hash,
                shop=link.shop,
                order_id=link.order_id,
                email=link.email,
                created_at=link.created_at,
                expires_at=link.expires_at,
            )
        )

    async def get_withdrawal_link(self, token_hash: str) -> WithdrawalLink | None:
        rows = await self._rows(select(_LINK).where(_LINK.c.token_hash == token_hash))
        if not rows:
            return None
        row = rows[0]
        return WithdrawalLink(
            token_hash=row["token_hash"],
            shop=row["shop"],
            order_id=row["order_id"],
            email=row["email"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def use_withdrawal_link(self, token_hash: str, *, at: datetime) -> bool:
        return await self._wrote(
            update(_LINK)
            .where(
                _LINK.c.token_hash == token_hash,
                _LINK.c.used_at.is_(None),
                _LINK.c.expires_at > at,
            )
            .values(used_at=at)
        )

    # The outbox ------------------------------------------------------------------------------

    async def queue_mail(self, mail: Mail) -> int:
        statement = (
            self._insert(_MAIL)
            .values(
                shop=mail.shop,
                recipient=mail.recipient,
                subject=mail.subject,
                body=mail.body,
                state=mail.state.value,
                attempts=mail.attempts,
                created_at=mail.created_at,
                updated_at=mail.created_at,
            )
            .returning(_MAIL.c.id)
        )
        async with self._begin(write=True) as conn:
            return int((await conn.execute(statement)).scalar_one())

    async def get_mail(self, mail_id: int) -> Mail | None:
        rows = await self._rows(select(_MAIL).where(_MAIL.c.id == mail_id))
        return _mail(rows[0]) if rows else None

    async def mail_attempted(self, mail_id: int, *, error: str, at: datetime, failed: bool) -> None:
        values: dict[str, object] = {
            "attempts": _MAIL.c.attempts + 1,
            "last_error": error[:500],
            "updated_at": at,
        }
        if failed:
            values["state"] = MailState.FAILED.value
        await self._write(
            update(_MAIL)
            .where(_MAIL.c.id == mail_id, _MAIL.c.state == MailState.QUEUED.value)
            .values(**values)
        )

    async def mail_sent(self, mail_id: int, *, at: datetime) -> bool:
        return await self._wrote(
            update(_MAIL)
            .where(_MAIL.c.id == mail_id, _MAIL.c.state == MailState.QUEUED.value)
            .values(state=MailState.SENT.value, sent_at=at, updated_at=at)
        )

    async def requeue_mail(self, shop: str, mail_id: int, *, at: datetime) -> bool:
        return await self._wrote(
            update(_MAIL)
            .where(
                _MAIL.c.id == mail_id,
                _MAIL.c.shop == shop,
                _MAIL.c.state == MailState.FAILED.value,
            )
            .values(state=MailState.QUEUED.value, attempts=0, updated_at=at)
        )
