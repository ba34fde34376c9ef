"""Who is asking, once a request has proven where it comes from."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Surface(enum.StrEnum):
    APP_PROXY = "app_proxy"
    CHECKOUT = "checkout"
    CUSTOMER_ACCOUNT = "customer_account"


@dataclass(frozen=True, slots=True)
class Viewer:
    """A verified shop and, when signed in, the customer (as a GID)."""

    shop: str
    customer_id: str | None
    surface: Surface
