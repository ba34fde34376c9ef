"""Every log line as one JSON object, uvicorn's own included, with secrets kept out.

A line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, the `request_id` of the request
it belongs to (if any), and the fields its logger adds (`fields=` in `extra`); an exception
adds `exception` with its traceback.

What must never reach a log: app proxy signatures (replayable for 90 seconds), session tokens
and other bearer tokens, access tokens, customer notes and e-mail addresses. The access lines
never contain them: paths lose their query values (`?shop=…&signature=…` is kept as
`?shop=[redacted]&signature=[redacted]`), and our own line names the route, not the URL. Every
other line goes through `redact()` as a safety net for what code might log by mistake: query
values after the usual secret names, bearer tokens, JWTs, Shopify tokens and e-mail addresses.
Notes cannot be recognised by their shape, so no code logs a note (see webhooks.py).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from backend.observability.context import current

REDACTED = "[redacted]"

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"(?i)\b(signature|hmac|token|access_token|id_token|refresh_token|session|code|"
            r"password|secret|logged_in_customer_id)=[^&\s\"']+"
        ),
        rf"\1={REDACTED}",
    ),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {REDACTED}"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\bshp(?:at|ca|pa|ss|rt|ua)_[A-Za-z0-9_]+"), REDACTED),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_path(path: str) -> str:
    """`/p?a=1&b=2` -> `/p?a=[redacted]&b=[redacted]`: the names help, the values may not leak."""
    base, _, query = path.partition("?")
    if not query:
        return base
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return base + "?" + "&".join(f"{name}={REDACTED}" for name in names)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        info = current()
        request_id = getattr(record, "request_id", None) or (info and info.request_id)
        if request_id:
            line["request_id"] = request_id
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            line |= _uvicorn_access(record.args)
        else:
            line["message"] = redact(record.getMessage())
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line |= fields
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def _uvicorn_access(args: tuple[Any, ...]) -> dict[str, Any]:
    # uvicorn logs `'%s - "%s %s HTTP/%s" %d'` with (client, method, full path, version, status).
    if len(args) != 5:
        return {"message": redact(" ".join(map(str, args)))}
    client, method, path, version, status = args
    return {
        "message": "access",
        "client": client,
        "method": method,
        "path": redact_path(str(path)),
        "http_version": version,
        "status": status,
    }


def log_config(level: str = "INFO") -> dict[str, Any]:
    """`logging.config.dictConfig` for uvicorn's `log_config`: one JSON stream on stdout."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JSONFormatter}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": level},
        "loggers": {
            **{
                name: {"handlers": [], "level": level, "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # slowapi warns once per refused request: a flood would double the log's volume,
            # and the request's own line already says `rate_limited`.
            "slowapi": {"handlers": [], "level": "ERROR", "propagate": True},
        },
    }
