"""What a task is to a runner: a name, an async function of its JSON arguments, and a retry rule.

A task that raises is retried with exponential backoff, at most `MAX_ATTEMPTS` runs in all, then
the job is marked failed (App Home counts those). A task that is waiting for something on
purpose (Shopify's cancel job, say) raises `Retry`: the runner defers it again after `after`
seconds, with new arguments if given, and that is no failure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

TaskFn = Callable[[dict[str, Any]], Awaitable[None]]
Tasks = Mapping[str, TaskFn]

MAX_ATTEMPTS = 8
_FIRST_WAIT = 2.0
_LONGEST_WAIT = 600.0


class Retry(Exception):
    """Run this task again in `after` seconds (with `args`, or the same arguments)."""

    def __init__(self, after: float, args: dict[str, Any] | None = None) -> None:
        super().__init__(f"again in {after:g} s")
        self.after = after
        self.args_ = args


def backoff(attempts: int) -> timedelta:
    """How long to wait before run number `attempts + 1`, after `attempts` failed runs."""
    return timedelta(seconds=min(_FIRST_WAIT * 2 ** max(attempts - 1, 0), _LONGEST_WAIT))
