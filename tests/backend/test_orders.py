from __future__ import annotations

import pytest

from backend.orders import customer_gid, legacy_id, order_gid, tag_set

# Inputs that are neither a positive decimal number nor a GID of the right resource.
MALFORMED = [
    pytest.param("", id="empty"),
    pytest.param("   ", id="only-whitespace"),
    pytest.param("0", id="zero"),
    pytest.param("-1", id="negative"),
    pytest.param("+1", id="explicit-plus-sign"),
    pytest.param("007", id="leading-zeros"),
    pytest.param("1.0", id="decimal-point"),
    pytest.param("1e3", id="exponent"),
    pytest.param("0x1F", id="hexadecimal"),
    pytest.param("12 34", id="whitespace-inside"),
    pytest.param("12\n34", id="newline-inside"),
    pytest.param("1" * 21, id="21-digits"),
    pytest.param("١٢٣", id="arabic-indic-digits"),
    pytest.param("１２３", id="fullwidth-digits"),
    pytest.param("123abc", id="trailing-letters"),
    pytest.param("gid://shopify/Product/1", id="product-gid"),
    pytest.param("gid://shopify/DraftOrder/1", id="draft-order-gid"),
    pytest.param("gid://shopify/Order/", id="gid-without-number"),
    pytest.param("gid://shopify/Order/0", id="gid-zero"),
    pytest.param("gid://shopify/Order/-1", id="gid-negative"),
    pytest.param("gid://shopify/Order/007", id="gid-leading-zeros"),
    pytest.param("gid://shopify/Order/1 2", id="gid-whitespace-inside"),
    pytest.param("gid://shopify/Order/" + "1" * 21, id="gid-21-digits"),
    pytest.param("gid://shopify/Order/١٢٣", id="gid-arabic-indic-digits"),
    pytest.param("gid://shopify/Order/1?x=1", id="gid-with-query"),
    pytest.param("gid://shopify/Order/1/2", id="gid-extra-segment"),
    pytest.param("GID://shopify/Order/1", id="gid-wrong-case-scheme"),
    pytest.param("gid://shopify/order/1", id="gid-wrong-case-type"),
    pytest.param("gid://other/Order/1", id="gid-other-namespace"),
    pytest.param("https://shop.example/orders/1", id="url"),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1", "gid://shopify/Order/1", id="smallest-number"),
        pytest.param("5012345678901", "gid://shopify/Order/5012345678901", id="number"),
        pytest.param("9" * 20, "gid://shopify/Order/" + "9" * 20, id="20-digit-number"),
        pytest.param(" 123\n", "gid://shopify/Order/123", id="number-with-outer-whitespace"),
        pytest.param("gid://shopify/Order/123", "gid://shopify/Order/123", id="order-gid"),
        pytest.param(" gid://shopify/Order/123 ", "gid://shopify/Order/123", id="gid-trimmed"),
    ],
)
def test_order_gid_accepts_numbers_and_order_gids(value: str, expected: str) -> None:
    assert order_gid(value) == expected


@pytest.mark.parametrize("value", MALFORMED)
def test_order_gid_rejects_anything_else(value: str) -> None:
    assert order_gid(value) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("gid://shopify/Customer/1", id="customer-gid"),
        pytest.param("gid://shopify/Customer/123", id="customer-gid-any-number"),
    ],
)
def test_order_gid_rejects_a_customer_gid(value: str) -> None:
    assert order_gid(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1", "gid://shopify/Customer/1", id="smallest-number"),
        pytest.param("7301234567", "gid://shopify/Customer/7301234567", id="number"),
        pytest.param(" 42 ", "gid://shopify/Customer/42", id="number-with-outer-whitespace"),
        pytest.param("gid://shopify/Customer/42", "gid://shopify/Customer/42", id="customer-gid"),
    ],
)
def test_customer_gid_accepts_numbers_and_customer_gids(value: str, expected: str) -> None:
    assert customer_gid(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        *MALFORMED,
        pytest.param(None, id="none-signed-out"),
        pytest.param("gid://shopify/Order/1", id="order-gid"),
        pytest.param("gid://shopify/CustomerAddress/1", id="customer-address-gid"),
    ],
)
def test_customer_gid_rejects_anything_else(value: str | None) -> None:
    assert customer_gid(value) is None


@pytest.mark.parametrize(
    ("gid", "expected"),
    [
        pytest.param("gid://shopify/Order/7", "7", id="order"),
        pytest.param("gid://shopify/Customer/5012345678901", "5012345678901", id="customer"),
    ],
)
def test_legacy_id_is_the_number_at_the_end_of_a_gid(gid: str, expected: str) -> None:
    assert legacy_id(gid) == expected


@pytest.mark.parametrize("number", ["1", "5012345678901", "9" * 20])
def test_legacy_id_undoes_order_gid_and_customer_gid(number: str) -> None:
    assert legacy_id(order_gid(number) or "") == number
    assert legacy_id(customer_gid(number) or "") == number


def test_tag_set_trims_folds_case_and_drops_blanks() -> None:
    assert tag_set([" Non-Cancellable ", "VIP", "vip", "", "  ", "Straße"]) == {
        "non-cancellable",
        "vip",
        "strasse",
    }
