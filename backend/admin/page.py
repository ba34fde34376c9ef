"""App Home's HTML, rendered whole on the server.

Shopify's admin upgrades it: App Bridge (first script, as Shopify requires) connects the frame to
the admin, Polaris turns `<s-page>` and `<s-section>` into the admin's own layout. Neither is
needed to read or use the page: the sections hold native controls and plain tables, and the
stylesheet gives them a tidy look of their own, so the page works where the CDN cannot be
reached (tests, devshop offline, a blocked network).
"""

from __future__ import annotations

from html import escape

from backend.admin.charts import bar_chart, column_chart, in_words
from backend.admin.insights import Insights
from backend.admin.rules import FINANCIAL_STATUSES
from backend.orders import legacy_id
from backend.policy import CancelBlock, RefundMethod, ShopPolicy

APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
POLARIS = "https://cdn.shopify.com/shopifycloud/polaris.js"

CAUSES: dict[CancelBlock, str] = {
    CancelBlock.NOT_FOUND: "Order not found or not theirs",
    CancelBlock.ALREADY_CANCELLED: "Already cancelled",
    CancelBlock.WINDOW_CLOSED: "Window closed",
    CancelBlock.CUTOFF_PASSED: "Daily cutoff passed",
    CancelBlock.FULFILLMENT_STARTED: "Fulfilment started",
    CancelBlock.EXCLUDED_PRODUCT: "Excluded product",
    CancelBlock.EXCLUDED_ORDER: "Excluded order",
    CancelBlock.PAYMENT_STATE: "Payment status not allowed",
    CancelBlock.RISK_REVIEW: "Held for risk review",
    CancelBlock.INVALID_REASON: "Invalid reason",
    CancelBlock.INVALID_NOTE: "Note too long",
    CancelBlock.DISABLED: "Cancellation turned off",
    CancelBlock.REJECTED_BY_SHOPIFY: "Refused by Shopify",
    CancelBlock.TRY_AGAIN: "Shopify unreachable",
}
STATUS_LABELS = {
    "AUTHORIZED": "Authorized",
    "PAID": "Paid",
    "PARTIALLY_PAID": "Partially paid",
    "PARTIALLY_REFUNDED": "Partially refunded",
    "PENDING": "Pending",
    "REFUNDED": "Refunded",
    "VOIDED": "Voided",
    "EXPIRED": "Expired",
}


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _checked(on: bool) -> str:
    return " checked" if on else ""


def _error_slot(field: str) -> str:
    return f'<p class="field-error" data-error-for="{_attr(field)}" hidden></p>'


def _checkbox(name: str, label: str, on: bool, help_text: str = "") -> str:
    help_html = f'<span class="help">{escape(help_text)}</span>' if help_text else ""
    return (
        f'<label class="check"><input type="checkbox" name="{name}"{_checked(on)}> '
        f"<span>{escape(label)}</span></label>{help_html}"
    )


