"""What the backend keeps, behind one protocol.

Two implementations share it: `SQLiteStore` (one file, the embedded default) and a Redis one for
several backends behind a load balancer. Both pass the same contract tests in `tests/store/`.

The cancellation record is the single-flight lock: `claim` creates it atomically, so of any
number of concurrent cancels of one order, across processes, exactly one gets `None` back and
goes on to call Shopify; every other caller gets the winner's record and waits for it to settle.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from backend.policy import CancelBlock, ShopPolicy


class FlightState(enum.StrEnum):
    IN_FLIGHT = "IN_FLIGHT"  # claimed; orderCancel is being sent
    PENDING = "PENDING"  # Shopify accepted it; its job has not finished
    CANCELLED = "CANCELLED"  # Shopify's job finished, or the webhook said so
    REJECTED = "REJECTED"  # Shopify refused it (orderCancelUserErrors); final


class Outcome(enum.StrEnum):
    """How one attempt ended, for the merchant's insights."""

    REFUSED = "REFUSED"  # our rules said no
    PENDING = "PENDING"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"  # Shopify said no
    FAILED = "FAILED"  # Shopify unreachable or throttled; nothing happened, retry allowed
    DUPLICATE = "DUPLICATE"  # a repeat of a cancel already under way or done


@dataclass(frozen=True, slots=True)
class CancellationRecord:
    shop: str
    order_id: str
    customer_id: str | None
    state: FlightState
    reason_code: str
    note: str | None
    created_at: datetime
    updated_at: datetime
    job_id: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    shop: str
    order_id: str
    customer_id: str | None
    reason_code: str
    note: str | None
    outcome: Outcome
    at: datetime
    block: CancelBlock | None = None


@dataclass(frozen=True, slots=True)
class ShopToken:
    """An Admin API access token. Expiring offline tokens carry their refresh token."""

    access_token: str
    expires_at: datetime | None = None
    refresh_token: str | None = None
    refresh_token_expires_at: datetime | None = None


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> bool: ...

    # Merchant rules; None when the shop never saved any (the caller uses the defaults).
    async def get_policy(self, shop: str) -> ShopPolicy | None: ...

    async def save_policy(self, shop: str, policy: ShopPolicy) -> None: ...

    async def get_token(self, shop: str) -> ShopToken | None: ...

    async def save_token(self, shop: str, token: ShopToken) -> None: ...

    async def delete_token(self, shop: str) -> None: ...

    # Single flight.
    async def claim(
        self, record: CancellationRecord, *, stale_before: datetime
    ) -> CancellationRecord | None:
        """Store `record` (state IN_FLIGHT) unless the order already has one.

        Returns None when this caller now holds the flight, else the record that is there.
        An IN_FLIGHT record last updated strictly before `stale_before` belongs to a process
        that died mid-flight: it is replaced, and the caller holds the flight. `record.state`
        must be IN_FLIGHT (else ValueError).
        """
        ...

    async def settle(
        self,
        shop: str,
        order_id: str,
        state: FlightState,
        *,
        at: datetime,
        job_id: str | None = None,
        message: str | None = None,
    ) -> None:
        """Move the record to `state`, stamped `at`. A None job_id/message keeps the stored value.

        No record: nothing happens. A CANCELLED record stays CANCELLED (Shopify cannot undo it).
        """
        ...

    async def release(self, shop: str, order_id: str) -> None:
        """Drop an IN_FLIGHT record whose cancel certainly did not happen, so a retry may run."""
        ...

    async def get_cancellation(self, shop: str, order_id: str) -> CancellationRecord | None: ...

    async def get_cancellations(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancellationRecord]: ...

    async def record_attempt(self, attempt: Attempt) -> None: ...

    async def attempts(self, shop: str, *, since: datetime | None = None) -> list[Attempt]:
        """The shop's attempts, oldest first (`since` inclusive; ties in recording order)."""
        ...
