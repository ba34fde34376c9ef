"""Guests without an account: `/apps/cancel/withdraw` (proxy-signed) sends a one-time link to
the order's e-mail address, and answers alike for an unknown order or a wrong address; the
link expires, works once, and runs the two steps; the page is rate limited."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from backend.ratelimit import RateLimits
from devshop import order_actions
from devshop.world import Order
from tests.backend.withdrawal.flows import SHOP, later, turn_on
from tests.conftest import Stack, running_stack

GUEST = "guest@example.com"
PAGE = "/apps/cancel/withdraw"


async def guest_order(stack: Stack) -> Order:
    order = order_actions.create_order(stack.world, customer_id=None)
    order.email = GUEST
    await stack.settle()
    await later(stack, seconds=1)
    return order


async def ask(client: httpx.AsyncClient, number: str, email: str) -> httpx.Response:
    return await client.post(
        PAGE, data={"number": number, "email": email}, headers={"accept-language": "nl-NL"}
    )


async def sent_links(stack: Stack) -> list[str]:
    """The links the shop e-mailed (their path on the storefront)."""
    links = []
    for mail_id in range(1, 50):
        mail = await stack.store.get_mail(mail_id)
        if mail is None:
            break
        links += re.findall(r"https://[^/]+(/apps/cancel/withdraw/[\w-]+)", mail.body)
    return links


def visible(page: httpx.Response) -> str:
    main = re.search(r"<main>(.*)</main>", page.text, re.S)
    assert main is not None
    return re.sub(r"\s+", " ", main.group(1))


async def test_the_page_asks_for_the_order_number_and_email(stack: Stack) -> None:
    async with stack.shopper(None) as guest:
        page = await guest.get(PAGE, headers={"accept-language": "de-DE"})
    assert page.status_code == 200
    assert "<h1>Vertrag widerrufen</h1>" in page.text and 'lang="de"' in page.text


async def test_unknown_orders_and_wrong_addresses_get_the_same_answer(stack: Stack) -> None:
    await turn_on(stack)
    order = await guest_order(stack)
    number = order.name.lstrip("#")
    async with stack.shopper(None) as guest:
        right = await ask(guest, number, GUEST.upper())
        wrong = await ask(guest, number, "someone@example.com")
        unknown = await ask(guest, "999999", GUEST)
        nonsense = await ask(guest, "not a number", GUEST)
    assert {r.status_code for r in (right, wrong, unknown, nonsense)} == {200}
    assert visible(right) == visible(wrong) == visible(unknown) == visible(nonsense)
    assert len(await sent_links(stack)) == 1  # only to the order's own address
    mail = await stack.store.get_mail(1)
    assert mail is not None and mail.recipient == GUEST
    assert mail.subject == f"Uw link om bestelling {order.name} te herroepen"


async def test_the_link_runs_the_two_steps_once(stack: Stack) -> None:
    await turn_on(stack)
    order = await guest_order(stack)
    async with stack.shopper(None) as guest:
        guest.headers["accept-language"] = "nl"
        await ask(guest, order.name, GUEST)
        [link] = await sent_links(stack)
        opened = await guest.get(link)
        assert f'value="{GUEST}"' in opened.text and order.name in opened.text
        review = await guest.post(link, data={"step": "STATEMENT", "name": "Gast", "email": GUEST})
        confirmation = re.search(r'name="confirmation" value="([^"]+)"', review.text)
        assert confirmation is not None and "Herroeping bevestigen" in review.text
        assert order.cancelled_at is None
        received = await guest.post(
            link,
            data={
                "step": "CONFIRM",
                "name": "Gast",
                "email": GUEST,
                "confirmation": confirmation.group(1),
            },
        )
        again = await guest.get(link)
    await stack.settle()
    assert "Wij hebben uw herroeping ontvangen" in received.text
    assert "Naam: Gast" in received.text and 'download="withdrawal.txt"' in received.text
    assert order.cancelled_at is not None
    assert "data-gone" in again.text  # used up
    record = await stack.store.get_withdrawal(SHOP, f"gid://shopify/Order/{order.id}")
    assert record is not None and record.customer_id is None


async def test_the_link_expires(stack: Stack) -> None:
    await turn_on(stack)
    order = await guest_order(stack)
    async with stack.shopper(None) as guest:
        await ask(guest, order.name, GUEST)
        [link] = await sent_links(stack)
        stack.clock.advance(hours=24, seconds=1)
        expired = await guest.get(link)
        forged = await guest.get(PAGE + "/not-a-token")
    assert "data-gone" in expired.text and "data-gone" in forged.text
    assert visible(expired) == visible(forged)


async def test_an_unsigned_request_is_refused(stack: Stack) -> None:
    async with stack.direct() as client:
        response = await client.post("/proxy/withdraw", data={"number": "1", "email": GUEST})
    assert response.status_code == 401


async def test_asking_again_and_again_is_rate_limited(tmp_path: Path) -> None:
    limits = RateLimits(cancel_ip="5/minute", cancel_order="3/hour")
    async with running_stack(tmp_path, rate_limits=limits) as stack:
        async with stack.shopper(None) as guest:
            answers = [(await ask(guest, f"{1000 + n}", GUEST)).status_code for n in range(7)]
            same_order = [(await ask(guest, "1", GUEST)).status_code for _ in range(2)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    assert 429 in same_order
