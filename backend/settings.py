"""Every setting, read once from the environment into a frozen dataclass.

Nothing else in the backend reads `os.environ`: `Settings.from_env()` is called by the entry
point, and tests build `Settings(...)` directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from backend.mail.smtp import SmtpServer, SmtpUrlError
from backend.ratelimit.rules import RateLimits
from backend.shopify import API_VERSION
from backend.store.crypto import TokenCipher, development_key


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def shop_name(value: str) -> str:
    """`demo` or `demo.myshopify.com` -> `demo`, the form `shopifyapp` uses."""
    value = value.strip().lower()
    return value.removesuffix(".myshopify.com")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


def _token_keys(env: Mapping[str, str], app_env: str, api_secret: str) -> tuple[str, ...]:
    keys = tuple(key.strip() for key in (env.get("TOKEN_ENCRYPTION_KEYS") or "").split(","))
    keys = tuple(key for key in keys if key)
    if not keys:
        if app_env == "production":
            raise SettingsError(
                "TOKEN_ENCRYPTION_KEYS must be set in production: tokens are encrypted at rest"
                " (make one with: python -m backend new-key)"
            )
        return (development_key(api_secret),)
    try:
        TokenCipher(keys)
    except ValueError:
        raise SettingsError(
            "TOKEN_ENCRYPTION_KEYS must be comma-separated Fernet keys"
            " (32 url-safe base64-encoded bytes each; python -m backend new-key makes one)"
        ) from None
    return keys


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {value}")
    return value


def _database_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("DATABASE_URL") or None
    if raw is not None and not raw.startswith(
        ("postgres://", "postgresql://", "postgresql+psycopg://")
    ):
        # Never echo the URL: it may carry a password.
        raise SettingsError("DATABASE_URL must start with postgres:// or postgresql://")
    return raw


def _switch(env: Mapping[str, str], name: str, default: str = "off") -> bool:
    raw = (env.get(name) or default).strip().lower()
    if raw not in ("on", "off"):
        raise SettingsError(f"{name} must be on or off, not {raw!r}")
    return raw == "on"


def _smtp_url(env: Mapping[str, str]) -> str | None:
    url = env.get("SMTP_URL") or None
    if url is None:
        return None
    if not env.get("MAIL_FROM"):
        raise SettingsError("MAIL_FROM must be set with SMTP_URL")
    try:
        SmtpServer.from_url(url)
    except SmtpUrlError as error:
        raise SettingsError(str(error)) from error
    return url


@dataclass(frozen=True, slots=True)
class Settings:
    api_key: str
    api_secret: str
    old_api_secret: str | None = None
    api_version: str = API_VERSION
    # Development only: every shop's Admin API calls go to this origin instead of Shopify.
    admin_base_url: str | None = None
    # A single-shop custom app: its token, used instead of the per-shop store.
    single_shop: str | None = None
    single_shop_token: str | None = None
    # PostgreSQL for several backends; unset, the SQLite file at `sqlite_path`.
    database_url: str | None = None
    sqlite_path: Path = field(default_factory=lambda: Path("var/cancel-button.sqlite3"))
    # Seconds to connect, and for any one statement, before the store answers "unavailable".
    database_timeout: float = 5.0
    # Fernet keys for tokens at rest: the first encrypts, all decrypt. Empty: derived from the
    # API secret, which only development allows (from_env).
    token_encryption_keys: tuple[str, ...] = ()
    # Attempts and their notes older than this are deleted daily.
    retention_days: int = 730
    # A mirrored order Shopify has not told us about for this long is read again before it is
    # served: how long a missed webhook can leave a wrong mirror.
    mirror_max_age_seconds: float = 600.0
    # Run the job worker inside each backend (`off`: only `python -m backend worker` runs jobs).
    in_process_worker: bool = True
    job_concurrency: int = 4
    # Rate limits shared by every backend; unset, in-process.
    redis_url: str | None = None
    app_env: str = "production"
    host: str = "127.0.0.1"
    port: int = 8000
    # How long one Admin API call, and all its retries together, may take.
    admin_timeout: float = 10.0
    admin_retry_budget: float = 8.0
    # How long a concurrent duplicate cancel waits for the first one to settle.
    flight_wait: float = 15.0
    # A cancel unsettled this long belongs to a process that died: another may take it over.
    stale_flight_seconds: float = 120.0
    # A guest on the thank-you page may cancel only this many minutes after checkout.
    guest_cancel_minutes: float = 30.0
    # Requests per key and window; see backend/ratelimit/rules.py for the defaults.
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # How many proxies of our own (load balancers) append to X-Forwarded-For after Shopify's.
    trusted_proxy_hops: int = 0
    # Seconds for each Redis connect and reply (rate limits).
    redis_timeout: float = 2.0
    # Production option: execute only the documents our own front ends send.
    trusted_documents: bool = False
    # `GET /metrics` answers only `Authorization: Bearer <this>`; unset, it is 404.
    metrics_token: str | None = None
    # prometheus-client's multiprocess folder (PROMETHEUS_MULTIPROC_DIR), shared by the workers.
    metrics_dir: Path | None = None
    # The merchant's mail server for the withdrawal acknowledgements (backend/mail/):
    # smtp://user:password@host:587 (STARTTLS) or smtps://host:465 (TLS); unset, nothing is sent
    # and App Home says so. MAIL_FROM is the sender, "Shop <shop@example.com>".
    smtp_url: str | None = None
    mail_from: str | None = None

    @property
    def development(self) -> bool:
        return self.app_env == "development"

    @property
    def token_cipher(self) -> TokenCipher:
        return TokenCipher(self.token_encryption_keys or (development_key(self.api_secret),))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [name for name in ("SHOPIFY_API_KEY", "SHOPIFY_API_SECRET") if not env.get(name)]
        if missing:
            raise SettingsError(f"{' and '.join(missing)} must be set")
        app_env = env.get("APP_ENV", "production")
        if app_env not in ("development", "production"):
            raise SettingsError(f"APP_ENV must be development or production, not {app_env!r}")
        shop = env.get("SHOPIFY_SHOP") or None
        token = env.get("SHOPIFY_ACCESS_TOKEN") or None
        if (shop is None) != (token is None):
            raise SettingsError(
                "SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN are set together or not at all"
            )
        admin_base_url = env.get("SHOPIFY_ADMIN_BASE_URL") or None
        if admin_base_url and app_env != "development":
            raise SettingsError("SHOPIFY_ADMIN_BASE_URL is for APP_ENV=development only")
        return cls(
            api_key=env["SHOPIFY_API_KEY"],
            api_secret=env["SHOPIFY_API_SECRET"],
            old_api_secret=env.get("SHOPIFY_OLD_API_SECRET") or None,
            api_version=env.get("SHOPIFY_API_VERSION") or API_VERSION,
            admin_base_url=admin_base_url.rstrip("/") if admin_base_url else None,
            single_shop=shop_name(shop) if shop else None,
            single_shop_token=token,
            redis_url=env.get("REDIS_URL") or None,
            database_url=_database_url(env),
            sqlite_path=Path(env.get("SQLITE_PATH") or "var/cancel-button.sqlite3"),
            database_timeout=_float(env, "DATABASE_TIMEOUT", 5.0),
            token_encryption_keys=_token_keys(env, app_env, env["SHOPIFY_API_SECRET"]),
            retention_days=_positive(env, "RETENTION_DAYS", 730),
            mirror_max_age_seconds=_float(env, "MIRROR_MAX_AGE_SECONDS", 600.0),
            in_process_worker=_switch(env, "IN_PROCESS_WORKER", default="on"),
            job_concurrency=_positive(env, "JOB_CONCURRENCY", 4),
            app_env=app_env,
            host=env.get("HOST") or "127.0.0.1",
            port=_int(env, "PORT", 8000),
            admin_timeout=_float(env, "ADMIN_TIMEOUT", 10.0),
            admin_retry_budget=_float(env, "ADMIN_RETRY_BUDGET", 8.0),
            guest_cancel_minutes=_float(env, "GUEST_CANCEL_MINUTES", 30.0),
            stale_flight_seconds=_float(env, "STALE_FLIGHT_SECONDS", 120.0),
            rate_limits=RateLimits.from_env(env, SettingsError),
            trusted_proxy_hops=_int(env, "TRUSTED_PROXY_HOPS", 0),
            redis_timeout=_float(env, "REDIS_TIMEOUT", 2.0),
            trusted_documents=_switch(env, "TRUSTED_DOCUMENTS"),
            metrics_token=env.get("METRICS_TOKEN") or None,
            metrics_dir=Path(env["PROMETHEUS_MULTIPROC_DIR"])
            if env.get("PROMETHEUS_MULTIPROC_DIR")
            else None,
            smtp_url=_smtp_url(env),
            mail_from=env.get("MAIL_FROM") or None,
        )
