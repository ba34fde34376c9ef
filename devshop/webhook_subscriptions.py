"""Which topics the app subscribed to, read from its `shopify.app.toml` as Shopify reads it.

`[[webhooks.subscriptions]]` tables name `topics` (and `compliance_topics`) and a `uri`; a
relative uri (`/webhooks`) is the app's URL plus that path, which for devshop is the backend's.
Shopify sends a topic only to its subscriptions, so devshop sends nothing else on its own.
Pub/Sub and EventBridge uris are not HTTP: devshop skips them.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

logger = logging.getLogger(__name__)

APP_CONFIG = Path(__file__).resolve().parent.parent / "shopify.app.toml"


def read_subscriptions(config: Path, backend_url: str) -> dict[str, str]:
    """`{topic: url}` for every HTTP subscription in `config`; empty if there is no file."""
    try:
        data = tomllib.loads(config.read_text())
    except FileNotFoundError:
        logger.warning("no %s: devshop sends no webhooks on its own", config)
        return {}
    subscriptions: dict[str, str] = {}
    for table in data.get("webhooks", {}).get("subscriptions", []):
        url = _resolve(str(table.get("uri", "")), backend_url)
        if url is None:
            continue
        for topic in [*table.get("topics", []), *table.get("compliance_topics", [])]:
            subscriptions[str(topic)] = url
    return subscriptions


def _resolve(uri: str, backend_url: str) -> str | None:
    if uri.startswith("/"):
        return backend_url.rstrip("/") + uri
    if uri.startswith(("http://", "https://")):
        return uri
    return None
