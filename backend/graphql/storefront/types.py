from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from backend.buy_again import ATTRIBUTE
from backend.cancellation import CancellationStatus as CancellationStatusEnum
from backend.cancellation import OrderView
from backend.edit.editing import EditBlock
from backend.edit.types import EditOptions
from backend.fees import FeeQuote
from backend.fees import FeeWaiver as FeeWaiverEnum
from backend.money import as_text
from backend.partial.cancelling import ItemsView, line_gid, preview
from backend.policy import CancelBlock as CancelBlockEnum
from backend.policy import CancelReason
from backend.store.base import RequestState as RequestStateEnum
from backend.withdrawal.types import WithdrawalPeriod

if TYPE_CHECKING:
    from backend.graphql.context import Context

FeeWaiver = strawberry.enum(
    FeeWaiverEnum,
    name="FeeWaiver",
    description="Why no cancellation fee applies: EU_EEA (free withdrawal there), "
    "NOT_CAPTURED (the payment was only authorised).",
)

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


@strawberry.type(description="An amount in the customer's (presentment) currency.")
class MoneyAmount:
    amount: str = strawberry.field(description="In the currency's minor unit: 47.45, 400, 1.235.")
    currency_code: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> MoneyAmount:
        return cls(amount=as_text(amount, currency), currency_code=currency)


@strawberry.type(description="What a cancel gives back and what the shop keeps, before confirming.")
class RefundPreview:
    refund: MoneyAmount = strawberry.field(description="What the customer gets back.")
    fee: MoneyAmount = strawberry.field(description="The cancellation fee the shop keeps.")
    total: MoneyAmount = strawberry.field(description="What the cancelled items cost.")
    fee_waived: FeeWaiverEnum | None = strawberry.field(
        description="Why no fee applies, where the shop has one."
    )

    @classmethod
    def of(cls, shown: FeeQuote) -> RefundPreview:
        currency = shown.presentment_currency
        return cls(
            refund=MoneyAmount.of(shown.refund.presentment, currency),
            fee=MoneyAmount.of(shown.fee.presentment, currency),
            total=MoneyAmount.of(shown.refundable.presentment, currency),
            fee_waived=shown.waived,
        )


@strawberry.type(description="One item of the order, and how many of it may be cancelled.")
class OrderLineItem:
    id: strawberry.ID
    title: str
    quantity: int = strawberry.field(description="How many are left on the order.")
    cancellable_quantity: int
    blocked_by: CancelBlockEnum | None = strawberry.field(
        description="Why some or all of it cannot be cancelled (EXCLUDED_PRODUCT, "
        "FULFILLMENT_STARTED)."
    )
    unit_price: MoneyAmount
    available: bool = strawberry.field(description="Whether it is still for sale (Buy again).")


@strawberry.input
class LineItemQuantityInput:
    line_item_id: strawberry.ID
    quantity: int


def _items(root: OrderCancellation, info: strawberry.Info[Context, None]) -> Awaitable[Any]:
    """The order's lines, read fresh once per request however many fields ask."""
    if "items" not in root.cache:
        context = info.context
        root.cache["items"] = asyncio.ensure_future(
            context.partial.items(context.viewer, str(root.id))
        )
    found: Awaitable[Any] = root.cache["items"]
    return found


async def resolve_line_items(
    root: OrderCancellation, info: strawberry.Info[Context, None]
) -> list[OrderLineItem]:
    view: ItemsView | None = await _items(root, info)
    if view is None:
        return []
    currency = view.read.presentment_currency
    return [
        OrderLineItem(
            id=strawberry.ID(choice.line.id),
            title=choice.line.title,
            quantity=choice.line.quantity,
            cancellable_quantity=choice.cancellable if view.decision.cancellable else 0,
            blocked_by=choice.blocked_by if view.decision.cancellable else view.decision.blocked_by,
            unit_price=MoneyAmount.of(choice.line.unit_price.presentment, currency),
            available=choice.line.available,
        )
        for choice in view.lines
    ]


async def resolve_refund(
    root: OrderCancellation, info: strawberry.Info[Context, None]
) -> RefundPreview | None:
    view: ItemsView | None = await _items(root, info)
    return None if view is None else RefundPreview.of(view.whole)


async def resolve_preview(
    root: OrderCancellation,
    info: strawberry.Info[Context, None],
    line_items: list[LineItemQuantityInput],
) -> RefundPreview | None:
    """The refund and fee for cancelling just these items (one Admin read)."""
    chosen = [(line_gid(str(i.line_item_id)), i.quantity) for i in line_items]
    wanted = [(line, quantity) for line, quantity in chosen if line and quantity > 0]
    if not wanted:
        return None
    context = info.context
    view = await context.partial.items(context.viewer, str(root.id), wanted)
    if view is None:
        return None
    return RefundPreview.of(preview(view.policy, view.read, view.read.suggested))


