"""The mailer against a real SMTP server (aiosmtpd): plain, STARTTLS, TLS, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backend.mail import Mailer, MailError, SmtpServer
from backend.mail.smtp import Outgoing, SmtpUrlError
from devshop.mailbox import Mailbox, free_port
from tests.tls import certificate, client_context, server_context

SENT_AT = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def outgoing(**overrides: str) -> Outgoing:
    values = {
        "sender": "Demo Shop <shop@example.com>",
        "recipient": "ada@example.com",
        "subject": "Eingangsbestätigung",
        "body": "Ihre Erklärung: Widerruf\n",
    }
    values.update(overrides)
    return Outgoing(at=SENT_AT, **values)


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path]:
    return certificate(tmp_path)


@pytest.fixture
def plain() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


def test_the_url_says_where_and_how() -> None:
    assert SmtpServer.from_url("smtp://u%40x:p%2Fw@mail.example:2525?starttls=require") == (
        SmtpServer("mail.example", 2525, False, True, "u@x", "p/w")
    )
    assert SmtpServer.from_url("smtps://mail.example") == SmtpServer(
        "mail.example", 465, True, False
    )
    assert SmtpServer.from_url("smtp://mail.example").port == 587
    for bad in ("http://mail.example", "smtp://", "smtp://h?starttls=maybe"):
        with pytest.raises(SmtpUrlError):
            SmtpServer.from_url(bad)


async def test_a_message_arrives_whole_over_plain_smtp(plain: Mailbox) -> None:
    await Mailer(SmtpServer.from_url(plain.url), "Demo Shop <shop@example.com>").send(outgoing())
    [got] = plain.received()
    assert got.recipients == ("ada@example.com",)
    assert str(got.message["Subject"]) == "Eingangsbestätigung"
    assert str(got.message["From"]) == "Demo Shop <shop@example.com>"
    assert got.message["Date"].datetime == SENT_AT
    assert got.body == "Ihre Erklärung: Widerruf\n"


async def test_starttls_is_used_and_can_be_required(certs: tuple[Path, Path]) -> None:
    cert, key = certs
    box = Mailbox(tls_context=server_context(cert, key), require_starttls=True)
    box.start()
    try:
        url = f"{box.url}?starttls=require"
        await Mailer(SmtpServer.from_url(url), "s@x.test", tls_context=client_context(cert)).send(
            outgoing()
        )
        assert len(box.received()) == 1
        # A client that does not trust the certificate sends nothing.
        with pytest.raises(MailError):
            await Mailer(SmtpServer.from_url(url), "s@x.test").send(outgoing())
        assert len(box.received()) == 1
    finally:
        box.stop()


async def test_requiring_starttls_refuses_a_server_without_it(plain: Mailbox) -> None:
    with pytest.raises(MailError):
        await Mailer(SmtpServer.from_url(f"{plain.url}?starttls=require"), "s@x.test").send(
            outgoing()
        )
    assert plain.received() == []


async def test_implicit_tls_from_the_first_byte(certs: tuple[Path, Path]) -> None:
    cert, key = certs
    box = Mailbox(ssl_context=server_context(cert, key))
    box.start()
    try:
        assert box.url.startswith("smtps://")
        mailer = Mailer(SmtpServer.from_url(box.url), "s@x.test", tls_context=client_context(cert))
        await mailer.send(outgoing())
        assert len(box.received()) == 1
    finally:
        box.stop()


async def test_a_server_that_is_down_is_a_mail_error() -> None:
    mailer = Mailer(SmtpServer.from_url(f"smtp://127.0.0.1:{free_port()}"), "s@x.test", timeout=2)
    with pytest.raises(MailError, match="onnect"):
        await mailer.send(outgoing())
