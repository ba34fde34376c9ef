"""What the admin resolvers get: the verified merchant and the services that answer them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from backend.admin.auth import Merchant
from backend.admin.gateway import MerchantGateway
from backend.approvals.approving import Approvals
from backend.holds import FulfillmentHolds
from backend.mail import Outbox
from backend.store.base import Store


@dataclass(slots=True)
class AdminContext:
    request: Request
    response: Response
    merchant: Merchant
    store: Store
    gateway: MerchantGateway
    holds: FulfillmentHolds
    approvals: Approvals
    outbox: Outbox
    clock: Callable[[], datetime]
