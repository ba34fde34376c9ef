"""What App Home's templates show, prepared from the rules and the insights: words in the
merchant's language, numbers and dates in its formats, charts as geometry. No markup here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from backend.admin.charts import Chart, bar_chart, column_chart, in_words
from backend.admin.csp import APP_BRIDGE, POLARIS
from backend.admin.i18n import N_, Speaker
from backend.admin.insights import Insights, Note, reason_label
from backend.admin.requests import RequestsView
from backend.admin.rules import APPROVAL_LABELS, FINANCIAL_STATUSES
from backend.admin.screens import HOME, SCREENS, Screen
from backend.admin.withdrawals import WithdrawalsView
from backend.edit.insights import EditInsights
from backend.edit.rules import EditRules
from backend.orders import legacy_id
from backend.policy import CancelBlock, RefundMethod, ShopPolicy
from backend.store.base import DeliveryHealth, HoldRecord, HoldState, JobStats

CAUSES: dict[CancelBlock, str] = {
    CancelBlock.NOT_FOUND: N_("Order not found or not theirs"),
    CancelBlock.ALREADY_CANCELLED: N_("Already cancelled"),
    CancelBlock.WINDOW_CLOSED: N_("Window closed"),
    CancelBlock.CUTOFF_PASSED: N_("Daily cutoff passed"),
    CancelBlock.FULFILLMENT_STARTED: N_("Fulfilment started"),
    CancelBlock.EXCLUDED_PRODUCT: N_("Excluded product"),
    CancelBlock.EXCLUDED_ORDER: N_("Excluded order"),
    CancelBlock.PAYMENT_STATE: N_("Payment status not allowed"),
    CancelBlock.RISK_REVIEW: N_("Held for risk review"),
    CancelBlock.INVALID_REASON: N_("Invalid reason"),
    CancelBlock.INVALID_NOTE: N_("Note too long"),
    CancelBlock.DISABLED: N_("Cancellation turned off"),
    CancelBlock.REJECTED_BY_SHOPIFY: N_("Refused by Shopify"),
    CancelBlock.TRY_AGAIN: N_("Shopify unreachable"),
    CancelBlock.PARTIAL_NOT_OFFERED: N_("Single items not offered"),
    CancelBlock.INVALID_LINE_ITEMS: N_("Items not on the order"),
}
STATUS_LABELS = {
    "AUTHORIZED": N_("Authorized"),
    "PAID": N_("Paid"),
    "PARTIALLY_PAID": N_("Partially paid"),
    "PARTIALLY_REFUNDED": N_("Partially refunded"),
    "PENDING": N_("Pending"),
    "REFUNDED": N_("Refunded"),
    "VOIDED": N_("Voided"),
    "EXPIRED": N_("Expired"),
}
REFUND_LABELS = {
    RefundMethod.ORIGINAL_PAYMENT_METHODS: N_("To the original payment method"),
    RefundMethod.STORE_CREDIT: N_("As store credit"),
}


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str  # a msgid
    checked: bool


@dataclass(frozen=True, slots=True)
class ReasonRow:
    code: str
    label: str
    translations: str  # "nl: Verkeerde maat", one a line


@dataclass(frozen=True, slots=True)
class RulesForm:
    enabled: bool
    window: str
    cutoff: str
    excluded_product_tags: str
    excluded_order_tags: str
    statuses: Sequence[Choice]
    hold_risky_orders: bool
    hold_fulfillment: bool
    hold_own_locations_only: bool
    approvals: Sequence[Choice]
    approval_above: str
    auto_approve_minutes: str
    refunds: Sequence[Choice]
    restock: bool
    notify_customer: bool
    staff_note_format: str
    reasons: Sequence[ReasonRow]
    partial_cancel: bool = False
    fee_percent: str = ""
    fee_fixed: str = ""
    fee_cap: str = ""
    edits: EditRules = EditRules()


def rules_form(policy: ShopPolicy) -> RulesForm:
    return RulesForm(
        enabled=policy.enabled,
        window="" if policy.window_minutes is None else str(policy.window_minutes),
        cutoff="" if policy.cutoff is None else policy.cutoff.strftime("%H:%M"),
        excluded_product_tags=", ".join(sorted(policy.excluded_product_tags)),
        excluded_order_tags=", ".join(sorted(policy.excluded_order_tags)),
        statuses=[
            Choice(s, STATUS_LABELS[s], s in policy.allowed_financial_statuses)
            for s in FINANCIAL_STATUSES
        ],
        hold_risky_orders=policy.hold_risky_orders,
        hold_fulfillment=policy.hold_fulfillment,
        hold_own_locations_only=policy.hold_own_locations_only,
        edits=policy.edits,
        approvals=[
            Choice(mode.value, label, policy.approval is mode)
            for mode, label in APPROVAL_LABELS.items()
        ],
        approval_above="" if policy.approval_above is None else str(policy.approval_above),
        auto_approve_minutes=""
        if policy.auto_approve_minutes is None
        else str(policy.auto_approve_minutes),
        refunds=[
            Choice(method.value, label, policy.refund_method is method)
            for method, label in REFUND_LABELS.items()
        ],
        restock=policy.restock,
        notify_customer=policy.notify_customer,
        staff_note_format=policy.staff_note_format,
        partial_cancel=policy.partial_cancel,
        fee_percent="" if not policy.fee_percent else str(policy.fee_percent),
        fee_fixed="" if not policy.fee_fixed else str(policy.fee_fixed),
        fee_cap="" if policy.fee_cap is None else str(policy.fee_cap),
        reasons=[
            ReasonRow(
                r.code, r.label, "\n".join(f"{locale}: {label}" for locale, label in r.translations)
            )
            for r in policy.reasons
        ],
    )


@dataclass(frozen=True, slots=True)
class NoteView:
    text: str
    order: str
    reason: str
    at: str  # ISO 8601, for `<time datetime>`
    when: str  # in the merchant's format
    cancelled: bool


@dataclass(frozen=True, slots=True)
class InsightsView:
    cancellations: str
    orders: str | None  # None: Shopify could not count them
    rate: str | None  # None: nothing to divide by
    rate_exact: bool
    refused: str
    over_time: Chart
    by_reason: Chart
    refused_by_cause: Chart
    notes: Sequence[NoteView]
    csv_href: str
    edits: EditsView | None = None

    # Issue 11: partial cancels, fees kept and what Buy again brought back after a cancel.
    partial_cancels: str = "0"
    fees_kept: str = "0"
    buy_again_orders: str = "0"
    buy_again_revenue: str = "0"


@dataclass(frozen=True, slots=True)
class OwedRow:
    order: str
    amount: str  # in the merchant's currency format
    when: str
    at: str


@dataclass(frozen=True, slots=True)
class EditsView:
    saved: str
    by_reason: Chart
    by_kind: Chart
    owed: Sequence[OwedRow]
    refunds_failed: int


KIND_LABELS = {
    "ADDRESS": N_("Shipping address"),
    "VARIANT": N_("Size or colour"),
    "QUANTITY": N_("Quantity"),
}


def edits_view(edits: EditInsights, policy: ShopPolicy, speaker: Speaker, period: str) -> EditsView:
    _ = speaker.gettext
    number = speaker.number
    reasons = [(reason_label(policy, code), count) for code, count in edits.saved_by_reason]
    kinds = [(_(KIND_LABELS.get(kind, kind)), count) for kind, count in edits.by_kind]
    return EditsView(
        saved=number(edits.saved),
        by_reason=bar_chart(
            "chart-saved-by-reason",
            _("Orders saved by a change, by reason"),
            _("Orders changed instead of cancelled, by the reason chosen, %(period)s.")
            % {"period": period}
            + " "
            + in_words(reasons, _("None yet."), number),
            reasons,
            headers=(_("Reason"), _("Orders")),
            number=number,
        ),
        by_kind=bar_chart(
            "chart-edits-by-kind",
            _("Changes by kind"),
            _("Changes customers made, by kind, %(period)s.") % {"period": period}
            + " "
            + in_words(kinds, _("None yet."), number),
            kinds,
            headers=(_("Change"), _("Changes")),
            number=number,
        ),
        owed=[
            OwedRow(
                order=legacy_id(o.order_id),
                amount=speaker.money(o.amount, o.currency),
                when=speaker.moment(o.at),
                at=o.at.isoformat(),
            )
            for o in edits.owed
        ],
        refunds_failed=edits.refunds_failed,
    )


def _note(note: Note, speaker: Speaker) -> NoteView:
    return NoteView(
        text=note.text,
        order=legacy_id(note.order_id),
        reason=note.reason,
        at=note.at.isoformat(),
        when=speaker.moment(note.at),
        cancelled=note.cancelled,
    )


def insights_view(
    insights: Insights, speaker: Speaker, csv_href: str, policy: ShopPolicy | None = None
) -> InsightsView:
    _ = speaker.gettext
    number = speaker.number
    days = [(speaker.day(day), count) for day, count in insights.days]
    period = _("%(first)s to %(last)s") % {
        "first": speaker.date(insights.days[0][0]),
        "last": speaker.date(insights.days[-1][0]),
    }
    causes = [(_(CAUSES.get(b, b.value)), count) for b, count in insights.refused_by_cause]
    over_time = column_chart(
        "chart-over-time",
        _("Cancellations per day"),
        _("Cancellations per day, %(period)s: %(count)s in all.")
        % {"period": period, "count": number(insights.cancellations)}
        + " "
        + in_words(days, _("None."), number),
        days,
        headers=(_("Day"), _("Cancellations")),
        number=number,
    )
    by_reason = bar_chart(
        "chart-by-reason",
        _("Cancellations by reason"),
        _("Cancellations by reason, %(period)s.") % {"period": period}
        + " "
        + in_words(insights.by_reason, _("No cancellations yet."), number),
        insights.by_reason,
        headers=(_("Reason"), _("Cancellations")),
        number=number,
    )
    refused = bar_chart(
        "chart-refused",
        _("Refused attempts by cause"),
        _("Attempts the rules refused, %(period)s.") % {"period": period}
        + " "
        + in_words(causes, _("None were refused."), number),
        causes,
        headers=(_("Cause"), _("Attempts")),
        number=number,
    )
    return InsightsView(
        partial_cancels=number(insights.partial_cancels),
        fees_kept=speaker.money(insights.fees_kept, insights.currency),
        buy_again_orders=number(insights.buy_again_orders),
        buy_again_revenue=speaker.money(insights.buy_again_revenue, insights.currency),
        cancellations=number(insights.cancellations),
        orders=None if insights.orders is None else number(insights.orders),
        rate=None if insights.rate is None else speaker.percent(insights.rate),
        rate_exact=insights.orders_exact,
        refused=number(insights.refused),
        over_time=over_time,
        by_reason=by_reason,
        refused_by_cause=refused,
        notes=[_note(note, speaker) for note in insights.notes],
        csv_href=csv_href,
        edits=None
        if insights.edits is None
        else edits_view(insights.edits, policy or ShopPolicy(), speaker, period),
    )


@dataclass(frozen=True, slots=True)
class NavItem:
    screen: Screen
    href: str  # for the page's own menu: the screen, opened as the admin opened this one
    current: bool


def _with_query(path: str, query: str) -> str:
    """`path` with the page's query (shop, host, locale, the ID token): without App Bridge,
    that is how the next screen opens, as Shopify's admin would open it."""
    query = urlencode(parse_qsl(query, keep_blank_values=True))  # as the browser would send it
    return f"{path}?{query}" if query else path


