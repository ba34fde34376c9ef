"""Whatever a merchant or a customer writes comes out of App Home as text: no element, no
attribute, no URL and no reordering that the templates did not put there themselves.

Each hostile value goes into every place such text appears (a reason's code, label and
translations, tags, the staff note, a customer's note, the shop's name, chart labels, the page's
query), on every screen; the page must have exactly the elements and attributes it has with
harmless values in the same places.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest

from backend.admin.export import attempts_csv
from backend.admin.i18n import LANGUAGES, Speaker
from backend.admin.insights import Insights, Note
from backend.admin.requests import requests_view
from backend.admin.screens import Screen, every_screen
from backend.admin.templating import templates
from backend.admin.views import (
    events_view,
    holds_view,
    insights_view,
    page_context,
    rules_form,
)
from backend.admin.withdrawals import WithdrawalsView, withdrawals_view
from backend.policy import CancelBlock, CancelReason, ShopPolicy
from backend.store.base import (
    Attempt,
    CancelRequest,
    DeliveryHealth,
    EffectState,
    HoldRecord,
    HoldState,
    JobStats,
    Mail,
    MailState,
    Outcome,
    RequestKind,
    RequestState,
    WithdrawalEffect,
    WithdrawalRecord,
    WithdrawnItem,
)
from backend.withdrawal.period import WithdrawalRule
from tests.backend.admin.conftest import id_token
from tests.backend.admin.markup import parse
from tests.conftest import Stack

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "single-quote": "'><svg onload=alert(1)>",
    "textarea": "</textarea><script>alert(1)</script>",
    "title": "</title><script>alert(1)</script>",
    "javascript-url": "javascript:alert(1)",
    "rtl-override": "\u202egnp.exe",
    "template": "{{ 7*7 }}{% raw %}",
    "entity": "&lt;script&gt;",
}
BENIGN = "Wrong size"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def policy_with(text: str) -> ShopPolicy:
    return ShopPolicy(
        excluded_product_tags=frozenset({text, "pre-order"}),
        excluded_order_tags=frozenset({text}),
        reasons=(
            CancelReason(text, text, (("nl", text), (text[:5], "x"))),
            CancelReason("OTHER", "Other reason"),
        ),
        staff_note_format=text,
    )


def insights_with(text: str) -> Insights:
    days = [(date(2026, 11, 26) - timedelta(days=n), n % 3) for n in reversed(range(30))]
    return Insights(
        since=NOW - timedelta(days=30),
        days=days,
        by_reason=[(text, 3), ("Other reason", 1)],
        refused_by_cause=[(CancelBlock.WINDOW_CLOSED, 2)],
        notes=[
            Note(NOW, f"gid://shopify/Order/{text}", text, text, cancelled=False),
            Note(NOW, "gid://shopify/Order/5001", "Other reason", f"{text} and more", True),
        ],
        orders=40,
    )


EVENTS = DeliveryHealth(NOW, 12, 1, 1, timedelta(milliseconds=180), timedelta(seconds=2.5))
JOBS = JobStats(queued=3, due=1, running=1, failed=0, oldest_due=timedelta(seconds=4))


def holds_with(text: str) -> tuple[list[HoldRecord], list[HoldRecord], list[HoldRecord]]:
    def record(state: HoldState, reason: str | None, n: int = 1) -> HoldRecord:
        order = f"gid://shopify/Order/{n}{text}"
        return HoldRecord(text, order, f"{order}/fo", state, NOW, NOW, text, NOW, reason)

    return (
        [record(HoldState.HELD, None)],
        [record(HoldState.RELEASED, "DEADLINE"), record(HoldState.RELEASED, text, 2)],
        [record(HoldState.RELEASE_FAILED, text)],
    )


def requests_with(text: str) -> list[CancelRequest]:
    return [
        CancelRequest(
            shop=text,
            order_id=f"gid://shopify/Order/{text}",
            order_name=text,
            customer_id=text,
            kind=RequestKind.CANCEL,
            state=state,
            reason_code=text,
            note=text,
            requested_at=NOW,
            updated_at=NOW,
            total=text,
            currency=text,
            deadline=NOW + timedelta(minutes=20),
        )
        for state in (RequestState.REQUESTED, RequestState.APPROVING)
    ]


def withdrawals_with(text: str, speaker: Speaker) -> WithdrawalsView:
    """A withdrawal whose statement, refusal and mail error all carry `text`, and its alerts."""

    def record(n: int, effect: WithdrawalEffect, state: EffectState) -> WithdrawalRecord:
        return WithdrawalRecord(
            shop=text,
            order_id=f"gid://shopify/Order/{n}{text}",
            order_name=f"#{text}",
            customer_id=None,
            name=text,
            email=text,
            items=(WithdrawnItem(text, text, 1),),
            submitted_at=NOW,
            effect=effect,
            effect_state=state,
            acknowledgement=text,
            updated_at=NOW,
            id=n,
            effect_error=text,
            mail_id=n,
        )

    def mail(n: int, state: MailState) -> Mail:
        return Mail(text, text, text, text, NOW, n, state, 3, text)

    return withdrawals_view(
        WithdrawalRule(enabled=True),
        [
            (record(1, WithdrawalEffect.RETURN, EffectState.FAILED), mail(1, MailState.FAILED)),
            (record(2, WithdrawalEffect.MANUAL, EffectState.PENDING), mail(2, MailState.QUEUED)),
            (record(3, WithdrawalEffect.CANCEL, EffectState.DONE), None),
        ],
        speaker,
        shop=text,
        id_token="header.payload.signature",
    )


def render(screen: Screen, text: str, language: str = "en") -> str:
    speaker = Speaker.for_locale(language)
    context = page_context(
        screen=screen,
        speaker=speaker,
        api_key="devshop-api-key",
        shop=text,
        id_token="header.payload.signature",
        query=f"shop=demo-shop.myshopify.com&locale={language}&x={text}",
        warning=None,
        form=rules_form(policy_with(text)),
        insights=insights_view(
            insights_with(text), speaker, "/admin/insights.csv?" + urlencode({"shop": text})
        ),
        events=events_view(EVENTS, JOBS, speaker),
        holds=holds_view(*holds_with(text), speaker),
        requests=requests_view(requests_with(text), policy_with(text), speaker, NOW),
        withdrawals=withdrawals_with(text, speaker),
    )
    return templates.get_template(screen.template).render(context)


@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=list(HOSTILE))
def test_hostile_text_adds_no_element_or_attribute(screen: Screen, hostile: str) -> None:
    benign, attacked = parse(render(screen, BENIGN)), parse(render(screen, hostile))

    assert attacked.elements == benign.elements
    assert hostile in "".join(text for _, text in attacked.texts) + "".join(
        value for _, _, value in attacked.attributes
    )  # it was shown, as text


@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=list(HOSTILE))
def test_no_url_the_page_follows_comes_from_hostile_text(screen: Screen, hostile: str) -> None:
    page = parse(render(screen, hostile))

    for url in page.urls():
        assert url.startswith(("/", "https://cdn.shopify.com/")), url
        assert "javascript:" not in url.split("?")[0].lower()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", every_screen(), ids=lambda s: s.name)
def test_a_right_to_left_override_stays_inside_its_own_text(screen: Screen, language: str) -> None:
    page = parse(render(screen, HOSTILE["rtl-override"], language))

    assert page.unisolated_bidi() == []
    assert any("\u202e" in text for _, text in page.texts)  # the test saw one


def test_the_check_notices_markup_that_is_not_escaped() -> None:
    # The comparison itself, on a template that forgets to escape: it must fail.
    unsafe = templates.env.from_string("<p>{{ text|safe }}</p>")
    benign = parse(unsafe.render(text=BENIGN))
    attacked = parse(unsafe.render(text=HOSTILE["attribute"]))

    assert attacked.elements != benign.elements
    assert parse("<p>\u202eabc</p>").unisolated_bidi() == ["\u202eabc"]


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=list(HOSTILE))
def test_csv_cells_keep_hostile_text_as_data(hostile: str) -> None:
    attempt = Attempt(
        shop="demo-shop",
        order_id="gid://shopify/Order/5001",
        customer_id="gid://shopify/Customer/1001",
        reason_code=hostile,
        note=f"={hostile}",
        outcome=Outcome.REFUSED,
        at=NOW,
        block=CancelBlock.WINDOW_CLOSED,
    )
    policy = ShopPolicy(reasons=(CancelReason(hostile, hostile),))

    [header, row] = list(csv.reader(io.StringIO(attempts_csv([attempt], policy))))

    cells = dict(zip(header, row, strict=True))
    assert cells["note"] == f"'={hostile}"  # a formula kept as text
    assert cells["reason"] == cells["reason_code"] == hostile  # text, exactly as written


async def test_the_csv_export_is_a_download_never_a_page(stack: Stack) -> None:
    await stack.store.record_attempt(
        Attempt(
            shop="demo-shop",
            order_id="gid://shopify/Order/5001",
            customer_id="gid://shopify/Customer/1001",
            reason_code="OTHER",
            note=HOSTILE["script"],
            outcome=Outcome.CANCELLED,
            at=stack.clock() - timedelta(hours=1),
        )
    )
    async with stack.direct() as backend:
        response = await backend.get(
            "/admin/insights.csv", headers={"Authorization": f"Bearer {id_token()}"}
        )

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert HOSTILE["script"] in response.text


async def test_hostile_rules_and_notes_render_inert_through_the_route(stack: Stack) -> None:
    hostile = HOSTILE["attribute"]
    await stack.store.save_policy("demo-shop", policy_with(hostile))
    await stack.store.record_attempt(
        Attempt(
            shop="demo-shop",
            order_id="gid://shopify/Order/5001",
            customer_id="gid://shopify/Customer/1001",
            reason_code=hostile,
            note=hostile,
            outcome=Outcome.CANCELLED,
            at=stack.clock() - timedelta(hours=1),
        )
    )
    async with stack.direct() as backend:
        response = await backend.get(f"/?shop=demo-shop.myshopify.com&id_token={id_token()}")

    page = parse(response.text)
    assert response.status_code == 200
    assert ("img", ("onerror", "src")) not in page.elements
    assert not [a for a in page.attributes if a[1].startswith("on")]
    assert response.text.count("&#34;&gt;&lt;img src=x onerror=alert(1)&gt;") >= 5
