from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from backend.cancellation import CancellationStatus as CancellationStatusEnum
from backend.cancellation import OrderView
from backend.policy import CancelBlock as CancelBlockEnum
from backend.policy import CancelReason
from backend.store.base import RequestState as RequestStateEnum

CancelBlock = strawberry.enum(
    CancelBlockEnum,
    name="CancelBlock",
    description="Why an order cannot be cancelled by its customer.",
)
CancellationStatus = strawberry.enum(
    CancellationStatusEnum,
    name="CancellationStatus",
    description="NONE: not cancelled; PENDING: Shopify is cancelling it; CANCELLED: done; "
    "REQUESTED: the shop approves cancellations first, and the customer's request waits.",
)
RequestState = strawberry.enum(
    RequestStateEnum,
    name="CancelRequestState",
    description="REQUESTED: waiting for the shop; APPROVING/APPROVED: the shop said yes; "
    "DECLINED: the shop said no (see `message`); WITHDRAWN: the customer took it back.",
)


@strawberry.type(description="The customer's request to cancel, where the shop approves first.")
class CancelRequest:
    state: RequestStateEnum
    requested_at: datetime
    message: str | None = strawberry.field(description="The shop's words, when it declined.")


@strawberry.type(description="A reason the merchant offers, with its label for the customer.")
class CancelReasonOption:
    code: str
    label: str


def localized_reasons(
    root: OrderCancellation, locale: str | None = None
) -> list[CancelReasonOption]:
    return [CancelReasonOption(code=r.code, label=r.label_for(locale)) for r in root.offered]


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
    request: CancelRequest | None = strawberry.field(
        description="The customer's request to cancel, where the shop approves first."
    )
    offered: strawberry.Private[tuple[CancelReason, ...]]
    reasons: list[CancelReasonOption] = strawberry.field(
        resolver=localized_reasons,
        description="The merchant's reasons, in the merchant's order, labelled in `locale` "
        '("nl", "nl-BE") where the merchant translated them, else in the default language.',
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
            request=None
            if view.request is None
            else CancelRequest(
                state=view.request.state,
                requested_at=view.request.requested_at,
                message=view.request.message
                if view.request.state is RequestStateEnum.DECLINED
                else None,
            ),
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


@strawberry.type(description="The shop approves cancellations first: the request waits.")
class CancelOrderRequested:
    order: OrderCancellation
    requested_at: datetime


CancelOrderResult = Annotated[
    CancelOrderSuccess | CancelOrderRequested | CancelOrderRefused,
    strawberry.union("CancelOrderResult"),
]


@strawberry.input
class WithdrawCancelRequestInput:
    order_id: strawberry.ID


@strawberry.type
class WithdrawCancelRequestSuccess:
    order: OrderCancellation


WithdrawCancelRequestResult = Annotated[
    WithdrawCancelRequestSuccess | CancelOrderRefused,
    strawberry.union("WithdrawCancelRequestResult"),
]
