"""The guest's claim travels in one header; anything malformed is no claim at all."""

from __future__ import annotations

from backend.auth.session_token import guest_order
from backend.auth.viewer import GuestOrder


def test_guest_header_names_an_order_and_its_confirmation_number() -> None:
    assert guest_order("gid://shopify/Order/5001 XKZ3T9QPA") == GuestOrder(
        order_id="gid://shopify/Order/5001", confirmation_number="XKZ3T9QPA"
    )


def test_guest_header_accepts_a_plain_order_number() -> None:
    claim = guest_order("5001 ABC")
    assert claim is not None and claim.order_id == "gid://shopify/Order/5001"


def test_malformed_guest_headers_are_no_claim() -> None:
    for header in (None, "", "5001", "5001 A B", "abc XKZ", "5001 XK-Z", "5001 " + "A" * 40):
        assert guest_order(header) is None
