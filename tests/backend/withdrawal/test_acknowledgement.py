"""The acknowledgement of receipt, through a real SMTP server (aiosmtpd) started by the test:
its content and times, and a server that is down (retries, the alert, nothing lost)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from backend.store.base import MailState
from devshop.mailbox import Mailbox
from tests.backend.withdrawal.flows import SHOP, both_steps, later, place, turn_on
from tests.conftest import running_stack

SENDER = "Demo Shop <shop@example.com>"


async def test_the_email_carries_the_statement_and_when_it_was_submitted(tmp_path: Path) -> None:
    box = Mailbox()
    box.start()
    try:
        async with running_stack(tmp_path, smtp_url=box.url, mail_from=SENDER) as stack:
            await turn_on(stack)
            order = await place(stack)
            async with stack.shopper() as ada:
                received = await both_steps(ada, order, name="Ada  Lovelace", locale="nl")
            await stack.settle()
            zone = ZoneInfo(stack.world.shops["demo-shop.myshopify.com"].iana_timezone)
            record = await stack.store.get_withdrawal(SHOP, f"gid://shopify/Order/{order.id}")
            assert record is not None and record.mail_id is not None
            mail = await stack.store.get_mail(record.mail_id)
    finally:
        box.stop()

    [got] = box.received()
    submitted = datetime.fromisoformat(received["submittedAt"])
    assert submitted == record.submitted_at
    assert got.recipients == ("ada@example.com",)
    assert str(got.message["From"]) == SENDER
    assert str(got.message["Subject"]) == (
        f"Ontvangstbevestiging van uw herroeping van bestelling {order.name}"
    )
    body = got.body
    assert body == received["acknowledgement"] == record.acknowledgement
    assert "Naam: Ada Lovelace" in body  # as submitted, its spacing cleaned
    assert f"Bestelling: {order.name}" in body
    assert "E-mailadres voor deze bevestiging: ada@example.com" in body
    assert "Herroepen: de hele bestelling" in body
    local = submitted.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    utc = submitted.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    assert f"Ingediend op {local} ({zone.key}), dat is {utc} UTC." in body
    assert "volledige bedrag terug" in body  # what happens next: the full refund
    assert mail is not None and mail.state is MailState.SENT and mail.sent_at is not None


async def test_a_server_that_is_down_means_retries_an_alert_and_nothing_lost(
    tmp_path: Path,
) -> None:
    box = Mailbox()  # not started: the merchant's server is down
    try:
        async with running_stack(tmp_path, smtp_url=box.url, mail_from=SENDER) as stack:
            await turn_on(stack)
            order = await place(stack)
            async with stack.shopper() as ada:
                received = await both_steps(ada, order)
            await stack.settle()

            # The customer has the acknowledgement on screen all the same.
            assert received["__typename"] == "WithdrawalReceived"
            assert order.name in received["acknowledgement"]
            [(record, mail)] = await stack.store.withdrawals(SHOP)
            assert mail is not None and mail.id is not None
            assert (mail.state, mail.attempts) == (MailState.QUEUED, 1)
            assert "Connect" in (mail.last_error or "") or "refused" in (mail.last_error or "")

            await later(stack, seconds=61)
            mail = await stack.store.get_mail(mail.id)
            assert mail is not None and (mail.state, mail.attempts) == (MailState.QUEUED, 2)
            assert box.received() == []

            box.start()  # back up
            await later(stack, seconds=121)
            mail = await stack.store.get_mail(mail.id)
            assert mail is not None and (mail.state, mail.attempts) == (MailState.SENT, 2)
    finally:
        box.stop()

    [got] = box.received()
    assert got.body == record.acknowledgement
