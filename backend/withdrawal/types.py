"""The withdrawal's part of the storefront schema: whether it is on offer, and the two steps.

`withdrawFromContract(input: {step: STATEMENT, ...})` checks the statement and answers with a
`WithdrawalReview` carrying `confirmation`; the same statement sent again with
`step: CONFIRM` and that `confirmation` ("confirm withdrawal") records it and answers with
`WithdrawalReceived`: the acknowledgement as the e-mail carries it, to show and download.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry

from backend.store.base import WithdrawalEffect as WithdrawalEffectEnum
from backend.store.base import WithdrawnItem
from backend.withdrawal.acknowledgement import reference
from backend.withdrawal.period import Period
from backend.withdrawal.withdrawing import Review, Withdrawn
from backend.withdrawal.withdrawing import WithdrawBlock as WithdrawBlockEnum

WithdrawBlock = strawberry.enum(
    WithdrawBlockEnum, name="WithdrawBlock", description="Why a withdrawal was not taken."
)
WithdrawalEffect = strawberry.enum(
    WithdrawalEffectEnum,
    name="WithdrawalEffect",
    description="CANCEL: not shipped, the order is cancelled and refunded in full; RETURN: "
    "shipped, a return request is opened; MANUAL: some items of an unshipped order, the shop "
    "adjusts the order.",
)


@strawberry.enum(description="The two steps of the withdrawal function.")
class WithdrawStep(enum.Enum):
    STATEMENT = "STATEMENT"
    CONFIRM = "CONFIRM"


@strawberry.type(description="Whether the EU withdrawal function is on offer for the order.")
class WithdrawalPeriod:
    available: bool
    until: datetime | None = strawberry.field(
        description="When the period ends; null while the order is not yet delivered."
    )

    @classmethod
    def of(cls, period: Period) -> WithdrawalPeriod:
        return cls(available=period.applies, until=period.until if period.applies else None)


@strawberry.input
class WithdrawLineItemInput:
    line_item_id: strawberry.ID
    quantity: int


@strawberry.input(description="The consumer's statement; the same in both steps.")
class WithdrawInput:
    step: WithdrawStep
    order_id: strawberry.ID
    name: str
    email: str = strawberry.field(description="Where the acknowledgement goes.")
    line_items: list[WithdrawLineItemInput] | None = strawberry.field(
        default=None, description="Which items; absent or empty: the whole order."
    )
    confirmation: str | None = strawberry.field(
        default=None, description="From the STATEMENT step's review; required to CONFIRM."
    )
    locale: str | None = strawberry.field(
        default=None, description='The acknowledgement\'s language ("nl", "de-AT"...).'
    )


@strawberry.type
class WithdrawnLineItem:
    line_item_id: strawberry.ID
    title: str
    quantity: int

    @classmethod
    def of(cls, item: WithdrawnItem) -> WithdrawnLineItem:
        return cls(
            line_item_id=strawberry.ID(item.line_item_id), title=item.title, quantity=item.quantity
        )


@strawberry.type(description="Step one's answer: the statement to confirm.")
class WithdrawalReview:
    order_id: strawberry.ID
    order_name: str
    name: str
    email: str
    line_items: list[WithdrawnLineItem]
    whole_order: bool
    effect: WithdrawalEffectEnum
    confirmation: str

    @classmethod
    def of(cls, review: Review) -> WithdrawalReview:
        return cls(
            order_id=strawberry.ID(review.order_id),
            order_name=review.order_name,
            name=review.name,
            email=review.email,
            line_items=[WithdrawnLineItem.of(i) for i in review.items],
            whole_order=not review.items,
            effect=review.effect,
            confirmation=review.confirmation,
        )


@strawberry.type(description="The withdrawal was received: the acknowledgement of receipt.")
class WithdrawalReceived:
    order_id: strawberry.ID
    order_name: str
    submitted_at: datetime
    effect: WithdrawalEffectEnum
    reference: str
    acknowledgement: str = strawberry.field(
        description="The acknowledgement's text, as e-mailed: to show and to download."
    )
    repeated: bool = strawberry.field(description="The order had been withdrawn from before.")

    @classmethod
    def of(cls, withdrawn: Withdrawn) -> WithdrawalReceived:
        record = withdrawn.record
        return cls(
            order_id=strawberry.ID(record.order_id),
            order_name=record.order_name,
            submitted_at=record.submitted_at,
            effect=record.effect,
            reference=reference(record.shop, record.order_name, record.submitted_at),
            acknowledgement=record.acknowledgement,
            repeated=withdrawn.repeated,
        )


@strawberry.type
class WithdrawRefused:
    code: WithdrawBlockEnum
    message: str


WithdrawResult = Annotated[
    WithdrawalReview | WithdrawalReceived | WithdrawRefused, strawberry.union("WithdrawResult")
]
