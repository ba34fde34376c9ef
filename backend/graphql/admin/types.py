from __future__ import annotations

from typing import Annotated

import strawberry

from backend.admin.i18n import Speaker
from backend.admin.rules import FieldProblem, ReasonDraft, RulesDraft
from backend.policy import ApprovalMode as ApprovalModeEnum
from backend.policy import RefundMethod as RefundMethodEnum
from backend.policy import ShopPolicy

ApprovalMode = strawberry.enum(
    ApprovalModeEnum,
    name="ApprovalMode",
    description="OFF: customers cancel at once; ALL: every cancellation is a request the shop "
    "approves; ABOVE_TOTAL: only orders whose total is above `approvalAbove`.",
)
RefundMethod = strawberry.enum(
    RefundMethodEnum,
    name="RefundMethod",
    description="How a cancelled order's payment goes back to the customer.",
)


@strawberry.type(description="A reason's label in one language.")
class ReasonLabel:
    locale: str = strawberry.field(description='A language code: "nl", "pt-BR".')
    label: str


@strawberry.type(description="A reason customers may pick when they cancel.")
class Reason:
    code: str = strawberry.field(description="What insights and the staff note refer to.")
    label: str = strawberry.field(description="In the shop's default language.")
    translations: list[ReasonLabel]


@strawberry.type(description="The shop's cancellation rules.")
class Rules:
    enabled: bool
    window_minutes: int | None = strawberry.field(
        description="Minutes after the order is placed during which customers may cancel; "
        "null: no window."
    )
    cutoff: str | None = strawberry.field(
        description='Daily time ("HH:MM", shop time) after which the day\'s orders are being '
        "prepared; null: none."
    )
    excluded_product_tags: list[str]
    excluded_order_tags: list[str]
    allowed_financial_statuses: list[str]
    refund_method: RefundMethodEnum
    restock: bool
    notify_customer: bool
    hold_risky_orders: bool
    hold_fulfillment: bool = strawberry.field(
        description="Hold each order's fulfilment orders until self-cancel closes."
    )
    hold_own_locations_only: bool = strawberry.field(
        description="Hold only fulfilment orders at the merchant's own locations."
    )
    approval: ApprovalModeEnum = strawberry.field(
        description="Whether the shop approves cancellations first."
    )
    approval_above: str | None = strawberry.field(
        description="With ABOVE_TOTAL: the order total (shop currency) above which it does."
    )
    auto_approve_minutes: int | None = strawberry.field(
        description="Approve a request nobody answered after this many minutes; null: never."
    )
    reasons: list[Reason] = strawberry.field(description="In the order customers see them.")
    staff_note_format: str = strawberry.field(
        description="The note on a cancelled order; {reason}, {code} and {note} are filled in."
    )
    partial_cancel: bool = strawberry.field(
        default=False, description="Customers may cancel some of an order's items."
    )
    fee_percent: str = strawberry.field(
        default="0", description="Cancellation fee: percent of the refund."
    )
    fee_fixed: str = strawberry.field(
        default="0", description="Cancellation fee: fixed amount, shop currency."
    )
    fee_cap: str | None = strawberry.field(
        default=None, description="The fee's cap in the shop currency; null: none."
    )
    edit_address: bool = strawberry.field(
        default=False, description="Customers may change the shipping address themselves."
    )
    edit_variant: bool = strawberry.field(
        default=False, description="Customers may swap an item for another size or colour."
    )
    edit_quantity: bool = strawberry.field(
        default=False, description="Customers may change how many of an item they ordered."
    )
    edit_own_window: bool = strawberry.field(
        default=False, description="Edits have a window of their own instead of the cancel's."
    )
    edit_window_minutes: int | None = strawberry.field(
        default=None, description="The edits' own window in minutes; null: no window."
    )
    edit_country_change: bool = strawberry.field(
        default=False,
        description="A new address may be in another country of the order's shipping zone.",
    )

    @classmethod
    def from_policy(cls, policy: ShopPolicy) -> Rules:
        return cls(
            enabled=policy.enabled,
            window_minutes=policy.window_minutes,
            cutoff=None if policy.cutoff is None else policy.cutoff.strftime("%H:%M"),
            excluded_product_tags=sorted(policy.excluded_product_tags),
            excluded_order_tags=sorted(policy.excluded_order_tags),
            allowed_financial_statuses=sorted(policy.allowed_financial_statuses),
            refund_method=policy.refund_method,
            restock=policy.restock,
            notify_customer=policy.notify_customer,
            hold_risky_orders=policy.hold_risky_orders,
            hold_fulfillment=policy.hold_fulfillment,
            hold_own_locations_only=policy.hold_own_locations_only,
            approval=policy.approval,
            approval_above=None if policy.approval_above is None else str(policy.approval_above),
            auto_approve_minutes=policy.auto_approve_minutes,
            reasons=[
                Reason(
                    code=r.code,
                    label=r.label,
                    translations=[ReasonLabel(locale=lc, label=lb) for lc, lb in r.translations],
                )
                for r in policy.reasons
            ],
            staff_note_format=policy.staff_note_format,
            partial_cancel=policy.partial_cancel,
            fee_percent=str(policy.fee_percent),
            fee_fixed=str(policy.fee_fixed),
            fee_cap=None if policy.fee_cap is None else str(policy.fee_cap),
            edit_address=policy.edits.address,
            edit_variant=policy.edits.variant,
            edit_quantity=policy.edits.quantity,
            edit_own_window=policy.edits.own_window,
            edit_window_minutes=policy.edits.window_minutes,
            edit_country_change=policy.edits.country_change,
        )


