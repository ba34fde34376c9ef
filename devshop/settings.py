"""devshop's settings, read once from the environment (development only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devshop.webhook_subscriptions import APP_CONFIG

DEMO_SHOP = "demo-shop.myshopify.com"
DEMO_ACCESS_TOKEN = "shpat_devshop_demo_token"
DEMO_API_KEY = "devshop-api-key"
# As long as a real app secret (shpss_ and 32 hex digits): JWT libraries refuse shorter HS256 keys.
DEMO_API_SECRET = "shpss_devshop0000000000000000000000demo"


@dataclass(frozen=True, slots=True)
class DevshopSettings:
    # The app's credentials, shared with the backend: devshop signs as Shopify would for it.
    api_key: str = DEMO_API_KEY
    api_secret: str = DEMO_API_SECRET
    access_token: str = DEMO_ACCESS_TOKEN
    shop: str = DEMO_SHOP
    backend_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8001
    proxy_prefix: str = "/apps/cancel"
    # The app's configuration: devshop sends the webhooks subscribed to there.
    app_config: Path = APP_CONFIG
    # The merchant's mail server for the demo (devshop.mailbox): its SMTP port; None, none runs.
    smtp_port: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DevshopSettings:
        env = os.environ if env is None else env
        return cls(
            api_key=env.get("SHOPIFY_API_KEY") or DEMO_API_KEY,
            api_secret=env.get("SHOPIFY_API_SECRET") or DEMO_API_SECRET,
            access_token=env.get("SHOPIFY_ACCESS_TOKEN") or DEMO_ACCESS_TOKEN,
            backend_url=(env.get("DEVSHOP_BACKEND_URL") or "http://127.0.0.1:8000").rstrip("/"),
            host=env.get("DEVSHOP_HOST") or "127.0.0.1",
            port=int(env.get("DEVSHOP_PORT") or 8001),
            app_config=Path(env.get("DEVSHOP_APP_CONFIG") or APP_CONFIG),
            smtp_port=int(env["DEVSHOP_SMTP_PORT"]) if env.get("DEVSHOP_SMTP_PORT") else None,
        )
