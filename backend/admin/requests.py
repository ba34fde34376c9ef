"""The Requests screen (issue 14): customers' requests to cancel that wait for the shop.

Oldest first, one row each with the reason, the note, the order's total and how long the order's
self-cancel window still runs. The window only informs: a request keeps its place, so approving
after it closed still cancels (the policy is judged as of the request), unless fulfilment has
started by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.admin.i18n import N_, Speaker
from backend.approvals.approving import STALE_APPROVAL
from backend.orders import legacy_id
from backend.policy import ShopPolicy
from backend.store.base import CancelRequest, RequestState


@dataclass(frozen=True, slots=True)
class RequestRow:
    order: str  # the order's name, "#1001"
    order_number: str  # its number, for the admin's order page
    order_id: str  # the GID, for approve and decline
    requested: str
    requested_at: str  # ISO, for <time datetime>
    reason: str
    note: str
    total: str
    window: str  # "42 min left", or that it closed (after the request)
    auto_approve: str | None  # when it approves by itself, if the rule is on
    approving: bool  # approved, the cancel under way (not to be answered again)


@dataclass(frozen=True, slots=True)
class RequestsView:
    rows: Sequence[RequestRow]
    auto_approve_minutes: int | None


def _left(left: timedelta, speaker: Speaker) -> str:
    minutes = max(int(left.total_seconds() // 60), 0)
    if minutes < 60:
        return speaker.gettext("%(minutes)s min left") % {"minutes": speaker.number(minutes)}
    return speaker.gettext("%(hours)s h %(minutes)s min left") % {
        "hours": speaker.number(minutes // 60),
        "minutes": speaker.number(minutes % 60),
    }


def _row(request: CancelRequest, policy: ShopPolicy, speaker: Speaker, now: datetime) -> RequestRow:
    reason = policy.reason(request.reason_code)
    if request.deadline is None:
        window = speaker.gettext(N_("No window"))
    elif request.deadline > now:
        window = _left(request.deadline - now, speaker)
    else:
        window = speaker.gettext(N_("Closed after the request: approving still cancels"))
    auto = None
    if policy.auto_approve_minutes is not None:
        auto = speaker.moment(request.requested_at + timedelta(minutes=policy.auto_approve_minutes))
    total = ""
    if request.total is not None:
        total = f"{request.total} {request.currency or ''}".strip()
    return RequestRow(
        order=request.order_name,
        order_number=legacy_id(request.order_id),
        order_id=request.order_id,
        requested=speaker.moment(request.requested_at),
        requested_at=request.requested_at.isoformat(),
        reason=reason.label if reason else request.reason_code,
        note=request.note or "",
        total=total,
        window=window,
        auto_approve=auto,
        # An approval stuck longer than a cancel takes died with its process: answerable again.
        approving=request.state is RequestState.APPROVING
        and request.updated_at >= now - STALE_APPROVAL,
    )


def requests_view(
    requests: Sequence[CancelRequest], policy: ShopPolicy, speaker: Speaker, now: datetime
) -> RequestsView:
    return RequestsView(
        rows=[_row(r, policy, speaker, now) for r in requests],
        auto_approve_minutes=policy.auto_approve_minutes,
    )
