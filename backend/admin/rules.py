"""The merchant's rules as the admin form sends them: checked field by field, then a `ShopPolicy`.

`parse_rules` is pure. Every problem is reported at once, each with the field it belongs to
(`windowMinutes`, `reasons[2].code`), so the form can put the message next to the control. A
message is an English msgid and its values, so App Home can say it in the merchant's language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.admin.i18n import N_, Speaker
from backend.edit.rules import EditRules
from backend.orders import tag_set
from backend.policy import ApprovalMode, CancelReason, RefundMethod, ShopPolicy

MAX_WINDOW_MINUTES = 43_200  # 30 days
MAX_TAG_LENGTH = 40
MAX_TAGS = 50
MAX_REASONS = 20
MAX_LABEL_LENGTH = 80
MAX_STAFF_NOTE_FORMAT = 255  # Shopify's limit on orderCancel's staffNote
MAX_FEE_PERCENT = Decimal("100")
MAX_FEE_AMOUNT = Decimal("100000")
MAX_AUTO_APPROVE_MINUTES = 43_200  # 30 days
MAX_APPROVAL_TOTAL = Decimal("1000000000")
# Shopify's OrderDisplayFinancialStatus, 2026-10.
FINANCIAL_STATUSES = (
    "AUTHORIZED",
    "PAID",
    "PARTIALLY_PAID",
    "PARTIALLY_REFUNDED",
    "PENDING",
    "REFUNDED",
    "VOIDED",
    "EXPIRED",
)
STAFF_NOTE_PLACEHOLDERS = frozenset({"reason", "code", "note"})

_CUTOFF = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
APPROVAL_LABELS = {
    ApprovalMode.OFF: N_("No: customers cancel at once"),
    ApprovalMode.ALL: N_("Yes, every cancellation"),
    ApprovalMode.ABOVE_TOTAL: N_("Only orders above a total"),
}

_CODE = re.compile(r"[A-Z0-9_]{1,40}")
_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    template: str  # an English msgid, with %(name)s for each of `values`
    values: Mapping[str, object] | None = None

    @property
    def message(self) -> str:
        return self.template % (self.values or {})

    def said_by(self, speaker: Speaker) -> str:
        return speaker.gettext(self.template) % (self.values or {})


@dataclass(frozen=True, slots=True)
class ReasonDraft:
    code: str
    label: str
    translations: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True, slots=True)
class RulesDraft:
    """What the form sends, unchecked."""

    enabled: bool
    window_minutes: int | None
    cutoff: str | None
    excluded_product_tags: Sequence[str]
    excluded_order_tags: Sequence[str]
    allowed_financial_statuses: Sequence[str]
    refund_method: RefundMethod
    restock: bool
    notify_customer: bool
    hold_risky_orders: bool
    reasons: Sequence[ReasonDraft]
    staff_note_format: str
    hold_fulfillment: bool = False
    hold_own_locations_only: bool = False
    partial_cancel: bool = False
    # Amounts as typed ("5", "0.30"); empty: none.
    fee_percent: str = ""
    fee_fixed: str = ""
    fee_cap: str = ""

    # Issue 13: edits instead of cancelling.
    edit_address: bool = False
    edit_variant: bool = False
    edit_quantity: bool = False
    edit_own_window: bool = False
    edit_window_minutes: int | None = None
    edit_country_change: bool = False

    # Issue 14: approve cancellations first.
    approval: ApprovalMode = ApprovalMode.OFF
    approval_above: str | None = None  # a decimal amount in the shop's currency
    auto_approve_minutes: int | None = None


def _amount(
    name: str, raw: str, problems: list[FieldProblem], *, most: Decimal | None = None
) -> Decimal | None:
    """A non-negative decimal with at most 3 decimals (KWD), at most `most`; None for empty."""
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    limit = MAX_FEE_AMOUNT if most is None else most
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    exponent = amount.as_tuple().exponent
    if (
        not amount.is_finite()
        or not isinstance(exponent, int)
        or exponent < -3
        or not 0 <= amount <= limit
    ):
        problems.append(
            FieldProblem(
                name,
                N_("Enter an amount from 0 to %(limit)s, with at most 3 decimals."),
                {"limit": limit},
            )
        )
        return None
    return amount


def _approval_above(draft: RulesDraft, problems: list[FieldProblem]) -> Decimal | None:
    raw = (draft.approval_above or "").strip().replace(",", ".")
    if not raw:
        if draft.approval is ApprovalMode.ABOVE_TOTAL:
            problems.append(
                FieldProblem("approvalAbove", N_("Enter the order total above which you approve."))
            )
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or not 0 <= amount < MAX_APPROVAL_TOTAL or amount != round(amount, 2):
        problems.append(FieldProblem("approvalAbove", N_("Enter an amount such as 150 or 99.95.")))
        return None
    return amount


def _tags(name: str, values: Sequence[str], problems: list[FieldProblem]) -> frozenset[str]:
    tags = tag_set(values)
    if len(tags) > MAX_TAGS:
        problems.append(FieldProblem(name, N_("Use at most %(count)s tags."), {"count": MAX_TAGS}))
    for tag in sorted(tags):
        if len(tag) > MAX_TAG_LENGTH:
            problems.append(
                FieldProblem(
                    name,
                    N_('"%(tag)s…" is longer than %(limit)s characters.'),
                    {"tag": tag[:20], "limit": MAX_TAG_LENGTH},
                )
            )
            break
    return tags


def _cutoff(raw: str | None, problems: list[FieldProblem]) -> time | None:
    if raw is None or not raw.strip():
        return None
    match = _CUTOFF.fullmatch(raw.strip())
    if match is None:
        problems.append(FieldProblem("cutoff", N_("Enter the cutoff as HH:MM, e.g. 14:30.")))
        return None
    return time(int(match[1]), int(match[2]))


def _label(name: str, label: str, problems: list[FieldProblem]) -> str:
    label = label.strip()
    if not 1 <= len(label) <= MAX_LABEL_LENGTH:
        problems.append(
            FieldProblem(
                name,
                N_("Enter a label of 1 to %(limit)s characters."),
                {"limit": MAX_LABEL_LENGTH},
            )
        )
    return label


def _reasons(drafts: Sequence[ReasonDraft], problems: list[FieldProblem]) -> list[CancelReason]:
    if not drafts:
        problems.append(FieldProblem("reasons", N_("Offer at least one reason.")))
    elif len(drafts) > MAX_REASONS:
        problems.append(
            FieldProblem("reasons", N_("Offer at most %(count)s reasons."), {"count": MAX_REASONS})
        )
    reasons = []
    seen: set[str] = set()
    for index, draft in enumerate(drafts):
        where = f"reasons[{index}]"
        code = draft.code.strip()
        if not _CODE.fullmatch(code):
            problems.append(
                FieldProblem(
                    f"{where}.code",
                    N_("Use 1 to 40 capital letters, digits or underscores, e.g. WRONG_SIZE."),
                )
            )
        elif code in seen:
            problems.append(
                FieldProblem(f"{where}.code", N_("%(code)s is already used above."), {"code": code})
            )
        seen.add(code)
        label = _label(f"{where}.label", draft.label, problems)
        translations: dict[str, str] = {}
        for position, (locale, text) in enumerate(draft.translations):
            locale = locale.strip()
            if not _LOCALE.fullmatch(locale):
                problems.append(
                    FieldProblem(
                        f"{where}.translations[{position}].locale",
                        N_('"%(locale)s" is not a language code such as nl or pt-BR.'),
                        {"locale": locale[:10]},
                    )
                )
            elif locale.lower() in translations:
                problems.append(
                    FieldProblem(
                        f"{where}.translations[{position}].locale",
                        N_("%(locale)s has two labels."),
                        {"locale": locale},
                    )
                )
            translations[locale.lower()] = _label(
                f"{where}.translations[{position}].label", text, problems
            )
        reasons.append(CancelReason(code, label, tuple(translations.items())))
    return reasons


def _staff_note_format(raw: str, problems: list[FieldProblem]) -> str:
    text = raw.strip()
    if not text:
        problems.append(
            FieldProblem("staffNoteFormat", N_("Enter the note staff see on the order."))
        )
    elif len(text) > MAX_STAFF_NOTE_FORMAT:
        problems.append(
            FieldProblem(
                "staffNoteFormat",
                N_("Use at most %(limit)s characters."),
                {"limit": MAX_STAFF_NOTE_FORMAT},
            )
        )
    unknown = sorted(set(_PLACEHOLDER.findall(text)) - STAFF_NOTE_PLACEHOLDERS)
    if unknown:
        problems.append(
            FieldProblem(
                "staffNoteFormat",
                N_("Unknown placeholder {%(name)s}: use {reason}, {code} or {note}."),
                {"name": unknown[0]},
            )
        )
    return text


def parse_rules(draft: RulesDraft) -> ShopPolicy | list[FieldProblem]:
    """The policy the draft describes, or every problem with it."""
    problems: list[FieldProblem] = []
    window = draft.window_minutes
    if window is not None and not 1 <= window <= MAX_WINDOW_MINUTES:
        problems.append(
            FieldProblem(
                "windowMinutes",
                N_(
                    "Enter a window of 1 to %(limit)s minutes (30 days), "
                    "or leave it empty for no window."
                ),
                {"limit": MAX_WINDOW_MINUTES},
            )
        )
    cutoff = _cutoff(draft.cutoff, problems)
    product_tags = _tags("excludedProductTags", draft.excluded_product_tags, problems)
    order_tags = _tags("excludedOrderTags", draft.excluded_order_tags, problems)
    statuses = frozenset(draft.allowed_financial_statuses)
    unknown = sorted(statuses - set(FINANCIAL_STATUSES))
    if unknown:
        problems.append(
            FieldProblem(
                "allowedFinancialStatuses",
                N_("%(status)s is not a Shopify payment status; choose from %(choices)s."),
                {"status": unknown[0], "choices": ", ".join(FINANCIAL_STATUSES)},
            )
        )
    elif not statuses:
        problems.append(
            FieldProblem("allowedFinancialStatuses", N_("Choose at least one payment status."))
        )
    edit_window = draft.edit_window_minutes if draft.edit_own_window else None
    if edit_window is not None and not 1 <= edit_window <= MAX_WINDOW_MINUTES:
        problems.append(
            FieldProblem(
                "editWindowMinutes",
                N_(
                    "Enter a window of 1 to %(limit)s minutes (30 days), "
                    "or leave it empty for no window."
                ),
                {"limit": MAX_WINDOW_MINUTES},
            )
        )
    reasons = _reasons(draft.reasons, problems)
    staff_note_format = _staff_note_format(draft.staff_note_format, problems)
    fee_percent = _amount("feePercent", draft.fee_percent, problems, most=MAX_FEE_PERCENT)
    fee_fixed = _amount("feeFixed", draft.fee_fixed, problems)
    fee_cap = _amount("feeCap", draft.fee_cap, problems)
    approval_above = _approval_above(draft, problems)
    auto = draft.auto_approve_minutes
    if auto is not None and not 1 <= auto <= MAX_AUTO_APPROVE_MINUTES:
        problems.append(
            FieldProblem(
                "autoApproveMinutes",
                N_("Enter 1 to %(limit)s minutes, or leave it empty to always answer yourself."),
                {"limit": MAX_AUTO_APPROVE_MINUTES},
            )
        )
    if problems:
        return problems
    return ShopPolicy(
        enabled=draft.enabled,
        window_minutes=window,
        cutoff=cutoff,
        excluded_product_tags=product_tags,
        excluded_order_tags=order_tags,
        allowed_financial_statuses=statuses,
        hold_risky_orders=draft.hold_risky_orders,
        refund_method=draft.refund_method,
        restock=draft.restock,
        notify_customer=draft.notify_customer,
        reasons=tuple(reasons),
        staff_note_format=staff_note_format,
        hold_fulfillment=draft.hold_fulfillment,
        hold_own_locations_only=draft.hold_own_locations_only,
        partial_cancel=draft.partial_cancel,
        fee_percent=fee_percent or Decimal("0"),
        fee_fixed=fee_fixed or Decimal("0"),
        fee_cap=fee_cap,
        edits=EditRules(
            address=draft.edit_address,
            variant=draft.edit_variant,
            quantity=draft.edit_quantity,
            own_window=draft.edit_own_window,
            window_minutes=edit_window,
            country_change=draft.edit_country_change,
        ),
        approval=draft.approval,
        approval_above=approval_above,
        auto_approve_minutes=auto,
    )


def theme_rules(policy: ShopPolicy) -> dict[str, Any]:
    """The rules the theme block's Liquid reads from `app.metafields.cancel_button.rules`.

    Enough to hide the button and show a deadline without a request; nothing the storefront
    should not see (the staff note format stays with us).
    """
    return {
        "enabled": policy.enabled,
        "window_minutes": policy.window_minutes,
        "cutoff": None if policy.cutoff is None else policy.cutoff.strftime("%H:%M"),
        "excluded_product_tags": sorted(policy.excluded_product_tags),
        "excluded_order_tags": sorted(policy.excluded_order_tags),
        "allowed_financial_statuses": sorted(policy.allowed_financial_statuses),
        "refund_method": policy.refund_method.value,
        "reasons": [reason.code for reason in policy.reasons],
        "partial_cancel": policy.partial_cancel,
    }
