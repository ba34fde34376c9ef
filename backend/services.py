"""Everything a backend process holds, built once: for the web app, and for a worker alone.

`running_services` opens the store (migrating it), one `httpx.AsyncClient` for every Admin API
call, Shopify's verifier, the use cases, and the job runner with its chores; it closes them in
reverse. `python -m backend` serves HTTP with them; `python -m backend worker` only runs jobs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from shopify_app import ShopifyApp

from backend.admin.gateway import MerchantGateway
from backend.approvals.approving import AUTO_APPROVE, Approvals
from backend.approvals.flow import SEND as SEND_FLOW_TRIGGER
from backend.approvals.flow import FlowTriggers
from backend.auth.tokens import ShopTokens
from backend.cancellation import CONFIRM, Cancellations
from backend.edit.editing import SETTLE, Edits
from backend.edit.order_editing import OrderEditing
from backend.events.mirror import PRUNE, REFRESH, OrderMirror
from backend.holds import HOLD, RELEASE, FulfillmentHolds
from backend.jobs import Tasks, chores
from backend.jobs.local import LocalRunner
from backend.jobs.postgres import ProcrastinateRunner
from backend.mail import SEND, Mailer, Outbox, SmtpServer
from backend.orders import OrderSnapshot
from backend.partial import PartialCancellations
from backend.policy import ShopPolicy
from backend.refunds import COMPLETE_REFUND, RefundGateway, Refunds
from backend.retention import EVERY as RETENTION_EVERY
from backend.retention import TASK as RETENTION
from backend.retention import Retention
from backend.settings import Settings
from backend.shopify.client import AdminClient
from backend.shopify.gateway import AdminGateway
from backend.shopify.transport import AdminOriginTransport
from backend.store.engine import create_engine, database_url
from backend.store.sql import SQLStore
from backend.webhooks import HANDLE, RECONCILE, Webhooks
from backend.withdrawal.evidence import EVERY as EVIDENCE_EVERY
from backend.withdrawal.evidence import TASK as EVIDENCE
from backend.withdrawal.evidence import Evidence
from backend.withdrawal.gateway import WithdrawalGateway
from backend.withdrawal.guest import GuestLinks
from backend.withdrawal.withdrawing import EFFECT, Withdrawals

CHORES = {RETENTION: RETENTION_EVERY, PRUNE: timedelta(hours=1), EVIDENCE: EVIDENCE_EVERY}

Runner = LocalRunner | ProcrastinateRunner


def open_store(settings: Settings) -> SQLStore:
    """PostgreSQL when DATABASE_URL is set, else the SQLite file; `open()` migrates it."""
    engine = create_engine(
        database_url(settings.database_url, settings.sqlite_path),
        timeout=settings.database_timeout,
    )
    return SQLStore(engine, settings.token_cipher)


def admin_http_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    if settings.admin_base_url:
        transport = AdminOriginTransport(
            settings.admin_base_url, transport or httpx.AsyncHTTPTransport()
        )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.admin_timeout, connect=5.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )


@dataclass
class Services:
    settings: Settings
    store: SQLStore
    shopify: ShopifyApp
    shop_tokens: ShopTokens
    admin: AdminGateway
    merchant_gateway: MerchantGateway
    mirror: OrderMirror
    holds: FulfillmentHolds
    cancellations: Cancellations
    refunds: Refunds
    partial: PartialCancellations
    edits: Edits
    approvals: Approvals
    flow: FlowTriggers
    withdrawals: Withdrawals
    guest_links: GuestLinks
    outbox: Outbox
    webhooks: Webhooks
    runner: Runner

    def tasks(self, clock: Callable[[], datetime]) -> Tasks:
        retention = Retention(self.store, timedelta(days=self.settings.retention_days), clock)

        async def retain(args: dict[str, Any]) -> None:
            await retention.run(args)

        evidence = Evidence(self.store, clock)

        async def keep_evidence(args: dict[str, Any]) -> None:
            await evidence.run(args)

        return {
            HANDLE: self.webhooks.handle,
            REFRESH: self.mirror.refresh,
            PRUNE: self.mirror.prune,
            CONFIRM: self.cancellations.confirm,
            RECONCILE: self.cancellations.reconcile_job,
            RETENTION: retain,
            HOLD: self.holds.hold,
            RELEASE: self.holds.release,
            COMPLETE_REFUND: self.refunds.complete,
            SETTLE: self.edits.settle,
            AUTO_APPROVE: self.approvals.auto_approve,
            SEND_FLOW_TRIGGER: self.flow.send,
            EFFECT: self.withdrawals.effect,
            SEND: self.outbox.send,
            EVIDENCE: keep_evidence,
        }


def _runner(settings: Settings, store: SQLStore, clock: Callable[[], datetime]) -> Runner:
    """procrastinate where the store is PostgreSQL, the local runner on SQLite."""
    if store.engine.dialect.name == "postgresql":
        url = store.engine.url.set(drivername="postgresql")
        return ProcrastinateRunner(
            url.render_as_string(hide_password=False),
            store,
            clock=clock,
            concurrency=settings.job_concurrency,
        )
    return LocalRunner(store, clock=clock, concurrency=settings.job_concurrency)


@contextlib.asynccontextmanager
async def running_services(
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    admin_transport: httpx.AsyncBaseTransport | None = None,
    store: SQLStore | None = None,
    worker: bool,
) -> AsyncIterator[Services]:
    shop_store = store or open_store(settings)
    await shop_store.open()
    try:
        async with admin_http_client(settings, admin_transport) as http:
            services = _build(settings, shop_store, http, clock)
            if not worker:
                yield services
                return
            services.runner.register(services.tasks(clock))
            async with (
                services.runner.running(),
                chores.running(shop_store, CHORES, clock, services.runner.wake),
            ):
                yield services
    finally:
        await shop_store.close()


def _build(
    settings: Settings, store: SQLStore, http: httpx.AsyncClient, clock: Callable[[], datetime]
) -> Services:
    shopify = ShopifyApp(settings.api_key, settings.api_secret, settings.old_api_secret)
    shop_tokens = ShopTokens(shopify, store, http, clock)

    async def token_for(shop: str) -> str | None:
        if shop == settings.single_shop:
            return settings.single_shop_token
        return await shop_tokens.access_token(shop)

    client = AdminClient(
        http,
        token_for,
        api_version=settings.api_version,
        timeout=settings.admin_timeout,
        retry_budget=settings.admin_retry_budget,
    )
    admin = AdminGateway(client)
    runner = _runner(settings, store, clock)

    async def policy_of(shop: str) -> ShopPolicy:
        return await store.get_policy(shop) or ShopPolicy()

    mirror = OrderMirror(
        admin,
        store,
        clock=clock,
        max_age=timedelta(seconds=settings.mirror_max_age_seconds),
        policy_of=policy_of,
    )
    holds = FulfillmentHolds(admin, store, clock=clock, policy_of=policy_of, wake_jobs=runner.wake)
    refunds = Refunds(
        RefundGateway(client),
        store,
        clock=clock,
        stale=timedelta(seconds=settings.stale_flight_seconds),
        wake_jobs=runner.wake,
    )
    cancellations = Cancellations(
        admin,
        store,
        mirror,
        clock=clock,
        wake_jobs=runner.wake,
        flight_wait=settings.flight_wait,
        stale_flight=timedelta(seconds=settings.stale_flight_seconds),
        guest_window=timedelta(minutes=settings.guest_cancel_minutes),
        refunds=refunds,
        lines=RefundGateway(client),
    )
    partial = PartialCancellations(
        RefundGateway(client), refunds, cancellations, store, clock=clock
    )
    approvals = Approvals(cancellations, store, clock=clock, wake_jobs=runner.wake)
    cancellations.approvals = approvals

    async def after_read(shop: str, order: OrderSnapshot, tz: ZoneInfo) -> None:
        await holds.after_read(shop, order, tz)
        await approvals.after_read(shop, order, tz)

    mirror.on_read = after_read
    mailer = (
        Mailer(SmtpServer.from_url(settings.smtp_url), settings.mail_from or "")
        if settings.smtp_url
        else None
    )
    withdrawals = Withdrawals(
        WithdrawalGateway(client),
        admin,
        store,
        clock=clock,
        secret=settings.api_secret,
        wake_jobs=runner.wake,
    )
    return Services(
        settings=settings,
        store=store,
        shopify=shopify,
        shop_tokens=shop_tokens,
        admin=admin,
        merchant_gateway=MerchantGateway(client),
        mirror=mirror,
        holds=holds,
        cancellations=cancellations,
        refunds=refunds,
        partial=partial,
        edits=Edits(
            admin,
            OrderEditing(client),
            store,
            cancellations,
            clock=clock,
            stale_flight=timedelta(seconds=settings.stale_flight_seconds),
            wake_jobs=runner.wake,
        ),
        approvals=approvals,
        flow=FlowTriggers(admin),
        withdrawals=withdrawals,
        guest_links=GuestLinks(client, store, clock=clock, wake_jobs=runner.wake),
        outbox=Outbox(store, mailer, clock=clock, wake_jobs=runner.wake),
        webhooks=Webhooks(shopify, store, mirror, clock=clock, wake_jobs=runner.wake),
        runner=runner,
    )