def page_context(
    *,
    screen: Screen,
    speaker: Speaker,
    api_key: str,
    shop: str,
    id_token: str,
    query: str,
    warning: str | None,
    form: RulesForm | None,
    insights: InsightsView | None,
    events: EventsView | None = None,
    holds: HoldsView | None = None,
    requests: RequestsView | None = None,
    withdrawals: WithdrawalsView | None = None,
) -> dict[str, Any]:
    """Everything `layout.html` and a screen's template print."""
    return {
        "speaker": speaker,
        "lang": speaker.language,
        "api_key": api_key,
        "shop": shop,
        "id_token": id_token,
        "scripts": (APP_BRIDGE, POLARIS),
        "screen": screen,
        "home": HOME,
        "home_href": _with_query(HOME.path, query),
        "nav": [NavItem(s, _with_query(s.path, query), s is screen) for s in SCREENS],
        "warning": warning,
        "form": form,
        "insights": insights,
        "events": events,
        "holds": holds,
        "requests": requests,
        "withdrawals": withdrawals,
    }


# Order events: the mirror's health for this shop

EVENTS_PERIOD = timedelta(days=1)
STUCK_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class EventsView:
    last_received: str | None  # a moment in the merchant's format, UTC
    last_received_at: str | None  # ISO, for <time datetime>
    received: str
    waiting: str
    stuck: str
    stuck_count: int
    lag_p50: str | None  # "120 ms" / "2.5 s", in the merchant's number format
    lag_p99: str | None
    oldest_job: str | None  # how long the oldest due job (any shop's) has waited


