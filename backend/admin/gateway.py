"""What App Home asks of Shopify: the app installation's id, writing the rules metafield, and
how many orders the shop took in a period."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.shopify import documents
from backend.shopify.client import AdminClient, AdminRequestFailed

NAMESPACE = "cancel_button"
RULES_KEY = "rules"

CURRENT_APP_INSTALLATION = "CurrentAppInstallation"
APP_INSTALLATION_METAFIELDS_SET = "AppInstallationMetafieldsSet"
ORDERS_COUNT = "OrdersCount"


class MetafieldRefused(AdminRequestFailed):
    """Shopify answered metafieldsSet with userErrors."""


@dataclass(frozen=True, slots=True)
class OrdersCount:
    count: int
    exact: bool
    tz: ZoneInfo


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _search_time(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


class MerchantGateway:
    def __init__(self, client: AdminClient) -> None:
        self._client = client

    async def installation_id(self, shop: str) -> str:
        # Asked afresh on every save (saves are rare): a reinstall gives a new id, and another
        # backend process would never hear of it through a cache here.
        response = await self._client.request(shop, documents.load(CURRENT_APP_INSTALLATION), {})
        installation = response.data.get("currentAppInstallation") or {}
        if not installation.get("id"):
            raise AdminRequestFailed("no current app installation")
        return str(installation["id"])

    async def write_rules(self, shop: str, rules: dict[str, Any]) -> None:
        """Store `rules` as the app-data metafield the theme block reads."""
        owner = await self.installation_id(shop)
        response = await self._client.request(
            shop,
            documents.load(APP_INSTALLATION_METAFIELDS_SET),
            {
                "metafields": [
                    {
                        "ownerId": owner,
                        "namespace": NAMESPACE,
                        "key": RULES_KEY,
                        "type": "json",
                        "value": json.dumps(rules, separators=(",", ":"), sort_keys=True),
                    }
                ]
            },
            mutation=True,
        )
        payload = response.data.get("metafieldsSet") or {}
        errors = payload.get("userErrors") or []
        if errors:
            raise MetafieldRefused("; ".join(str(error.get("message")) for error in errors))

    async def orders_count(self, shop: str, since: datetime) -> OrdersCount:
        response = await self._client.request(
            shop,
            documents.load(ORDERS_COUNT),
            {"query": f"created_at:>='{_search_time(since)}'"},
        )
        counted = response.data.get("ordersCount") or {}
        return OrdersCount(
            count=int(counted.get("count") or 0),
            exact=counted.get("precision") != "AT_LEAST",
            tz=_zone((response.data.get("shop") or {}).get("ianaTimezone")),
        )
