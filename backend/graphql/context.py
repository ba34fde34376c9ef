"""What every resolver gets: who asks, and the services that answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from backend.approvals.approving import Approvals
from backend.auth.viewer import Viewer
from backend.cancellation import Cancellations
from backend.edit.editing import Edits
from backend.partial import PartialCancellations
from backend.withdrawal.period import Period
from backend.withdrawal.withdrawing import Withdrawals


@dataclass(slots=True)
class Context:
    request: Request
    response: Response
    viewer: Viewer
    cancellations: Cancellations
    partial: PartialCancellations
    edits: Edits
    approvals: Approvals
    withdrawals: Withdrawals
    # Per request: the withdrawal periods of every order in the answer, in one Admin read.
    withdrawal_periods: DataLoader[str, Period] = field(init=False)

    def __post_init__(self) -> None:
        async def load(gids: list[str]) -> list[Period]:
            periods = await self.withdrawals.periods(self.viewer.shop, gids)
            return [periods[gid] for gid in gids]

        self.withdrawal_periods = DataLoader(load_fn=load)
