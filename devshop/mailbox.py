"""An SMTP server that keeps what it receives: the merchant's mail server for the demo and the
tests (aiosmtpd, in a thread of its own), and `GET /_devshop/mail` that lists the messages.

Plain, STARTTLS (`tls_context`, `require_starttls`) or TLS from the first byte
(`ssl_context`), like the servers a merchant's `SMTP_URL` points at. `stop()` and `start()`
again on the same port is a server that was down and came back.
"""

from __future__ import annotations

import html
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from devshop.processes import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    at: datetime

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        text = str(part.get_content()) if part is not None else ""
        return text.replace("\r\n", "\n")  # as written, not as SMTP carried it


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._box.lock:
            self._box.messages.append(
                Received(
                    envelope.mail_from,
                    tuple(envelope.rcpt_tos),
                    parsed,
                    datetime.now(UTC),
                )
            )
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(
        self,
        port: int | None = None,
        *,
        tls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.port = port or free_port()
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self._options: dict[str, Any] = {
            "tls_context": tls_context,
            "require_starttls": require_starttls,
            "ssl_context": ssl_context,
        }
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self._options["ssl_context"] else "smtp"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        options = {k: v for k, v in self._options.items() if v}
        self._controller = Controller(
            _Keep(self), hostname="127.0.0.1", port=self.port, ready_timeout=5.0, **options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)


def mailbox_routes(box: Mailbox) -> list[Route]:
    async def listing(request: Request) -> HTMLResponse | JSONResponse:
        mails = box.received()
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(
                [
                    {
                        "from": m.sender,
                        "to": list(m.recipients),
                        "subject": str(m.message["Subject"]),
                        "date": str(m.message["Date"]),
                        "body": m.body,
                    }
                    for m in mails
                ]
            )
        items = "".join(
            f"<article><h2>{html.escape(str(m.message['Subject']))}</h2>"
            f"<p>To {html.escape(', '.join(m.recipients))}, {html.escape(str(m.message['Date']))}"
            f"</p><pre>{html.escape(m.body)}</pre></article>"
            for m in reversed(mails)
        )
        page = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>devshop mail</title>"
            f"<main><h1>Mail received by devshop's SMTP server ({len(mails)})</h1>"
            f"<p>{html.escape(box.url)}</p>{items}</main></html>"
        )
        return HTMLResponse(page)

    return [Route("/_devshop/mail", listing, methods=["GET"])]
