"""Which address the per-IP limits count: the one the nearest trusted proxy saw."""

from __future__ import annotations

from starlette.datastructures import Headers

from backend.graphql.endpoint import client_ip

PEER = ("10.0.0.2", 5555)


def forwarded(value: str) -> Headers:
    return Headers({"x-forwarded-for": value})


def test_through_shopify_the_last_entry_is_the_shopper() -> None:
    headers = forwarded("1.1.1.1, 203.0.113.9")
    assert client_ip(headers, PEER, trusted_hops=0, via_shopify=True) == "203.0.113.9"


def test_behind_our_own_balancer_shopifys_entry_is_one_further_left() -> None:
    headers = forwarded("1.1.1.1, 203.0.113.9, 23.227.38.1")
    assert client_ip(headers, PEER, trusted_hops=1, via_shopify=True) == "203.0.113.9"


def test_without_a_trusted_proxy_the_header_is_ignored() -> None:
    headers = forwarded("1.1.1.1")
    assert client_ip(headers, PEER, trusted_hops=0, via_shopify=False) == "10.0.0.2"


def test_too_few_entries_fall_back_to_the_peer() -> None:
    assert client_ip(Headers({}), PEER, trusted_hops=0, via_shopify=True) == "10.0.0.2"
    assert client_ip(Headers({}), None, trusted_hops=0, via_shopify=True) is None