async def resolve_buy_again_url(
    root: OrderCancellation, info: strawberry.Info[Context, None]
) -> str | None:
    """A cart permalink on the shop's storefront with the order's items still for sale; only
    for cancelled and fulfilled orders. Relative: the storefront's own domain goes first."""
    view: ItemsView | None = await _items(root, info)
    if view is None or not _buy_again_offered(view):
        return None
    items = [
        f"{line.variant_id.rsplit('/', 1)[-1]}:{max(line.ordered, 1)}"
        for line in _ordered_lines(view)
        if line.available and line.variant_id
    ]
    if not items:
        return None
    number = str(root.id).rsplit("/", 1)[-1]
    return f"/cart/{','.join(items)}?storefront=true&attributes[{ATTRIBUTE}]={number}"


async def resolve_buy_again_unavailable(
    root: OrderCancellation, info: strawberry.Info[Context, None]
) -> list[str]:
    view: ItemsView | None = await _items(root, info)
    if view is None or not _buy_again_offered(view):
        return []
    return [line.title for line in _ordered_lines(view) if not line.available]


def _buy_again_offered(view: ItemsView) -> bool:
    order = view.read.order
    return order.cancelled_at is not None or order.fulfillment_status == "FULFILLED"


def _ordered_lines(view: ItemsView) -> list[Any]:
    # A cancelled order has nothing left on it: buy again what was ordered.
    return [line for line in view.read.lines if line.ordered > 0]


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
    request: CancelRequest | None = strawberry.field(
        description="The customer's request to cancel, where the shop approves first."
    )
    offered: strawberry.Private[tuple[CancelReason, ...]]
    reasons: list[CancelReasonOption] = strawberry.field(
        resolver=localized_reasons,
        description="The merchant's reasons, in the merchant's order, labelled in `locale` "
        '("nl", "nl-BE") where the merchant translated them, else in the default language.',
    )
    partial_cancel: bool = strawberry.field(
        description="Whether the shop lets customers cancel some items (`lineItems`)."
    )
    cache: strawberry.Private[dict[str, Any]]
    line_items: list[OrderLineItem] = strawberry.field(
        resolver=resolve_line_items,
        description="The order's items and how many of each may be cancelled (read fresh).",
    )
    refund: RefundPreview | None = strawberry.field(
        resolver=resolve_refund,
        description="What cancelling the whole order gives back, and the fee kept.",
    )
    preview: RefundPreview | None = strawberry.field(
        resolver=resolve_preview,
        description="What cancelling just these items gives back, and the fee kept.",
    )
    buy_again_url: str | None = strawberry.field(
        resolver=resolve_buy_again_url,
        description="On cancelled and fulfilled orders: a cart link (relative to the "
        "storefront) with the order's items still for sale.",
    )
    buy_again_unavailable: list[str] = strawberry.field(
        resolver=resolve_buy_again_unavailable,
        description="The items of the order no longer for sale, by name.",
    )

    edit_options: EditOptions = strawberry.field(
        description="What the customer may change instead of cancelling."
    )
    withdrawal: WithdrawalPeriod = strawberry.field(
        resolver=resolve_withdrawal,
        description="Whether and until when the EU withdrawal function applies.",
    )

    @classmethod
    def from_view(cls, view: OrderView) -> OrderCancellation:
        edit = view.edit_decision
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
            partial_cancel=view.partial_cancel,
            cache={},
            edit_options=EditOptions(
                types=list(view.edit_kinds),
                blocked_by=(
                    EditBlock(edit.blocked_by.value)
                    if edit is not None and edit.blocked_by and not view.edit_kinds
                    else None
                ),
                deadline=None if edit is None else edit.deadline,
                country_change=view.country_change,
                order_id=view.order.id,
            ),
        )


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: str = strawberry.field(description="One of the order's `reasons` codes.")
    note: str | None = None
    line_items: list[LineItemQuantityInput] | None = strawberry.field(
        default=None,
        description="Cancel only these items (absent: the whole order). Everything left on "
        "the order is the whole cancel.",
    )


@strawberry.type
class CancelOrderSuccess:
    order: OrderCancellation
    refunded: MoneyAmount | None = strawberry.field(
        default=None, description="A partial cancel: what went back to the customer."
    )
    fee: MoneyAmount | None = strawberry.field(
        default=None, description="A partial cancel: the fee the shop kept."
    )


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
