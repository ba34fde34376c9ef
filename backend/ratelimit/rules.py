"""Which limits apply to whom: the rules, in the `limits` library's notation.

Each rule is a string such as `5/minute` or `5/minute;20/day` (several windows, all enforced),
or `off`. Reads (`order`, `orders`) and cancels (`cancelOrder`) have separate rules, each per
key: the client's IP, the signed-in customer, the order (cancels only) and the shop.

`door` is slowapi's limit per client address and route, on every route, before verification
(`door.py`).

The defaults are safe for a real shop: a customer cancels one order at a time, and the block
makes one read per page view. The per-shop rules bound what a flood spread over many accounts
can cost the shop's Admin API budget (Shopify refills 100 points a second; a read costs a few).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from limits import RateLimitItem, parse_many


class Scope(enum.StrEnum):
    """What a rule counts by; most specific first, the order in which they are hit."""

    ORDER = "order"
    CUSTOMER = "customer"
    IP = "ip"
    SHOP = "shop"


class Kind(enum.StrEnum):
    READ = "read"
    CANCEL = "cancel"


OFF = "off"


def parse_rule(text: str) -> tuple[RateLimitItem, ...]:
    """`5/minute;20/day` -> its items; `off` -> none. Raises ValueError when malformed."""
    text = text.strip()
    if text.lower() == OFF:
        return ()
    return tuple(parse_many(text))


@dataclass(frozen=True, slots=True)
class RateLimits:
    read_ip: str = "60/minute"
    read_customer: str = "60/minute"
    read_shop: str = "1200/minute"
    cancel_ip: str = "20/minute"
    cancel_customer: str = "5/minute;20/day"
    cancel_order: str = "3/hour"
    cancel_shop: str = "120/minute"
    # Per address the nearest trusted proxy saw, per route: a flood guard (App Proxy traffic
    # arrives from Shopify's few proxy addresses), not a per-shopper limit.
    door: str = "1200/minute"

    def __post_init__(self) -> None:
        for name in self.names():
            parse_rule(getattr(self, name))  # malformed rules fail at start, not per request

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @staticmethod
    def variable(name: str) -> str:
        return f"RATE_LIMIT_{name.upper()}"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], error: Callable[[str], Exception] = ValueError
    ) -> RateLimits:
        values: dict[str, str] = {}
        for name in cls.names():
            raw = env.get(cls.variable(name))
            if not raw:
                continue
            try:
                parse_rule(raw)
            except ValueError:
                raise error(
                    f"{cls.variable(name)} must be like 5/minute, 5/minute;20/day or off,"
                    f" not {raw!r}"
                ) from None
            values[name] = raw
        return cls(**values)

    @classmethod
    def everywhere(cls, rule: str) -> RateLimits:
        """The same rule for every key, as tests that are not about limits use."""
        return cls(**dict.fromkeys(cls.names(), rule))

    def items(self, kind: Kind) -> list[tuple[Scope, RateLimitItem]]:
        """The (scope, item) pairs that apply to `kind`, most specific scope first."""
        rules: list[tuple[Scope, RateLimitItem]] = []
        for scope in Scope:
            text: str | None = getattr(self, f"{kind.value}_{scope.value}", None)
            if text is not None:
                rules += [(scope, item) for item in parse_rule(text)]
        return rules
