"""Where mail goes and how: the SMTP URL, and one message sent over it.

`smtp://user:password@host:587` sends with STARTTLS when the server offers it (add
`?starttls=require` to refuse a server that does not, as production should); `smtps://host:465`
speaks TLS from the first byte. User and password are URL-encoded in the URL.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib


class MailError(Exception):
    """The message was not accepted; the text says why, without secrets."""


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    require_starttls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SmtpUrlError("SMTP_URL must look like smtp://host:587 or smtps://host:465")
        implicit = parts.scheme == "smtps"
        starttls = parse_qs(parts.query).get("starttls", ["auto"])[-1]
        if starttls not in ("auto", "require"):
            raise SmtpUrlError("SMTP_URL's starttls must be auto or require")
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            implicit_tls=implicit,
            require_starttls=starttls == "require",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True, slots=True)
class Outgoing:
    sender: str
    recipient: str
    subject: str
    body: str
    at: datetime


def message(mail: Outgoing) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.at)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2].strip("> ") or None)
    msg.set_content(mail.body)
    return msg


class Mailer:
    """Sends one message per call over a fresh connection: acknowledgements are rare, and a
    connection kept open would only time out between them."""

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        *,
        timeout: float = 20.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.server = server
        self.sender = sender
        self._timeout = timeout
        self._tls = tls_context

    async def send(self, mail: Outgoing) -> None:
        server = self.server
        # True: STARTTLS or fail; None: STARTTLS when the server offers it; False: TLS already.
        start_tls = False if server.implicit_tls else (True if server.require_starttls else None)
        try:
            await aiosmtplib.send(
                message(mail),
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=start_tls,
                tls_context=self._tls,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise MailError(f"{type(error).__name__}: {error}"[:300]) from error