@strawberry.input
class ReasonLabelInput:
    locale: str
    label: str


@strawberry.input
class ReasonInput:
    code: str
    label: str
    translations: list[ReasonLabelInput] = strawberry.field(default_factory=list)


@strawberry.input(description="The whole rule set; it replaces the saved one.")
class RulesInput:
    enabled: bool
    window_minutes: int | None
    cutoff: str | None
    excluded_product_tags: list[str]
    excluded_order_tags: list[str]
    allowed_financial_statuses: list[str]
    refund_method: RefundMethodEnum
    restock: bool
    notify_customer: bool
    reasons: list[ReasonInput]
    staff_note_format: str
    hold_risky_orders: bool = True
    hold_fulfillment: bool = False
    hold_own_locations_only: bool = False
    partial_cancel: bool = False
    fee_percent: str = ""
    fee_fixed: str = ""
    fee_cap: str = ""
    edit_address: bool = False
    edit_variant: bool = False
    edit_quantity: bool = False
    edit_own_window: bool = False
    edit_window_minutes: int | None = None
    edit_country_change: bool = False
    approval: ApprovalModeEnum = ApprovalModeEnum.OFF
    approval_above: str | None = None
    auto_approve_minutes: int | None = None

    def draft(self) -> RulesDraft:
        return RulesDraft(
            enabled=self.enabled,
            window_minutes=self.window_minutes,
            cutoff=self.cutoff,
            excluded_product_tags=self.excluded_product_tags,
            excluded_order_tags=self.excluded_order_tags,
            allowed_financial_statuses=self.allowed_financial_statuses,
            refund_method=self.refund_method,
            restock=self.restock,
            notify_customer=self.notify_customer,
            hold_risky_orders=self.hold_risky_orders,
            hold_fulfillment=self.hold_fulfillment,
            hold_own_locations_only=self.hold_own_locations_only,
            approval=self.approval,
            approval_above=self.approval_above,
            auto_approve_minutes=self.auto_approve_minutes,
            reasons=[
                ReasonDraft(r.code, r.label, [(t.locale, t.label) for t in r.translations])
                for r in self.reasons
            ],
            staff_note_format=self.staff_note_format,
            partial_cancel=self.partial_cancel,
            fee_percent=self.fee_percent,
            fee_fixed=self.fee_fixed,
            fee_cap=self.fee_cap,
            edit_address=self.edit_address,
            edit_variant=self.edit_variant,
            edit_quantity=self.edit_quantity,
            edit_own_window=self.edit_own_window,
            edit_window_minutes=self.edit_window_minutes,
            edit_country_change=self.edit_country_change,
        )


@strawberry.type(description="A problem with one input field.")
class FieldError:
    field: str = strawberry.field(
        description='The input field: "windowMinutes", "reasons[1].code".'
    )
    message: str

    @classmethod
    def from_problem(cls, problem: FieldProblem, speaker: Speaker | None = None) -> FieldError:
        message = problem.said_by(speaker) if speaker else problem.message
        return cls(field=problem.field, message=message)


@strawberry.type
class RulesSaved:
    rules: Rules
    theme_updated: bool = strawberry.field(
        description="Whether the theme block's copy (an app-data metafield) was updated too; "
        "the rules apply either way."
    )


@strawberry.type
class RulesInvalid:
    errors: list[FieldError]


SaveRulesResult = Annotated[RulesSaved | RulesInvalid, strawberry.union("SaveRulesResult")]
