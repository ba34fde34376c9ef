from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.cancellation import CancellationStatus as CancellationStatusEnum
from backend.cancellation import OrderView
from backend.policy import CancelBlock as CancelBlockEnum
from backend.policy import CancelReason
from backend.withdrawal.types import WithdrawalPeriod

if TYPE_CHECKING:
    from backend.graphql.context import Context

CancelBlock = strawberry.enum(
    CancelBlockEnum,
    name="CancelBlock",
    description="Why an order cannot be cancelled by its customer.",
)
CancellationStatus = strawberry.enum(
    CancellationStatusEnum,
    name="CancellationStatus",
    description="NONE: not cancelled; PENDING: Shopify is cancelling it; CANCELLED: done.",
)


@strawberry.type(description="A reason the merchant offers, with its label for the customer.")
class CancelReasonOption:
    code: str
    label: str


def localized_reasons(
    root: OrderCancellation, locale: str | None = None
) -> list[CancelReasonOption]:
    return [CancelReasonOption(code=r.code, label=r.label_for(locale)) for r in root.offered]


async def resolve_withdrawal(
    root: OrderCancellation, info: strawberry.Info[Context, None]
) -> WithdrawalPeriod:
    return WithdrawalPeriod.of(await info.context.withdrawal_periods.load(str(root.id)))


@strawberry.type(description="One of the viewer's orders and whether they may cancel it.")
class OrderCancellation:
    id: strawberry.ID = strawberry.field(description="The Shopify GID.")
    name: str
    cancellable: bool
    blocked_by: CancelBlockEnum | None = strawberry.field(
        description="Why not, when not cancellable."
    )
    deadline: datetime | None = strawberry.field(
        description="When self-cancel closes, where a window or cutoff applies."
    )
    status: CancellationStatusEnum
    offered: strawberry.Private[tuple[CancelReason, ...]]
    reasons: list[CancelReasonOption] = strawberry.field(
        resolver=localized_reasons,
        description="The merchant's reasons, in the merchant's order, labelled in `locale` "
        '("nl", "nl-BE") where the merchant translated them, else in the default language.',
    )
    withdrawal: WithdrawalPeriod = strawberry.field(
        resolver=resolve_withdrawal,
        description="Whether and until when the EU withdrawal function applies.",
    )

    @classmethod
    def from_view(cls, view: OrderView) -> OrderCancellation:
        return cls(
            id=strawberry.ID(view.order.id),
            name=view.order.name,
            cancellable=view.cancellable,
            blocked_by=view.blocked_by,
            deadline=view.decision.deadline,
            status=view.status,
            offered=view.reasons,
        )


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str = strawberry.field(description="One of the order's `reasons` codes.")
    note: str | None = None


@strawberry.type
class CancelOrderSuccess:
    order: OrderCancellation


@strawberry.type
class CancelOrderRefused:
    code: CancelBlockEnum
    message: str


CancelOrderResult = Annotated[
    CancelOrderSuccess | CancelOrderRefused, strawberry.union("CancelOrderResult")
]
