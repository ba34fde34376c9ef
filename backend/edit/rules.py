"""The merchant's rules for edits: each kind on or off, an optional window of their own."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class EditType(enum.StrEnum):
    ADDRESS = "ADDRESS"  # the shipping address, through orderUpdate
    VARIANT = "VARIANT"  # another variant of the same product, through an order edit
    QUANTITY = "QUANTITY"  # fewer or more of a line item, through an order edit


# The kinds this release makes: all of them.
MADE_BY_THE_APP: frozenset[EditType] = frozenset(EditType)


@dataclass(frozen=True, slots=True)
class EditRules:
    """Off by default: a merchant turns on each kind of edit they want to offer.

    Edits follow the cancel's cutoff, fulfilment, tag, payment and risk rules. Their window is
    the cancel's unless `own_window` is set; then `window_minutes` (None: no window).
    """

    address: bool = False
    variant: bool = False
    quantity: bool = False
    own_window: bool = False
    window_minutes: int | None = None
    # Whether a new address may be in another country (one the order's shipping zone covers).
    country_change: bool = False

    def allows(self, kind: EditType) -> bool:
        return {
            EditType.ADDRESS: self.address,
            EditType.VARIANT: self.variant,
            EditType.QUANTITY: self.quantity,
        }[kind]

    @property
    def any(self) -> bool:
        return self.address or self.variant or self.quantity
