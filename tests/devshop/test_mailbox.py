"""devshop's SMTP server for the demo: it runs when DEVSHOP_SMTP_PORT is set, and its page lists
what it received."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from backend.mail import Mailer, SmtpServer
from backend.mail.smtp import Outgoing
from devshop.app import create_app
from devshop.mailbox import free_port
from devshop.settings import DevshopSettings
from tests.conftest import Served


async def test_the_demo_mail_server_shows_what_it_received() -> None:
    port = free_port()
    served = Served()
    async with served.running(create_app(DevshopSettings(smtp_port=port))):
        mailer = Mailer(SmtpServer.from_url(f"smtp://127.0.0.1:{port}"), "shop@example.com")
        await mailer.send(
            Outgoing("shop@example.com", "ada@example.com", "<b>Hi</b>", "Body", datetime.now(UTC))
        )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=served), base_url="http://devshop.test"
        ) as client:
            page = await client.get("/_devshop/mail")
            listed = await client.get("/_devshop/mail", headers={"accept": "application/json"})
    assert page.status_code == 200
    assert "&lt;b&gt;Hi&lt;/b&gt;" in page.text and "<b>Hi" not in page.text
    assert [(m["to"], m["subject"], m["body"]) for m in listed.json()] == [
        (["ada@example.com"], "<b>Hi</b>", "Body\n")
    ]
