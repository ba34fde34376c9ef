"""Forged, altered, spliced and replayed App Proxy signatures: 401, and nothing runs.

The basic cases (no signature, wrong secret, tampered customer, shop twice, 91 s either side)
live in tests/backend/auth/test_app_proxy.py; these are the ones an attacker tries next.

Shopify's signature joins repeated keys with "," and concatenates `key=value` pairs with no
separator, so one signed string can be cut into different parameter lists ("splicing"). A
request Shopify signed for a signed-out visitor who added a crafted query parameter can be
re-cut, by whoever sees the signed URL, into one that claims to be Ada, or one with a later
timestamp. Those carry a valid HMAC; only refusing repeated or odd Shopify parameters stops them.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from tests.conftest import Stack
from tests.security.conftest import (
    ADA,
    BOB,
    CANCELLABLE,
    UNAUTHORIZED,
    Pairs,
    Witness,
    cancel_body,
    proxy_params,
    signed,
)
from tests.security.conftest import post_signed as post


def _replace(pairs: Pairs, key: str, value: str) -> Pairs:
    return [(k, value if k == key else v) for k, v in pairs]


def _now() -> int:
    return int(time.time())


def customer_id_twice() -> Pairs:
    return [*signed(proxy_params()), ("logged_in_customer_id", str(BOB))]


def customer_id_twice_first() -> Pairs:
    return [("logged_in_customer_id", str(BOB)), *signed(proxy_params())]


def timestamp_twice() -> Pairs:
    return [*signed(proxy_params()), ("timestamp", str(_now() + 3600))]


def signature_upper_case() -> Pairs:
    pairs = signed(proxy_params())
    return _replace(pairs, "signature", pairs[-1][1].upper())


def signature_of_another_path_prefix() -> Pairs:
    other = signed(proxy_params(path_prefix="/apps/other"))
    return [*proxy_params(), ("signature", other[-1][1])]


def path_prefix_changed_after_signing() -> Pairs:
    return _replace(signed(proxy_params()), "path_prefix", "/apps/other")


def signature_of_another_shop() -> Pairs:
    other = signed(proxy_params(shop="other-shop.myshopify.com"))
    return [*proxy_params(), ("signature", other[-1][1])]


def extra_param_after_signing() -> Pairs:
    return [*signed(proxy_params()), ("debug", "1")]


def signed_out_made_signed_in() -> Pairs:
    return _replace(signed(proxy_params(customer=None)), "logged_in_customer_id", str(ADA))


def customer_as_gid_after_signing() -> Pairs:
    return _replace(
        signed(proxy_params()), "logged_in_customer_id", f"gid://shopify/Customer/{ADA}"
    )


def timestamp(value: str) -> Pairs:
    return signed(_replace(proxy_params(), "timestamp", value))


def spliced_customer_id() -> Pairs:
    # Shopify signs a signed-out visitor's request carrying a crafted `a`; the same signed
    # string, cut differently, names Ada first in a repeated `logged_in_customer_id`.
    honest = signed([("a", f"xlogged_in_customer_id={ADA},"), *proxy_params(customer=None)])
    spliced: Pairs = [
        ("a", "x"),
        ("logged_in_customer_id", str(ADA)),
        ("logged_in_customer_id", "logged_in_customer_id="),
    ]
    return spliced + [(k, v) for k, v in honest if k not in ("a", "logged_in_customer_id")]


def spliced_key_with_equals() -> Pairs:
    # The same, without a repeated key: `path_prefix` is swallowed into an odd key's name.
    honest = signed([("a", f"xlogged_in_customer_id={ADA}"), *proxy_params(customer=None)])
    spliced: Pairs = [
        ("a", "x"),
        ("logged_in_customer_id", str(ADA)),
        ("logged_in_customer_id=path_prefix", "/apps/cancel"),
    ]
    return spliced + [(k, v) for k, v in honest if k in ("shop", "timestamp", "signature")]


def spliced_later_timestamp(later: str) -> Pairs:
    # A captured request re-cut so that its first timestamp is `later`.
    honest = signed([*proxy_params()[:3], ("t", f"xtimestamp={later},"), proxy_params()[3]])
    spliced = [(k, v) for k, v in honest if k not in ("t", "timestamp")]
    stamp = next(v for k, v in honest if k == "timestamp")
    return [*spliced, ("t", "x"), ("timestamp", later), ("timestamp", f"timestamp={stamp}")]


FORGED = {
    "logged_in_customer_id repeated after signing": customer_id_twice,
    "logged_in_customer_id repeated before the signed one": customer_id_twice_first,
    "timestamp repeated after signing": timestamp_twice,
    "signature in upper-case hex": signature_upper_case,
    "signature of another path_prefix": signature_of_another_path_prefix,
    "path_prefix changed after signing": path_prefix_changed_after_signing,
    "signature of another shop's request": signature_of_another_shop,
    "a parameter added after signing": extra_param_after_signing,
    "signed-out request given a customer id": signed_out_made_signed_in,
    "customer id rewritten as a GID": customer_as_gid_after_signing,
    "timestamp an hour old": lambda: timestamp(str(_now() - 3600)),
    "timestamp a day ahead": lambda: timestamp(str(_now() + 86_400)),
    "timestamp zero": lambda: timestamp("0"),
    "timestamp negative": lambda: timestamp(str(-_now())),
    "timestamp in the year 3000": lambda: timestamp("32503680000"),
    "timestamp of 30 digits": lambda: timestamp("9" * 30),
    "timestamp as a float": lambda: timestamp(f"{_now()}.0"),
    "timestamp empty": lambda: timestamp(""),
    "spliced: Ada named first in a repeated customer id": spliced_customer_id,
    "spliced: customer id via a key containing '='": spliced_key_with_equals,
}


@pytest.mark.parametrize("case", FORGED)
async def test_forged_signature_is_401_and_nothing_runs(
    prod: Stack, witness: Witness, case: str
) -> None:
    response = await post(prod, json=cancel_body(CANCELLABLE), pairs=FORGED[case]())
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert response.headers["content-type"] == "application/json"
    await witness.nothing_ran()


async def test_replay_within_the_window_cancels_once(prod: Stack, witness: Witness) -> None:
    captured = signed(proxy_params(timestamp=_now() - 30))
    answers = [
        (await post(prod, json=cancel_body(CANCELLABLE), pairs=captured)).json() for _ in range(3)
    ]
    for answer in answers:
        result = answer["data"]["cancelOrder"]
        assert result["__typename"] == "CancelOrderSuccess"
        assert result["order"]["id"] == f"gid://shopify/Order/{CANCELLABLE}"
        assert result["order"]["status"] in ("PENDING", "CANCELLED")
    await witness.only_cancelled(CANCELLABLE)


async def test_replay_after_the_window_is_401(
    prod: Stack, witness: Witness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The verifier reads the wall clock itself; move that clock, not the request.
    captured = signed(proxy_params())
    later = _now() + 91
    monkeypatch.setattr(
        "shopify_app.verify.app_proxy.time", SimpleNamespace(time=lambda: float(later))
    )
    response = await post(prod, json=cancel_body(CANCELLABLE), pairs=captured)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    await witness.nothing_ran()


async def test_spliced_later_timestamp_is_401_when_that_time_comes(
    prod: Stack, witness: Witness, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = _now() + 3600
    captured = spliced_later_timestamp(str(later))
    monkeypatch.setattr(
        "shopify_app.verify.app_proxy.time", SimpleNamespace(time=lambda: float(later))
    )
    response = await post(prod, json=cancel_body(CANCELLABLE), pairs=captured)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    await witness.nothing_ran()
