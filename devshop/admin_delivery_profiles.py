"""`deliveryProfiles`: the shop's shipping zones, as the default delivery profile holds them.

devshop models one profile per shop (the default, merchant-owned, covering every product) with
one location group, whose zones are the world's `ShippingZone`s. A zone's countries carry
Shopify's `DeliveryCountryCodeOrRestOfWorld`: a country code, or the "Rest of world" flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devshop.admin_context import AdminContext
from devshop.gids import gid
from devshop.world import ShippingZone


@dataclass(frozen=True)
class DeliveryProfile:
    shop_id: int
    zones: tuple[ShippingZone, ...]


@dataclass(frozen=True)
class LocationGroup:
    profile: DeliveryProfile


def delivery_profiles(ctx: AdminContext) -> list[DeliveryProfile]:
    return [DeliveryProfile(ctx.shop.id, tuple(ctx.world.zones_of(ctx.shop.domain)))]


def countries(zone: ShippingZone) -> list[dict[str, Any]]:
    if zone.rest_of_world:
        return [
            {
                "id": gid("DeliveryCountry", zone.id * 1000),
                "name": "Rest of World",
                "translatedName": "Rest of World",
                "code": {"countryCode": None, "restOfWorld": True},
                "provinces": [],
            }
        ]
    return [
        {
            "id": gid("DeliveryCountry", zone.id * 1000 + index),
            "name": code,
            "translatedName": code,
            "code": {"countryCode": code, "restOfWorld": False},
            "provinces": [],
        }
        for index, code in enumerate(zone.countries, start=1)
    ]
