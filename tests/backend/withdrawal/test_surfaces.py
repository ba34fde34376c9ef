"""The withdrawal on the storefront: the theme block's labels in five languages (the wording of
the sources README cites), its documents registered as trusted, and its two steps running with
only trusted documents allowed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import parse, validate

from backend.graphql.schema import build_schema
from backend.graphql.trusted_documents import UI_WITHDRAW_DOCUMENTS, WITHDRAW_BLOCK_DOCUMENTS
from tests.backend.withdrawal.flows import place, turn_on
from tests.conftest import graphql, running_stack

ROOT = Path(__file__).parents[3]
SCRIPT = ROOT / "extensions/cancel-button/assets/order-withdraw.js"
LOCALES = ROOT / "extensions/cancel-button/locales"
CORE = ROOT / "extensions/shared/withdraw-core.js"
EXPORT = re.compile(
    r"export const (?:WITHDRAWAL_QUERY|WITHDRAW_MUTATION) =\s*((?:'[^'\\]*'\s*\+?\s*)+);"
)
UI_EXTENSIONS = ("cancel-thank-you", "withdraw-order-action")
CONSTANT = re.compile(r"const (?:OFFERED|WITHDRAW) =\s*((?:'[^'\\]*'\s*\+?\s*)+);")
LITERAL = re.compile(r"'([^'\\]*)'")

# Article 11a's two labels in each language (README: "Labels used", with their sources).
LABELS = {
    "en": ("Withdraw from contract here", "Confirm withdrawal"),
    "nl": ("Overeenkomst hier herroepen", "Herroeping bevestigen"),
    "de": ("Vertrag widerrufen", "Widerruf bestätigen"),
    "fr": ("Renoncer au contrat ici", "Confirmer la rétractation"),
    "es": ("Desistir del contrato aquí", "Confirmar desistimiento"),
}


def locale(language: str) -> dict[str, object]:
    name = "en.default.json" if language == "en" else f"{language}.json"
    found: dict[str, object] = json.loads((LOCALES / name).read_text())["order_withdraw"]
    return found


@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_block_carries_both_labels_in_each_language(language: str) -> None:
    strings = locale(language)
    assert (strings["open"], strings["confirm"]) == LABELS[language]


@pytest.mark.parametrize("language", sorted(LABELS))
async def test_the_pages_show_the_label_in_each_language(tmp_path: Path, language: str) -> None:
    async with running_stack(tmp_path) as stack:
        await turn_on(stack)
        order = await place(stack)
        async with stack.shopper() as ada:
            bare = await ada.get(f"/account?locale={language}")
            account = await ada.get(f"/account?locale={language}&apps=order-cancel,order-withdraw")
    assert account.status_code == bare.status_code == 200
    assert "order-withdraw" not in bare.text  # only where the merchant added the block
    label, confirm = LABELS[language]
    html = account.text
    assert f'data-order="gid://shopify/Order/{order.id}"' in html
    assert label in html and confirm in html
    assert "order-withdraw.js" in html


def test_the_registry_holds_exactly_what_the_block_sends() -> None:
    found = ["".join(LITERAL.findall(m.group(1))) for m in CONSTANT.finditer(SCRIPT.read_text())]
    assert found == list(WITHDRAW_BLOCK_DOCUMENTS)
    schema = build_schema(production=True)._schema
    for document in WITHDRAW_BLOCK_DOCUMENTS:
        assert validate(schema, parse(document)) == []


@pytest.mark.parametrize("extension", UI_EXTENSIONS)
@pytest.mark.parametrize("language", sorted(LABELS))
def test_the_ui_extensions_carry_both_labels_in_each_language(
    extension: str, language: str
) -> None:
    name = "en.default.json" if language == "en" else f"{language}.json"
    words = json.loads((ROOT / "extensions" / extension / "locales" / name).read_text())
    assert (words["withdraw"]["open"], words["withdraw"]["confirm"]) == LABELS[language]


def test_the_registry_holds_exactly_what_the_ui_extensions_send() -> None:
    found = ["".join(LITERAL.findall(m.group(1))) for m in EXPORT.finditer(CORE.read_text())]
    assert found == list(UI_WITHDRAW_DOCUMENTS)
    schema = build_schema(production=True)._schema
    for document in UI_WITHDRAW_DOCUMENTS:
        assert validate(schema, parse(document)) == []


async def test_the_blocks_two_steps_run_with_only_trusted_documents(tmp_path: Path) -> None:
    offered, withdraw = WITHDRAW_BLOCK_DOCUMENTS
    async with running_stack(tmp_path, trusted_documents=True) as stack:
        await turn_on(stack)
        order = await place(stack)
        statement = {
            "orderId": f"gid://shopify/Order/{order.id}",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "locale": "nl",
        }
        async with stack.shopper() as ada:
            listed = (await graphql(ada, offered, {"ids": [statement["orderId"]]})).json()
            review = (
                await graphql(ada, withdraw, {"input": {**statement, "step": "STATEMENT"}})
            ).json()["data"]["withdrawFromContract"]
            received = (
                await graphql(
                    ada,
                    withdraw,
                    {
                        "input": {
                            **statement,
                            "step": "CONFIRM",
                            "confirmation": review["confirmation"],
                        }
                    },
                )
            ).json()["data"]["withdrawFromContract"]
    assert listed["data"]["orders"][0]["withdrawal"]["available"] is True
    assert received["__typename"] == "WithdrawalReceived"
    assert "Herroepen: de hele bestelling" in received["acknowledgement"]


async def test_the_thank_you_page_and_the_order_action_run_the_two_steps(tmp_path: Path) -> None:
    """The UI extensions' documents behind a session token: a guest on the thank-you page with
    the confirmation number, and a signed-in customer in the customer account."""
    from devshop.seed import DemoOrders
    from tests.backend.test_extensions_graphql import guest_proof, post, session_token

    query, withdraw = UI_WITHDRAW_DOCUMENTS
    async with running_stack(tmp_path, trusted_documents=True) as stack:
        await turn_on(stack)
        for order, token, guest in (
            (DemoOrders.CANCELLABLE, session_token(sub=None), guest_proof(DemoOrders.CANCELLABLE)),
            (DemoOrders.FULFILLED, session_token(), None),
        ):
            gid = f"gid://shopify/Order/{order}"
            shown = await post(stack, query, {"id": gid}, token, guest=guest)
            assert shown.json()["data"]["order"]["withdrawal"]["available"] is True
            statement = {"orderId": gid, "name": "Ada", "email": "ada@example.com"}
            review = await post(
                stack, withdraw, {"input": {**statement, "step": "STATEMENT"}}, token, guest=guest
            )
            confirmation = review.json()["data"]["withdrawFromContract"]["confirmation"]
            received = await post(
                stack,
                withdraw,
                {"input": {**statement, "step": "CONFIRM", "confirmation": confirmation}},
                token,
                guest=guest,
            )
            result = received.json()["data"]["withdrawFromContract"]
            assert result["__typename"] == "WithdrawalReceived", result
