"""Outgoing e-mail through the merchant's SMTP server, durable and retried.

`smtp.SmtpServer` is where to send (`SMTP_URL`: smtp:// with STARTTLS, smtps:// with implicit
TLS); `smtp.Mailer` sends one message; `outbox.Outbox` queues a rendered message in the caller's
transaction and the `send_mail` job delivers it, retrying with backoff, and records the outcome
on the row, which App Home reads for its alerts. Templates are Jinja2 files in `templates/`.
"""

from backend.mail.outbox import SEND, Outbox, render
from backend.mail.smtp import Mailer, MailError, SmtpServer

__all__ = ["SEND", "MailError", "Mailer", "Outbox", "SmtpServer", "render"]
