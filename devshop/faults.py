"""Failures tests switch on in devshop's Admin API: error statuses, slowness, throttling.

Most faults strike before execution, so the request changed nothing. `fail_after_execute` (and
`delay(..., after_execute=True)`) strike after it: the mutation ran, the client hears a 502 or
nothing in time. That is the case an idempotent cancel must survive.

Each fault strikes `times` requests (None: until cleared) that match its scope: every request,
mutations only, or requests selecting one root field such as `orderCancel`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

FaultKind = Literal["status", "delay", "throttle"]
Stage = Literal["before", "after"]


@dataclass
class Fault:
    kind: FaultKind
    stage: Stage = "before"
    times: int | None = 1
    field: str | None = None
    mutations_only: bool = False
    status: int = 503
    seconds: float = 0.0
    retry_after: float | None = None  # sent as Retry-After with a 429
    currently_available: int = 0  # what a throttle fault says is left in the bucket

    def matches(self, operation: str | None, root_fields: Sequence[str]) -> bool:
        if self.mutations_only and operation != "mutation":
            return False
        return self.field is None or self.field in root_fields

    def label(self) -> str:
        prefix = "after_execute:" if self.stage == "after" else ""
        detail = {"status": f":{self.status}", "delay": f":{self.seconds}", "throttle": ""}
        return f"{prefix}{self.kind}{detail[self.kind]}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.sleep = sleep
        self.active: list[Fault] = []

    def fail(
        self,
        status: int = 503,
        *,
        times: int | None = 1,
        field: str | None = None,
        mutations_only: bool = False,
        retry_after: float | None = None,
    ) -> Fault:
        return self.add(
            Fault(
                "status",
                "before",
                times,
                field,
                mutations_only,
                status=status,
                retry_after=retry_after,
            )
        )

    def fail_after_execute(
        self,
        status: int = 502,
        *,
        times: int | None = 1,
        field: str | None = None,
        mutations_only: bool = False,
    ) -> Fault:
        return self.add(Fault("status", "after", times, field, mutations_only, status=status))

    def delay(
        self,
        seconds: float,
        *,
        times: int | None = 1,
        field: str | None = None,
        mutations_only: bool = False,
        after_execute: bool = False,
    ) -> Fault:
        stage: Stage = "after" if after_execute else "before"
        return self.add(Fault("delay", stage, times, field, mutations_only, seconds=seconds))

    def throttle(
        self,
        *,
        times: int | None = 1,
        field: str | None = None,
        mutations_only: bool = False,
        currently_available: int = 0,
    ) -> Fault:
        return self.add(
            Fault(
                "throttle",
                "before",
                times,
                field,
                mutations_only,
                currently_available=currently_available,
            )
        )

    def add(self, fault: Fault) -> Fault:
        self.active.append(fault)
        return fault

    def clear(self) -> None:
        self.active.clear()

    def strike(
        self, stage: Stage, operation: str | None, root_fields: Sequence[str]
    ) -> list[Fault]:
        """The faults that strike this request at `stage`, each used up once: every matching
        delay, then at most one status or throttle (a request fails only one way)."""
        struck: list[Fault] = []
        failed = False
        for fault in list(self.active):
            if fault.stage != stage or not fault.matches(operation, root_fields):
                continue
            if fault.kind != "delay":
                if failed:
                    continue
                failed = True
            struck.append(fault)
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.active.remove(fault)
        return sorted(struck, key=lambda f: f.kind != "delay")
