"""The outbox: mail queued in the caller's transaction, sent by a job, its fate on the row.

`queue` writes the rendered message and defers `send_mail` in the same transaction, so a
message is never lost between deciding to send it and sending it. The job sends it and marks
it SENT; a refusal or an unreachable server is written on the row (App Home shows it at once)
and the job runs again later (`RETRY_AFTER`), `MAIL_ATTEMPTS` times in all, then the row is FAILED
and waits for the merchant's "send again". A message may go out twice if the process dies
between the server's acceptance and our mark: an acknowledgement twice is better than none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from backend.jobs import Retry
from backend.mail.smtp import Mailer, MailError, Outgoing
from backend.store.base import Job, Mail, MailState, Store

logger = logging.getLogger(__name__)

SEND = "send_mail"
# Seconds before each retry: a mail server that is down is down for minutes or hours, so
# the waits grow to hours; about 16 hours in all, then FAILED (App Home's "send again").
RETRY_AFTER = (60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800)
MAIL_ATTEMPTS = len(RETRY_AFTER) + 1

_templates = Environment(
    loader=PackageLoader("backend.mail", "templates"),
    autoescape=False,  # plain text mail
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render(template: str, **context: Any) -> str:
    return _templates.get_template(template).render(**context)


class Outbox:
    def __init__(
        self,
        store: Store,
        mailer: Mailer | None,
        *,
        clock: Callable[[], datetime],
        wake_jobs: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._mailer = mailer
        self._clock = clock
        self._wake_jobs = wake_jobs

    @staticmethod
    async def queue(tx: Store, mail: Mail, *, at: datetime) -> int:
        """Queue `mail` inside the caller's transaction `tx`; its row id."""
        mail_id = await tx.queue_mail(mail)
        await tx.defer_job(Job(SEND, {"id": mail_id}, queueing_lock=f"mail:{mail_id}"), at=at)
        return mail_id

    async def send_again(self, shop: str, mail_id: int) -> bool:
        """The merchant's "send again" for a FAILED message: queued once more."""
        now = self._clock()
        async with self._store.transaction() as tx:
            if not await tx.requeue_mail(shop, mail_id, at=now):
                return False
            await tx.defer_job(Job(SEND, {"id": mail_id}, queueing_lock=f"mail:{mail_id}"), at=now)
        self._wake_jobs()
        return True

    async def send(self, args: dict[str, Any]) -> None:
        """`send_mail`: send the queued row once; idempotent on a row already SENT."""
        mail = await self._store.get_mail(int(args["id"]))
        if mail is None or mail.state is not MailState.QUEUED or mail.id is None:
            return
        now = self._clock()
        try:
            if self._mailer is None:
                raise MailError("SMTP_URL is not set: no mail server to send through")
            await self._mailer.send(
                Outgoing(
                    sender=self._mailer.sender,
                    recipient=mail.recipient,
                    subject=mail.subject,
                    body=mail.body,
                    at=now,
                )
            )
        except MailError as error:
            attempts = mail.attempts + 1
            failed = attempts >= MAIL_ATTEMPTS
            await self._store.mail_attempted(mail.id, error=str(error), at=now, failed=failed)
            logger.warning("mail %s to the customer not sent (%s): %s", mail.id, attempts, error)
            if not failed:
                raise Retry(RETRY_AFTER[attempts - 1]) from None
            return
        await self._store.mail_sent(mail.id, at=self._clock())