def _text(name: str, label: str, value: str, help_text: str, **attrs: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{_attr(v)}"' for key, v in attrs.items())
    return (
        f'<div class="field"><label for="rule-{name}">{escape(label)}</label>'
        f'<input id="rule-{name}" name="{name}" value="{_attr(value)}"'
        f' aria-describedby="help-{name}"{extra}>'
        f'<span class="help" id="help-{name}">{escape(help_text)}</span>{_error_slot(name)}</div>'
    )


def reason_row(index: int, code: str, label: str, translations: str) -> str:
    return f"""<li class="reason" data-reason>
  <fieldset><legend>Reason <span data-reason-number>{index + 1}</span></legend>
  <div class="reason__fields">
    <div class="field"><label>Code <input name="code" value="{_attr(code)}"
      autocomplete="off" spellcheck="false"></label>{_error_slot("code")}</div>
    <div class="field"><label>Label <input name="label" value="{_attr(label)}"
      maxlength="80"></label>{_error_slot("label")}</div>
    <div class="field field--wide"><label>Other languages
      <textarea name="translations" rows="2">{escape(translations)}</textarea></label>
      <span class="help">One per line, such as <code>nl: Verkeerde maat</code>.</span>
      {_error_slot("translations")}</div>
  </div>
  <div class="reason__actions">
    <button type="button" data-move="-1">Move up</button>
    <button type="button" data-move="1">Move down</button>
    <button type="button" data-remove>Remove</button>
  </div></fieldset>
</li>"""


def rules_form(policy: ShopPolicy) -> str:
    window = "" if policy.window_minutes is None else str(policy.window_minutes)
    cutoff = "" if policy.cutoff is None else policy.cutoff.strftime("%H:%M")
    statuses = "".join(
        f'<label class="check"><input type="checkbox" name="allowedFinancialStatuses" '
        f'value="{s}"{_checked(s in policy.allowed_financial_statuses)}> '
        f"<span>{STATUS_LABELS[s]}</span></label>"
        for s in FINANCIAL_STATUSES
    )
    refunds = "".join(
        f'<label class="check"><input type="radio" name="refundMethod" value="{m.value}"'
        f"{_checked(policy.refund_method is m)}> <span>{label}</span></label>"
        for m, label in (
            (RefundMethod.ORIGINAL_PAYMENT_METHODS, "To the original payment method"),
            (RefundMethod.STORE_CREDIT, "As store credit"),
        )
    )
    reasons = "\n".join(
        reason_row(
            i,
            r.code,
            r.label,
            "\n".join(f"{locale}: {label}" for locale, label in r.translations),
        )
        for i, r in enumerate(policy.reasons)
    )
    return f"""<form id="rules" class="rules" novalidate>
<s-section heading="When customers may cancel">
  <h2 class="fallback-heading">When customers may cancel</h2>
  {_checkbox("enabled", "Let customers cancel their own orders", policy.enabled)}
  {_error_slot("enabled")}
  {
        _text(
            "windowMinutes",
            "Window (minutes after the order is placed)",
            window,
            "1 to 43200 minutes (30 days); empty for no window.",
            type="number",
            min="1",
            max="43200",
            inputmode="numeric",
        )
    }
  {
        _text(
            "cutoff",
            "Daily cutoff (shop time, HH:MM)",
            cutoff,
            "After this time orders placed before it are being prepared; empty for none.",
            type="time",
        )
    }
</s-section>
<s-section heading="Which orders">
  <h2 class="fallback-heading">Which orders</h2>
  {
        _text(
            "excludedProductTags",
            "Never for products tagged",
            ", ".join(sorted(policy.excluded_product_tags)),
            "Separate tags with commas; at most 50, each up to 40 characters.",
        )
    }
  {
        _text(
            "excludedOrderTags",
            "Never for orders tagged",
            ", ".join(sorted(policy.excluded_order_tags)),
            "Separate tags with commas; at most 50, each up to 40 characters.",
        )
    }
  <fieldset class="group"><legend>Only orders whose payment is</legend>{statuses}
  {_error_slot("allowedFinancialStatuses")}</fieldset>
  {
        _checkbox(
            "holdRiskyOrders",
            "Hold orders Shopify flags as risky",
            policy.hold_risky_orders,
            "Customers are asked to contact you instead.",
        )
    }
</s-section>
<s-section heading="What cancelling does">
  <h2 class="fallback-heading">What cancelling does</h2>
  <fieldset class="group"><legend>Refund</legend>{refunds}{_error_slot("refundMethod")}</fieldset>
  {_checkbox("restock", "Restock the items", policy.restock)}
  {
        _checkbox(
            "notifyCustomer",
            "Email the customer Shopify's cancellation notice",
            policy.notify_customer,
        )
    }
  {
        _text(
            "staffNoteFormat",
            "Note on the cancelled order",
            policy.staff_note_format,
            "{reason} is the reason's label, {code} its code, {note} what the customer wrote.",
            maxlength="255",
        )
    }
</s-section>
<s-section heading="Reasons customers choose from">
  <h2 class="fallback-heading">Reasons customers choose from</h2>
  <p class="help">Shown in this order. Codes are what insights and exports use.</p>
  {_error_slot("reasons")}
  <ol class="reasons" data-reasons>
{reasons}
  </ol>
  <template data-reason-template>{reason_row(0, "", "", "")}</template>
  <button type="button" data-add-reason>Add a reason</button>
</s-section>
<div class="actions">
  <p class="summary" role="alert" data-summary></p>
  <p class="saved" role="status" data-saved></p>
  <button type="submit" class="primary">Save rules</button>
</div>
</form>"""


def _percent(insights: Insights) -> str:
    rate = insights.rate
    if rate is None:
        return "—"
    prefix = "" if insights.orders_exact else "≤ "
    return f"{prefix}{rate * 100:.1f}%"


def insights_section(insights: Insights, policy: ShopPolicy, csv_href: str) -> str:
    days = [(day.strftime("%d %b"), count) for day, count in insights.days]
    first, last = insights.days[0][0], insights.days[-1][0]
    period = f"{first:%d %B} to {last:%d %B %Y}"
    over_time = column_chart(
        "chart-over-time",
        "Cancellations per day",
        f"Cancellations per day, {period}: {insights.cancellations} in all. "
        + in_words(days, "None."),
        days,
        headers=("Day", "Cancellations"),
    )
    by_reason = bar_chart(
        "chart-by-reason",
        "Cancellations by reason",
        f"Cancellations by reason, {period}. "
        + in_words(insights.by_reason, "No cancellations yet."),
        insights.by_reason,
        headers=("Reason", "Cancellations"),
    )
    causes = [(CAUSES.get(block, block.value), count) for block, count in insights.refused_by_cause]
    refused = bar_chart(
        "chart-refused",
        "Refused attempts by cause",
        f"Attempts the rules refused, {period}. " + in_words(causes, "None were refused."),
        causes,
        headers=("Cause", "Attempts"),
    )
    orders = "unknown" if insights.orders is None else str(insights.orders)
    notes = "".join(
        f'<li><p class="note__text">“{escape(note.text)}”</p>'
        f'<p class="note__meta">Order {escape(legacy_id(note.order_id))} · {escape(note.reason)}'
        f' · <time datetime="{note.at.isoformat()}">{note.at:%d %b %H:%M} UTC</time>'
        f"{'' if note.cancelled else ' · not cancelled'}</p></li>"
        for note in insights.notes
    )
    return f"""<s-section heading="Insights, last 30 days" id="insights">
<h2 class="fallback-heading" id="insights-heading">Insights, last 30 days</h2>
<dl class="figures">
  <div><dt>Cancellations</dt><dd data-figure="cancellations">{insights.cancellations}</dd></div>
  <div><dt>Orders</dt><dd data-figure="orders">{orders}</dd></div>
  <div><dt>Cancellation rate</dt><dd data-figure="rate">{_percent(insights)}</dd></div>
  <div><dt>Refused attempts</dt><dd data-figure="refused">{insights.refused}</dd></div>
</dl>
<figure class="chart-figure"><figcaption>Cancellations per day</figcaption>{over_time}</figure>
<div class="chart-pair">
  <figure class="chart-figure"><figcaption>By reason</figcaption>{by_reason}</figure>
  <figure class="chart-figure"><figcaption>Refused attempts by cause</figcaption>{refused}</figure>
</div>
<h3>What customers wrote</h3>
{f'<ol class="notes">{notes}</ol>' if notes else "<p>No notes yet.</p>"}
<p><a href="{_attr(csv_href)}" data-csv download="cancellations.csv">
Download all attempts (CSV)</a></p>
</s-section>"""


def home_page(
    *,
    api_key: str,
    shop: str,
    id_token: str,
    policy: ShopPolicy,
    insights: Insights,
    csv_href: str,
    warning: str | None = None,
) -> str:
    banner = f'<p class="banner" role="alert">{escape(warning)}</p>' if warning else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="shopify-api-key" content="{_attr(api_key)}">
<script src="{APP_BRIDGE}"></script>
<script src="{POLARIS}"></script>
<title>Cancel button</title>
<link rel="stylesheet" href="/admin/assets/admin.css">
<script src="/admin/assets/admin.js" defer></script>
</head>
<body>
<s-page heading="Cancel button">
<header class="fallback-heading"><h1>Cancel button</h1>
<p>{escape(shop)}.myshopify.com</p></header>
<nav class="jump" aria-label="On this page">
<a href="#rules">Rules</a> · <a href="#insights">Insights</a></nav>
{banner}
<main id="app" data-endpoint="/admin/graphql" data-id-token="{_attr(id_token)}">
{rules_form(policy)}
{insights_section(insights, policy, csv_href)}
</main>
</s-page>
</body>
</html>"""
