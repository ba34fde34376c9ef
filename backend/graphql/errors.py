"""Errors a client may see in words. Everything else is masked outside development."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError

from backend.shopify.client import NotInstalled, ShopifyUnavailable
from backend.store.base import StoreUnavailable

# The endpoint answers this code with HTTP 503 and Retry-After (see endpoint.py).
UNAVAILABLE = "TEMPORARILY_UNAVAILABLE"
# The store failing: the database down, slow past its timeout, or locked past its busy timeout.
STORE_FAILURES = (StoreUnavailable,)


class PublicError(Exception):
    """An expected failure whose message and code are safe to show to anyone."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        # graphql-core copies `extensions` of the original error onto the GraphQLError.
        self.extensions: dict[str, Any] = {"code": code}


def should_mask(error: GraphQLError) -> bool:
    # Parse and validation errors carry no original error and quote only the client's document.
    original = error.original_error
    return original is not None and not isinstance(original, PublicError)


@contextlib.contextmanager
def shopify_errors() -> Iterator[None]:
    """Shopify's failures, as words a storefront can show and a code it can act on."""
    try:
        yield
    except NotInstalled:
        raise PublicError(
            "This shop hasn't finished setting up order cancellation.", "SHOP_NOT_INSTALLED"
        ) from None
    except ShopifyUnavailable:
        raise PublicError(
            "We couldn't reach the shop just now; please try again.", "SHOPIFY_UNAVAILABLE"
        ) from None
    except STORE_FAILURES:
        raise PublicError(
            "The service is briefly unavailable; please try again in a moment.",
            UNAVAILABLE,
        ) from None
