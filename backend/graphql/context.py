"""What every resolver gets: who asks, and the services that answer."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from backend.approvals.approving import Approvals
from backend.auth.viewer import Viewer
from backend.cancellation import Cancellations
from backend.edit.editing import Edits
from backend.partial import PartialCancellations


@dataclass(slots=True)
class Context:
    request: Request
    response: Response
    viewer: Viewer
    cancellations: Cancellations
    partial: PartialCancellations
    edits: Edits
    approvals: Approvals
