"""The rules: safe defaults, read from the environment, refused when malformed."""

from __future__ import annotations

import pytest
from limits import parse

from backend.ratelimit import Kind, RateLimits, Scope
from backend.settings import Settings, SettingsError
from tests.stores import TEST_KEY

ENV = {"SHOPIFY_API_KEY": "key", "SHOPIFY_API_SECRET": "secret", "TOKEN_ENCRYPTION_KEYS": TEST_KEY}


def test_defaults_limit_cancels_per_customer_order_ip_and_shop() -> None:
    assert RateLimits().items(Kind.CANCEL) == [
        (Scope.ORDER, parse("3/hour")),
        (Scope.CUSTOMER, parse("5/minute")),
        (Scope.CUSTOMER, parse("20/day")),
        (Scope.IP, parse("20/minute")),
        (Scope.SHOP, parse("120/minute")),
    ]


def test_defaults_limit_reads_per_customer_ip_and_shop() -> None:
    assert RateLimits().items(Kind.READ) == [
        (Scope.CUSTOMER, parse("60/minute")),
        (Scope.IP, parse("60/minute")),
        (Scope.SHOP, parse("1200/minute")),
    ]


def test_settings_read_each_rule_from_its_variable() -> None:
    env = ENV | {"RATE_LIMIT_CANCEL_CUSTOMER": "2/minute;10/day", "RATE_LIMIT_READ_SHOP": "off"}
    limits = Settings.from_env(env).rate_limits
    assert limits.cancel_customer == "2/minute;10/day"
    assert (Scope.SHOP, parse("1200/minute")) not in limits.items(Kind.READ)
    assert limits.items(Kind.READ) == [
        (Scope.CUSTOMER, parse("60/minute")),
        (Scope.IP, parse("60/minute")),
    ]
    assert Settings.from_env(ENV).rate_limits == RateLimits()


def test_a_malformed_rule_stops_the_start() -> None:
    with pytest.raises(SettingsError, match="RATE_LIMIT_CANCEL_ORDER must be like 5/minute"):
        Settings.from_env(ENV | {"RATE_LIMIT_CANCEL_ORDER": "three an hour"})


def test_trusted_documents_is_on_or_off() -> None:
    assert Settings.from_env(ENV).trusted_documents is False
    assert Settings.from_env(ENV | {"TRUSTED_DOCUMENTS": "on"}).trusted_documents is True
    with pytest.raises(SettingsError, match="TRUSTED_DOCUMENTS must be on or off"):
        Settings.from_env(ENV | {"TRUSTED_DOCUMENTS": "yes"})
