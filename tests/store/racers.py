"""Two OS processes racing to claim the same orders, each through its own store instance.

Each racer builds a store of `kind` ("sqlite" with the file, "postgres" with the URL), opens it
(both migrate a new database at once: the migration lock is raced too), says "ready", waits for
"go", then claims each of ORDERS `rounds` times, all at once and every order once before any
order twice, and prints the orders it won. Several orders give the two processes several chances
to collide.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOP = "alpha.myshopify.com"
ORDERS = [f"gid://shopify/Order/{n}" for n in range(1, 51)]
NAMES = ("process-a", "process-b")

RACER = f"""
import asyncio, json, sys
from datetime import UTC, datetime, timedelta
from backend.store.base import CancellationRecord, FlightState
from tests.stores import make_store

async def race(name, rounds, kind, target):
    # A thousand claims at once queue for the pool's 20 connections: on a busy 2-core machine
    # that wait can pass the default 5 s, which is not what this race is about.
    store = make_store(kind, target, timeout=60)
    await store.open()
    assert await store.ping()  # connected before "ready", so "go" starts the claims at once
    print("ready", flush=True)
    sys.stdin.readline()
    now = datetime.now(UTC)
    claims = [
        CancellationRecord(
            shop="{SHOP}", order_id=order_id, customer_id=name, state=FlightState.IN_FLIGHT,
            reason_code="OTHER", note=None, created_at=now, updated_at=now,
        )
        for _ in range(rounds)
        for order_id in {ORDERS!r}
    ]
    stale_before = now - timedelta(minutes=5)
    results = await asyncio.gather(*(store.claim(c, stale_before=stale_before) for c in claims))
    await store.close()
    won = [c.order_id for c, result in zip(claims, results) if result is None]
    print(json.dumps(won), flush=True)

asyncio.run(race(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
"""


def race(kind: str, target: str, rounds: int = 20) -> dict[str, list[str]]:
    """The orders each racer won; both racers exited cleanly."""
    python_path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(python_path)}
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, name, str(rounds), kind, target],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in NAMES
    ]
    try:
        for racer in racers:
            assert racer.stdout is not None and racer.stdout.readline() == "ready\n"
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        outputs = [racer.communicate(timeout=60)[0] for racer in racers]
    finally:
        for racer in racers:
            racer.kill()
            racer.wait()
            for stream in (racer.stdin, racer.stdout):
                if stream is not None:
                    stream.close()
    assert [racer.returncode for racer in racers] == [0, 0]
    return {name: json.loads(output) for name, output in zip(NAMES, outputs, strict=True)}
