"""A reason's label per language, and the staff note the merchant's format makes."""

from __future__ import annotations

import pytest

from backend.policy import CancelReason
from backend.shopify.gateway import staff_note

WRONG_SIZE = CancelReason("WRONG_SIZE", "Wrong size", (("nl", "Verkeerde maat"),))


@pytest.mark.parametrize(
    ("locale", "label"),
    [
        ("nl", "Verkeerde maat"),
        ("nl-BE", "Verkeerde maat"),
        ("NL", "Verkeerde maat"),
        ("de", "Wrong size"),
        (None, "Wrong size"),
    ],
)
def test_a_reason_speaks_the_customers_language_or_the_shops(
    locale: str | None, label: str
) -> None:
    assert WRONG_SIZE.label_for(locale) == label


def test_the_default_staff_note_reads_as_before() -> None:
    assert staff_note("Other reason", None) == "Cancelled by the customer: Other reason."
    assert staff_note("Other reason", "x") == 'Cancelled by the customer: Other reason. "x"'


def test_a_staff_note_format_is_filled_in_not_evaluated() -> None:
    note = staff_note("Wrong size", None, "{code}: {reason} {0.__class__} {note}", "WRONG_SIZE")
    assert note == "WRONG_SIZE: Wrong size {0.__class__}"
