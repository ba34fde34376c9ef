"""Hostile values in well-formed requests: odd order ids, notes and reasons. Never a 500.

These go through devshop's App Proxy as Ada, who owns the cancellable order #1001.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import CANCEL_MUTATION, ORDER_QUERY, Stack
from tests.security.conftest import CANCELLABLE, Witness

LONG_COMBINING = "e" + "\u0301" * 10_000
RTL_OVERRIDE = "\u202egnirts desrever\u202c"
TEN_KB = "x" * 10 * 1024


def refused(code: str) -> Any:
    return {"__typename": "CancelOrderRefused", "code": code}


async def cancel(client: httpx.AsyncClient, **input: Any) -> dict[str, Any]:
    input = {"orderId": str(CANCELLABLE), "reason": "ORDERED_BY_MISTAKE", **input}
    response = await client.post(
        "/apps/cancel/graphql", json={"query": CANCEL_MUTATION, "variables": {"input": input}}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["cancelOrder"]
    return result


NOTES = {
    "10 KB": TEN_KB,
    "10,000 combining accents": LONG_COMBINING,
    "NUL bytes between 5,120 letters": "a\x00" * 5 * 1024,
    "RTL override then 10 KB": RTL_OVERRIDE + TEN_KB,
    "501 emoji": "\U0001f600" * 501,
}


@pytest.mark.parametrize("case", NOTES)
async def test_an_overlong_note_is_invalid_and_cancels_nothing(
    prod: Stack, witness: Witness, case: str
) -> None:
    async with prod.shopper() as ada:
        result = await cancel(ada, note=NOTES[case])
    assert {k: result[k] for k in ("__typename", "code")} == refused("INVALID_NOTE")
    await witness.nothing_changed()


async def test_control_characters_never_reach_the_staff_note(prod: Stack, witness: Witness) -> None:
    note = f"wrong size\x00\x07\x1b[31m {RTL_OVERRIDE}\r\nplease"
    async with prod.shopper() as ada:
        result = await cancel(ada, note=note)
    assert result["__typename"] == "CancelOrderSuccess"
    await witness.only_cancelled(CANCELLABLE)
    staff_note = prod.world.orders[CANCELLABLE].staff_note or ""
    assert "wrong size" in staff_note and "please" in staff_note
    assert not any(ch in staff_note for ch in "\x00\x07\x1b\r\u202e\u202c")


REASONS = {
    "not on the merchant's list": "FREE_MONEY",
    "Shopify's own enum value": "CUSTOMER",
    "lower case": "ordered_by_mistake",
    "padded": " ORDERED_BY_MISTAKE ",
    "empty": "",
    "a label instead of a code": "I ordered by mistake",
    "10 KB": TEN_KB,
    "10,000 combining accents": LONG_COMBINING,
    "NUL bytes": "ORDERED_BY_MISTAKE\x00",
    "RTL override": RTL_OVERRIDE,
    "SQL": "OTHER' OR '1'='1",
}


@pytest.mark.parametrize("case", REASONS)
async def test_a_reason_outside_the_merchants_list_is_invalid(
    prod: Stack, witness: Witness, case: str
) -> None:
    async with prod.shopper() as ada:
        result = await cancel(ada, reason=REASONS[case])
    assert result == {
        **refused("INVALID_REASON"),
        "message": "Please choose one of the reasons offered.",
    }
    await witness.nothing_changed()


ODD_IDS = {
    "21 digits": "9" * 21,
    "20 digits": "9" * 20,
    "300 digits": "9" * 300,
    "negative": f"-{CANCELLABLE}",
    "zero": "0",
    "leading zero": f"0{CANCELLABLE}",
    "float": f"{CANCELLABLE}.0",
    "exponent": "5.001e3",
    "hex": hex(CANCELLABLE),
    "full-width digits": "\uff15\uff10\uff10\uff11",
    "SQL": f"{CANCELLABLE} OR 1=1",
    "SQL comment": f"{CANCELLABLE}'; DROP TABLE attempts;--",
    "path traversal": f"../../{CANCELLABLE}",
    "GID path traversal": f"gid://shopify/Order/../Order/{CANCELLABLE}",
    "GID with a query": f"gid://shopify/Order/{CANCELLABLE}?x=1",
    "GID of a huge number": "gid://shopify/Order/" + "9" * 40,
    "NUL byte": f"{CANCELLABLE}\x00",
    "empty": "",
    "10 KB": TEN_KB,
}


@pytest.mark.parametrize("case", ODD_IDS)
async def test_an_odd_order_id_is_not_found(prod: Stack, witness: Witness, case: str) -> None:
    async with prod.shopper() as ada:
        read = await ada.post(
            "/apps/cancel/graphql", json={"query": ORDER_QUERY, "variables": {"id": ODD_IDS[case]}}
        )
        result = await cancel(ada, orderId=ODD_IDS[case])
    assert (read.status_code, read.json()) == (200, {"data": {"order": None}})
    assert {k: result[k] for k in ("__typename", "code")} == refused("NOT_FOUND")
    await witness.nothing_changed()
