"""The storefront's cart, as far as cart permalinks need it (issue 11's "Buy again").

GET  /cart/{variant_id}:{quantity}[,...]   a cart permalink: a new cart with those variants
     (unknown or sold-out ones are left out, as Shopify leaves them out), `attributes[name]=value`
     as the cart's attributes; Shopify goes on to checkout, or to the cart with
     `storefront=true`. devshop always shows the cart.
GET  /cart                                  the cart page
POST /cart/checkout                         the signed-in customer checks out: an order with the
                                            cart's items and attributes (`orders/create`)
The cart lives in the world under a `cart` cookie's token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from devshop.records import Product
from devshop.world import World

CART_COOKIE = "cart"
_ITEM = re.compile(r"([1-9][0-9]{0,18}):([1-9][0-9]{0,3})")
_ATTRIBUTE = re.compile(r"attributes\[([^\]]{1,100})\]")
_CARTS = "carts"


@dataclass
class Cart:
    token: str
    shop: str
    items: list[tuple[Product, int]] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


def parse_items(world: World, shop: str, raw: str) -> list[tuple[Product, int]]:
    """`7001:2,7003:1` as (product, quantity) pairs of this shop's variants still for sale."""
    items: list[tuple[Product, int]] = []
    for part in raw.split(","):
        match = _ITEM.fullmatch(part.strip())
        if match is None:
            continue
        variant_id, quantity = int(match[1]), int(match[2])
        product = world.products.get(variant_id // 10) if variant_id % 10 == 1 else None
        if product is not None and product.shop == shop and product.available:
            items.append((product, quantity))
    return items


def attributes(query: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for key, value in query:
        match = _ATTRIBUTE.fullmatch(key)
        if match is not None:
            found[match[1]] = value[:500]
    return found


def new_cart(world: World, shop: str) -> Cart:
    cart = Cart(secrets.token_urlsafe(12), shop)
    world.extras.setdefault(_CARTS, {})[cart.token] = cart
    return cart


def cart_of(world: World, shop: str, token: str | None) -> Cart | None:
    found = world.extras.get(_CARTS, {}).get(token) if token else None
    return found if isinstance(found, Cart) and found.shop == shop else None
