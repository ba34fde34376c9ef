"""Where an order may be shipped: the shop's shipping zones, as its delivery profile has them.

Shopify ships an order to a country only if one of the shop's zones covers it; a zone's rates
are what the customer paid for. A new address therefore stays inside the zone the order ships
to now (the zones of the shop's default profile that hold its country; a country in no zone
falls under the "Rest of world" zone, if the shop has one). The merchant may also forbid any
change of country.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShippingZone:
    name: str
    countries: frozenset[str]  # ISO 3166-1 alpha-2
    rest_of_world: bool = False  # covers every country no other zone names


@dataclass(frozen=True, slots=True)
class Destinations:
    """The countries a new address of one order may be in."""

    current: str | None
    countries: frozenset[str]  # named by the order's zone(s)
    rest_of_world: bool  # the order ships under "Rest of world": any country no zone names
    named_elsewhere: frozenset[str]  # countries other zones name (closed to a rest-of-world order)
    country_change: bool

    def ships_to(self, country: str) -> bool:
        if not self.country_change and country != self.current:
            return False
        if country in self.countries:
            return True
        return self.rest_of_world and country not in self.named_elsewhere

    def listed(self) -> list[str]:
        """The named countries a customer may pick, sorted (rest of world: any other too)."""
        if not self.country_change:
            return [self.current] if self.current and self.ships_to(self.current) else []
        return sorted(self.countries)


def destinations(
    zones: Sequence[ShippingZone], current: str | None, *, country_change: bool
) -> Destinations:
    named = frozenset(code for zone in zones for code in zone.countries)
    theirs = [zone for zone in zones if current is not None and current in zone.countries]
    rest = current is not None and current not in named and any(z.rest_of_world for z in zones)
    return Destinations(
        current=current,
        countries=frozenset(code for zone in theirs for code in zone.countries),
        rest_of_world=rest,
        named_elsewhere=named,
        country_change=country_change,
    )