def _duration(value: timedelta | None, speaker: Speaker) -> str | None:
    if value is None:
        return None
    seconds = value.total_seconds()
    if seconds < 1:
        return speaker.gettext("%(ms)s ms") % {"ms": speaker.number(round(seconds * 1000))}
    return speaker.gettext("%(s)s s") % {"s": speaker.number(round(seconds, 1))}


def events_view(health: DeliveryHealth, jobs: JobStats, speaker: Speaker) -> EventsView:
    last = health.last_received_at
    return EventsView(
        last_received=None if last is None else speaker.moment(last),
        last_received_at=None if last is None else last.isoformat(),
        received=speaker.number(health.received),
        waiting=speaker.number(health.unhandled),
        stuck=speaker.number(health.stuck),
        stuck_count=health.stuck,
        lag_p50=_duration(health.lag_p50, speaker),
        lag_p99=_duration(health.lag_p99, speaker),
        oldest_job=_duration(jobs.oldest_due, speaker),
    )


# Fulfilment holds (issue 12): what we hold now, what we released, what we could not

RECENT_RELEASES = 20


@dataclass(frozen=True, slots=True)
class HoldRow:
    order: str  # the order's number, as the admin shows it in its URL
    order_id: str  # the GID, for "release now"
    moment: str | None  # release time (held) or when it changed (released, failed)
    moment_at: str | None  # ISO, for <time datetime>
    why: str  # translated


