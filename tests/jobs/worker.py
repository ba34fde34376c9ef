"""A process of a job test: `python -m tests.jobs.worker KIND TARGET COMMAND [options]`.

`defer KEY…` opens the store and defers one `effect` job per key, each in one transaction with
an attempt recorded for it, prints "deferred" and waits to be killed: nothing here runs jobs.
`work` runs the runner of KIND (LocalRunner on SQLite, ProcrastinateRunner on PostgreSQL) with
`effect` registered, prints "ready", and stops cleanly on SIGTERM, printing how many runs it
made. With `--block`, its runs block instead, after printing "started": a worker to SIGKILL.
With `--hold`, it waits for a line on stdin before opening the store: started early, it has
its imports behind it (seconds on a busy machine) when the test lets it go.

`effect` is idempotent, as every task is: it claims its key once (claim kind "effect") before
its write; a run that finds the key claimed leaves a "repeat" mark instead. The test reads the
marks from the database: one "effect" per key and no "repeat" means every job ran exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.jobs.local import LocalRunner
from backend.jobs.postgres import ProcrastinateRunner
from backend.store.base import Attempt, Job, Outcome, Store
from backend.store.sql import SQLStore
from tests.stores import make_store

SHOP = "jobs.myshopify.com"
MARKS = "*"  # the claims' shop
TASK = "effect"
FOREVER = timedelta(days=1)


def now() -> datetime:
    return datetime.now(UTC)


def attempt(key: str) -> Attempt:
    return Attempt(SHOP, key, None, "OTHER", None, Outcome.PENDING, now())


async def defer(store: Store, keys: list[str]) -> None:
    for key in keys:
        async with store.transaction() as tx:
            await tx.record_attempt(attempt(key))
            await tx.defer_job(Job(TASK, {"key": key}), at=now())
    print("deferred", flush=True)
    await asyncio.Event().wait()


def runner(
    kind: str, target: str, store: SQLStore, options: argparse.Namespace
) -> LocalRunner | ProcrastinateRunner:
    if kind == "sqlite":
        return LocalRunner(
            store, clock=now, concurrency=4, poll=0.05, lease=timedelta(seconds=options.lease)
        )
    return ProcrastinateRunner(
        target,
        store,
        clock=now,
        concurrency=4,
        poll=0.1,
        stalled_after=options.stalled_after,
        stalled_check=0.2,
        grace=0.5,
    )


async def work(kind: str, target: str, store: SQLStore, options: argparse.Namespace) -> None:
    ran = 0

    async def effect(args: dict[str, Any]) -> None:
        nonlocal ran
        ran += 1
        run = ran
        if options.block:
            print("started", flush=True)
            await asyncio.Event().wait()
        if not await store.claim_once(MARKS, "effect", args["key"], ttl=FOREVER, at=now()):
            repeat = f"{args['key']}:{os.getpid()}:{run}"
            await store.claim_once(MARKS, "repeat", repeat, ttl=FOREVER, at=now())

    jobs = runner(kind, target, store, options)
    jobs.register({TASK: effect})
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with jobs.running():
        print("ready", flush=True)
        await stop.wait()
    print(f"ran {ran}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["sqlite", "postgres"])
    parser.add_argument("target")
    parser.add_argument("command", choices=["defer", "work"])
    parser.add_argument("keys", nargs="*")
    parser.add_argument("--block", action="store_true")
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--lease", type=float, default=300.0)
    parser.add_argument("--stalled-after", type=float, default=30.0)
    options = parser.parse_args()
    if options.hold:
        await asyncio.to_thread(sys.stdin.readline)
    store = make_store(options.kind, options.target, timeout=30)
    await store.open()
    try:
        if options.command == "defer":
            await defer(store, options.keys)
        else:
            await work(options.kind, options.target, store, options)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
