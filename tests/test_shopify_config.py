"""The Shopify CLI configuration holds what `shopify app dev` and `deploy` need from it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from backend.shopify import API_VERSION
from tests.backend.shopify.test_documents import (
    configured_scopes,
    introspection,
    subscribed_topics,
    topic_enum_value,
    topic_scopes,
)

ROOT = Path(__file__).parents[1]
COMPLIANCE_TOPICS = {"customers/data_request", "customers/redact", "shop/redact"}
# What the order mirror is fed with (issue 10), and the uninstall.
ORDER_TOPICS = {
    "orders/create",
    "orders/updated",
    "orders/edited",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "fulfillment_orders/order_routing_complete",
    "fulfillment_orders/placed_on_hold",
    "fulfillment_orders/hold_released",
    "fulfillment_orders/fulfillment_request_submitted",
    "fulfillment_orders/fulfillment_request_accepted",
    "fulfillment_orders/cancelled",
    "fulfillment_events/create",
}


def app_toml() -> dict[str, Any]:
    return tomllib.loads((ROOT / "shopify.app.toml").read_text())


def web_toml() -> dict[str, Any]:
    return tomllib.loads((ROOT / "shopify.web.toml").read_text())


def test_app_is_embedded_with_a_client_id_and_url() -> None:
    config = app_toml()
    assert config["client_id"]
    assert config["application_url"].startswith("https://")
    assert config["embedded"] is True


def test_scopes_are_listed_once_each_without_spaces() -> None:
    raw = app_toml()["access_scopes"]["scopes"]
    scopes = raw.split(",")
    assert scopes == sorted(set(scopes)) and all(s == s.strip() and s for s in scopes)
    assert configured_scopes() == set(scopes)


def test_app_proxy_forwards_apps_cancel_to_proxy() -> None:
    assert app_toml()["app_proxy"] == {"url": "/proxy", "prefix": "apps", "subpath": "cancel"}


def test_webhooks_use_the_api_version_the_backend_speaks() -> None:
    assert app_toml()["webhooks"]["api_version"] == API_VERSION == "2026-10"


def test_webhooks_subscribe_to_our_topics_and_every_compliance_topic_at_webhooks() -> None:
    subscriptions = app_toml()["webhooks"]["subscriptions"]
    topics = {t for s in subscriptions for t in s.get("topics", [])}
    compliance = {t for s in subscriptions for t in s.get("compliance_topics", [])}
    assert topics == ORDER_TOPICS | {"app/uninstalled"}
    assert compliance == COMPLIANCE_TOPICS
    assert {s["uri"] for s in subscriptions} == {"/webhooks"}


def test_every_subscribed_topic_is_a_webhook_topic_of_the_schema() -> None:
    enum = next(
        t
        for t in introspection()["data"]["__schema"]["types"]
        if t["name"] == "WebhookSubscriptionTopic"
    )
    values = {v["name"]: v for v in enum["enumValues"]}
    for topic in subscribed_topics():
        value = values.get(topic_enum_value(topic))
        assert value is not None, topic
        assert not value["isDeprecated"], topic
        assert f"`{topic}`" in value["description"], topic  # the enum names the topic itself


def test_the_scopes_cover_every_subscribed_topic() -> None:
    scopes = configured_scopes()
    missing = {t: sorted(topic_scopes(t)) for t in subscribed_topics() if topic_scopes(t)}
    assert {t: need for t, need in missing.items() if not set(need) & scopes} == {}
    # The check is worth something: the order topics do name their scopes.
    assert topic_scopes("fulfillment_events/create") == {"read_fulfillments"}
    assert "read_orders" in topic_scopes("orders/updated")


def test_web_process_runs_the_backend_for_both_roles() -> None:
    config = web_toml()
    assert set(config["roles"]) == {"frontend", "backend"}
    assert config["webhooks_path"] == "/webhooks"
    script = config["commands"]["dev"].removeprefix("npm run ")
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    # The CLI hands the port over in $PORT, which `python -m backend` reads itself.
    assert "-m backend" in scripts[script]
    assert "PORT=" not in scripts[script]


def test_package_json_keeps_the_theme_tooling() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    assert "@shopify/theme-check-node" in package["devDependencies"]
    assert "axe-core" in package["devDependencies"]
    assert package["scripts"]["dev"] == "shopify app dev"
