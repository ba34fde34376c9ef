"""Settings of the data layer: keys for tokens at rest, retention, the database's timeout."""

from __future__ import annotations

import pytest

from backend.settings import Settings, SettingsError
from backend.store.crypto import TokenCipher, development_key, new_key

BASE = {"SHOPIFY_API_KEY": "key", "SHOPIFY_API_SECRET": "a-secret-of-the-app-32-bytes-long"}


def test_production_refuses_to_start_without_token_encryption_keys() -> None:
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEYS must be set in production"):
        Settings.from_env(BASE)


def test_keys_are_a_comma_separated_list_the_first_encrypting() -> None:
    first, second = new_key(), new_key()
    settings = Settings.from_env(BASE | {"TOKEN_ENCRYPTION_KEYS": f" {first} , {second} "})

    assert settings.token_encryption_keys == (first, second)
    sealed = settings.token_cipher.encrypt("shpat_x")
    assert TokenCipher([first]).decrypt(sealed) == "shpat_x"  # the first key encrypts
    assert settings.token_cipher.decrypt(TokenCipher([second]).encrypt("old")) == "old"


@pytest.mark.parametrize("keys", ["not-a-key", "c2hvcnQ=", ","])
def test_a_malformed_key_is_refused_without_echoing_it(keys: str) -> None:
    env = BASE | {"TOKEN_ENCRYPTION_KEYS": keys, "APP_ENV": "production"}
    expected = "TOKEN_ENCRYPTION_KEYS must be" + (" set" if keys == "," else " comma-separated")
    with pytest.raises(SettingsError, match=expected) as refused:
        Settings.from_env(env)
    assert keys not in str(refused.value) or keys == ","


def test_development_without_keys_derives_one_from_the_app_secret() -> None:
    settings = Settings.from_env(BASE | {"APP_ENV": "development"})

    assert settings.token_encryption_keys == (development_key(BASE["SHOPIFY_API_SECRET"]),)
    assert development_key("another secret") != settings.token_encryption_keys[0]


@pytest.mark.parametrize(("raw", "days"), [(None, 730), ("30", 30)])
def test_retention_days(raw: str | None, days: int) -> None:
    env = BASE | {"TOKEN_ENCRYPTION_KEYS": new_key()} | ({"RETENTION_DAYS": raw} if raw else {})
    assert Settings.from_env(env).retention_days == days


@pytest.mark.parametrize("raw", ["0", "-5", "a year"])
def test_retention_must_be_a_positive_number_of_days(raw: str) -> None:
    with pytest.raises(SettingsError, match="RETENTION_DAYS"):
        Settings.from_env(BASE | {"TOKEN_ENCRYPTION_KEYS": new_key(), "RETENTION_DAYS": raw})
