"""App Home's Withdrawals screen (issue 15): the rule, the withdrawals received, the alert for
acknowledgements not delivered with "send again", each acknowledgement as a download."""

from __future__ import annotations

import re
from pathlib import Path

from backend.admin.screens import SCREENS
from backend.mail.outbox import MAIL_ATTEMPTS
from backend.store.base import MailState
from devshop.mailbox import Mailbox
from tests.backend.admin.conftest import admin_graphql, id_token
from tests.backend.admin.test_screens import open_screen
from tests.backend.withdrawal.flows import SHOP, both_steps, place, turn_on
from tests.conftest import Stack, running_stack

WITHDRAWALS = next(screen for screen in SCREENS if screen.name == "withdrawals")
SAVE_RULE = """
mutation R($enabled: Boolean!, $countries: [String!]!) {
  saveWithdrawalRule(enabled: $enabled, countries: $countries) {
    __typename
    ... on WithdrawalRuleSaved { enabled countries }
    ... on WithdrawalRuleInvalid { message }
  }
}
"""
AGAIN = "mutation A($orderId: ID!) { sendAcknowledgementAgain(orderId: $orderId) }"


def table(page: str, name: str) -> str:
    found = re.search(rf'data-withdrawals="{name}">(.*?)</table>', page, re.S)
    assert found is not None, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_the_merchant_turns_the_function_on_for_chosen_countries(stack: Stack) -> None:
    saved = await admin_graphql(stack, SAVE_RULE, {"enabled": True, "countries": ["nl", "DE"]})
    bad = await admin_graphql(stack, SAVE_RULE, {"enabled": True, "countries": ["Netherlands"]})
    none = await admin_graphql(stack, SAVE_RULE, {"enabled": True, "countries": []})

    assert saved.json()["data"]["saveWithdrawalRule"] == {
        "__typename": "WithdrawalRuleSaved",
        "enabled": True,
        "countries": ["DE", "NL"],
    }
    assert bad.json()["data"]["saveWithdrawalRule"]["__typename"] == "WithdrawalRuleInvalid"
    assert none.json()["data"]["saveWithdrawalRule"]["__typename"] == "WithdrawalRuleInvalid"
    rule = await stack.store.get_withdrawal_rule(SHOP)
    assert rule is not None and rule.countries == frozenset({"DE", "NL"})
    page = (await open_screen(stack, WITHDRAWALS, locale="nl")).text
    assert 'value="DE NL"' in page and "checked" in page
    assert "De herroepingsfunctie aanbieden" in page


async def test_a_withdrawal_is_listed_and_its_acknowledgement_downloads(stack: Stack) -> None:
    await turn_on(stack)
    order = await place(stack)
    async with stack.shopper() as ada:
        received = await both_steps(ada, order)
    await stack.settle()

    page = (await open_screen(stack, WITHDRAWALS)).text
    row = table(page, "all")
    assert order.name in row and "Ada Lovelace" in row and "Cancel and full refund: Done" in row
    href = re.search(r'href="(/admin/withdrawals/acknowledgement.txt\?[^"]+)"', page)
    assert href is not None
    async with stack.direct() as backend:
        download = await backend.get(href.group(1).replace("&amp;", "&"))
        forged = await backend.get(
            f"/admin/withdrawals/acknowledgement.txt?order_id=x&id_token={id_token(secret='another-secret-of-thirty-two-bytes!!')}"
        )
    assert download.status_code == 200
    assert download.text == received["acknowledgement"]
    assert "attachment" in download.headers["content-disposition"]
    assert forged.status_code == 401


async def test_an_undelivered_acknowledgement_is_an_alert_until_sent_again(
    tmp_path: Path,
) -> None:
    box = Mailbox()  # down
    try:
        async with running_stack(tmp_path, smtp_url=box.url, mail_from="s@x.test") as stack:
            await turn_on(stack)
            order = await place(stack)
            async with stack.shopper() as ada:
                await both_steps(ada, order)
            await stack.settle()

            page = (await open_screen(stack, WITHDRAWALS)).text
            assert 'role="alert"' in page
            assert order.name in table(page, "unsent") and "Retrying" in table(page, "unsent")

            [(record, mail)] = await stack.store.withdrawals(SHOP)
            assert mail is not None and mail.id is not None
            for _ in range(MAIL_ATTEMPTS):  # every retry, hours apart, refused
                stack.clock.advance(hours=9)
                await stack.settle()
            mail = await stack.store.get_mail(mail.id)
            assert mail is not None and mail.state is MailState.FAILED
            page = (await open_screen(stack, WITHDRAWALS)).text
            assert "Send again" in table(page, "unsent")

            box.start()
            again = await admin_graphql(stack, AGAIN, {"orderId": record.order_id})
            await stack.settle()
            assert again.json() == {"data": {"sendAcknowledgementAgain": True}}
            page = (await open_screen(stack, WITHDRAWALS)).text
            assert 'data-withdrawals="unsent"' not in page
    finally:
        box.stop()
    [got] = box.received()
    assert got.body == record.acknowledgement