_WHY = {
    "DEADLINE": N_("The cancel window closed"),
    "RULE_OFF": N_("The rule was turned off"),
    "NOT_CANCELLABLE": N_("The order can no longer be cancelled"),
    "MERCHANT": N_("Released from this page"),
    "ENDED_WITH_CANCEL": N_("The order was cancelled"),
}


@dataclass(frozen=True, slots=True)
class HoldsView:
    held: Sequence[HoldRow]
    released: Sequence[HoldRow]
    alerts: Sequence[HoldRow]


def _hold_row(record: HoldRecord, speaker: Speaker, *, at: datetime | None) -> HoldRow:
    why = "ENDED_WITH_CANCEL" if record.state is HoldState.ENDED_WITH_CANCEL else record.reason
    return HoldRow(
        order=legacy_id(record.order_id),
        order_id=record.order_id,
        moment=None if at is None else speaker.moment(at),
        moment_at=None if at is None else at.isoformat(),
        why=speaker.gettext(_WHY[why]) if why in _WHY else (why or ""),
    )


def holds_view(
    held: Sequence[HoldRecord],
    released: Sequence[HoldRecord],
    failed: Sequence[HoldRecord],
    speaker: Speaker,
) -> HoldsView:
    def by_order(records: Sequence[HoldRecord]) -> list[HoldRecord]:
        # One row per order: an order with several fulfilment orders is held (or released) once.
        seen: dict[str, HoldRecord] = {}
        for record in records:
            seen.setdefault(record.order_id, record)
        return list(seen.values())

    return HoldsView(
        held=[
            _hold_row(r, speaker, at=r.release_at)
            for r in sorted(by_order(held), key=lambda r: (r.release_at is None, r.release_at))
        ],
        released=[_hold_row(r, speaker, at=r.updated_at) for r in by_order(released)][
            :RECENT_RELEASES
        ],
        alerts=[_hold_row(r, speaker, at=r.updated_at) for r in by_order(failed)],
    )
