"""Errors a client may see in words. Everything else is masked outside development.

A caller's mistakes are answered in GraphQL's own words: a document that does not parse or
validate (no original error), and `variables` that do not coerce to their declared types (an
unknown input field, a missing required one, a wrong type: graphql-core reports these before
execution, with no path, wrapping its own `GraphQLError`). So are our `PublicError`s. Anything
else is an exception in our code: masked as "Unexpected error." and logged with its traceback
(and, through the log format, the request id).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

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


logger = logging.getLogger("backend.graphql")


def is_callers_mistake(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:
        return True  # parse and validation errors quote only the caller's document
    return error.path is None and isinstance(original, GraphQLError)  # variable coercion


def should_mask(error: GraphQLError) -> bool:
    return not (is_callers_mistake(error) or isinstance(error.original_error, PublicError))


class Schema(strawberry.Schema):
    """Strawberry's schema, logging what an operator needs: our failures, not callers' typos."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if isinstance(original, PublicError):
                logger.warning("%s: %s", original.extensions["code"], original)
            elif should_mask(error):
                logger.error("unexpected error at %s", error.path, exc_info=original)
            else:
                logger.debug("caller's mistake: %s", error.message)


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
