"""The storefront's edit types: what an order offers, what the customer sends, a refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from backend.edit.address import Address
from backend.edit.address import FieldProblem as FieldProblemEnum
from backend.edit.editing import EditBlock as EditBlockEnum
from backend.edit.editing import EditRefused, most_of
from backend.edit.rules import EditType as EditTypeEnum
from backend.graphql.errors import shopify_errors

EditType = strawberry.enum(
    EditTypeEnum, name="EditType", description="A kind of change the customer can make."
)
EditBlock = strawberry.enum(EditBlockEnum, name="EditBlock", description="Why an edit was refused.")
FieldProblem = strawberry.enum(
    FieldProblemEnum, name="FieldProblem", description="What is wrong with one address field."
)


@strawberry.type(description="Another size or colour of an item, with its price.")
class VariantChoice:
    id: strawberry.ID = strawberry.field(description="The ProductVariant GID.")
    title: str
    price: str = strawberry.field(description="In the shop's currency.")
    in_stock: bool = strawberry.field(description="Enough in stock for the item's quantity.")


@strawberry.type(description="A line item as a quantity or variant change offers it.")
class EditableItem:
    id: strawberry.ID = strawberry.field(description="The LineItem GID.")
    title: str
    quantity: int
    unit_price: str = strawberry.field(description="In the shop's currency.")
    currency_code: str
    max_quantity: int = strawberry.field(description="The most that may be asked for.")
    variant_id: strawberry.ID | None
    variant_title: str | None
    variants: list[VariantChoice] = strawberry.field(
        description="The product's other variants (empty unless the shop offers the change)."
    )


async def editable_items(root: EditOptions, info: strawberry.Info[Any, None]) -> list[EditableItem]:
    offered = {EditTypeEnum.QUANTITY, EditTypeEnum.VARIANT} & set(root.types)
    if not offered:
        return []
    context = info.context
    with shopify_errors():
        items, currency = await context.edits.items(context.viewer, root.order_id)
    return [
        EditableItem(
            id=strawberry.ID(item.id),
            title=item.title,
            quantity=item.quantity,
            unit_price=f"{item.unit_price:f}",
            currency_code=currency,
            max_quantity=most_of(item) if EditTypeEnum.QUANTITY in offered else item.quantity,
            variant_id=None if item.variant_id is None else strawberry.ID(item.variant_id),
            variant_title=item.variant_title,
            variants=[
                VariantChoice(
                    id=strawberry.ID(option.id),
                    title=option.title,
                    price=f"{option.price:f}",
                    in_stock=option.has(item.quantity),
                )
                for option in item.options
                if option.id != item.variant_id
            ]
            if EditTypeEnum.VARIANT in offered
            else [],
        )
        for item in items
    ]


@strawberry.type(description="The changes the customer may make instead of cancelling.")
class EditOptions:
    types: list[EditTypeEnum] = strawberry.field(
        description="What may be changed now; empty when nothing may."
    )
    blocked_by: EditBlockEnum | None = strawberry.field(
        description="Why nothing may be changed, when `types` is empty."
    )
    deadline: datetime | None = strawberry.field(
        description="When editing closes, where a window or cutoff applies."
    )
    country_change: bool = strawberry.field(
        description="Whether a new address may be in another country the order's zone covers."
    )
    order_id: strawberry.Private[str]
    items: list[EditableItem] = strawberry.field(
        resolver=editable_items,
        description="The items whose quantity may change, with their prices (one Shopify read: "
        "ask for it when the customer opens the quantity form).",
    )


@strawberry.input(description="A shipping address; names as in Shopify's MailingAddressInput.")
class AddressInput:
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code: str | None = strawberry.field(default=None, description='"NL", "BE"...')
    phone: str | None = None

    def to_address(self) -> Address:
        return Address(
            first_name=self.first_name,
            last_name=self.last_name,
            company=self.company,
            address1=self.address1,
            address2=self.address2,
            city=self.city,
            province_code=self.province_code,
            zip=self.zip,
            country_code=self.country_code,
            phone=self.phone,
        )


@strawberry.input(description="A new quantity for one line item of the order.")
class QuantityChangeInput:
    line_item_id: strawberry.ID = strawberry.field(description="The LineItem's GID or number.")
    quantity: int = strawberry.field(description="The new quantity, at least 1.")


@strawberry.input(description="Another size or colour for one line item of the order.")
class VariantChangeInput:
    line_item_id: strawberry.ID = strawberry.field(description="The LineItem's GID or number.")
    variant_id: strawberry.ID = strawberry.field(
        description="Another ProductVariant of the same product (GID or number)."
    )


@strawberry.type(description="What an edit did to the order's total.")
class EditDifference:
    amount: str = strawberry.field(
        description="In the shop's currency: positive, the customer owes it; negative, it is "
        "refunded to them."
    )
    currency_code: str
    payment_url: str | None = strawberry.field(
        description="Shopify's link to pay what is owed, when something is."
    )


@strawberry.input(description="One change to one order: give exactly one of the changes.")
class EditOrderInput:
    order_id: strawberry.ID
    reason: str | None = strawberry.field(
        default=None,
        description="The cancel reason the customer chose before changing instead, if any.",
    )
    address: AddressInput | None = strawberry.field(
        default=None, description="A new shipping address for the order."
    )
    quantity: QuantityChangeInput | None = strawberry.field(
        default=None, description="A new quantity for one of the order's items."
    )
    variant: VariantChangeInput | None = strawberry.field(
        default=None, description="Another size or colour for one of the order's items."
    )


@strawberry.type(description="What is wrong with one field of the input.")
class EditFieldError:
    field: str = strawberry.field(description='The input field: "zip", "countryCode"...')
    problem: FieldProblemEnum
    message: str


@strawberry.type
class EditOrderRefused:
    code: EditBlockEnum
    message: str
    field_errors: list[EditFieldError]

    @classmethod
    def of(cls, refused: EditRefused) -> EditOrderRefused:
        return cls(
            code=refused.code,
            message=refused.message,
            field_errors=[
                EditFieldError(field=e.field, problem=e.problem, message=e.message)
                for e in refused.field_errors
            ],
        )
