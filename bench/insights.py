"""Part 7: App Home's insights and the CSV export for shops with many attempts, on both databases.

What is done, exactly:

1. One SQLite file and one PostgreSQL database (a private cluster, `tests.postgres_server`, the
   backend's role owning the database) are migrated by the store itself and seeded, in one
   transaction each, with one shop per size (1,000, 10,000 and 200,000 attempts: `--quick` seeds
   1,000 only), all in the same `attempts` table, so the small shop's figures are read next to the
   big one's rows as they would be in production. Seeding is bulk (`insert(attempts)` executemany,
   bypassing the store's one-row `record_attempt`) and not timed into any figure. They go in in
   time order, the shops interleaved, as the backend records them, so ids follow times as in
   production (rows seeded shop by shop in random time order would make every read through the
   (shop, at) index jump around the table, which no real shop's table does).
2. The attempts are what the button records (see `attempt_rows`): orders cancelled at once, some
   clicked twice (DUPLICATE), refusals by the merchant's rules, a few rejected by Shopify or
   failed and retried, cancellations made elsewhere (the webhook's), a quarter with a customer's
   note; spread evenly over the last 30 days, so every one is in the insights' period.
3. On PostgreSQL the table is then `VACUUM ANALYZE`d: the state autovacuum keeps a live table in
   (statistics, visibility map), which a bulk load has not reached yet; then a `CHECKPOINT`, so
   the checkpointer is not still writing the load's pages while the figures count the cluster's
   CPU. SQLite gets no `ANALYZE`, as the backend never runs one.
4. Each figure comes from a fresh Python process (`python -m bench.insights measure ...`) that
   opens the store as the backend does (`tests.stores`: the same engine settings), runs the
   operation once on a shop with no attempts (imports, compiled statements, the connection),
   then on the measured shop: the first run with its peak RSS (`VmHWM` reset through
   `/proc/self/clear_refs` just before, minus `VmRSS` just before), then the repeats, timed (at
   least the plan's number, and more of a fast operation until a second has passed, so the
   10 ms clock of CPU time is a small part of each figure), then one more under `tracemalloc`
   for the Python heap's peak. A fresh process per figure, so no
   figure inherits another's heap.

The operations, as the backend runs them:

- insights: App Home's Insights screen as `backend.admin.routes` renders it, Shopify's order
  count left out: `backend.admin.insights.summarize(store, shop, ...)` (the store's
  `summarize_attempts`: counted by the database), `backend.admin.views.insights_view` and the
  screen's template (`insights.html`, in English);
- CSV: `stream_attempts_csv(store.attempt_pages(shop, since=...), policy)` consumed to the end and
  encoded as the response would be, as `/admin/insights.csv` streams it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from backend.admin.export import stream_attempts_csv
from backend.admin.i18n import Speaker
from backend.admin.insights import PERIOD_DAYS, period_start, summarize
from backend.admin.screens import every_screen
from backend.admin.templating import templates
from backend.admin.views import insights_view, page_context
from backend.policy import DEFAULT_REASONS, CancelBlock, ShopPolicy
from backend.store import schema
from backend.store.base import Attempt, Outcome
from backend.store.sql import SQLStore
from bench.servers import postmaster_pid, tree_cpu_seconds
from devshop.processes import ROOT
from tests.postgres_server import PostgresServer
from tests.stores import make_store

SIZES = (1_000, 10_000, 200_000)
KINDS = ("sqlite", "postgres")
OPERATIONS = ("insights", "csv")
EMPTY_SHOP = "bench-empty"
TZ = "America/New_York"
POLICY = ShopPolicy()
DATABASE = "bench_insights"
BATCH = 5_000
MEASURE_TIMEOUT = 600.0
MIN_SECONDS = 1.0  # repeats of one figure take at least this long ...
MAX_RUNS = 100  # ... unless there have been this many


def _prose(text: str) -> str:
    return " ".join(text.split())


HOW = _prose(
    """
How: one SQLite file and one PostgreSQL database (private cluster, fsync off as the test suite
runs it, the backend's role owning the database), migrated by the store and bulk-seeded (insert
executemany, one transaction, not timed; in time order, shops interleaved, as the backend
records them) with one shop per size in the same attempts table: a realistic mix (orders
cancelled, some clicked twice, refusals by rule, a few rejected or failed and retried,
cancellations made elsewhere, a quarter with a note) spread over the last 30 days; PostgreSQL
then VACUUM ANALYZEd, as autovacuum keeps a live table, and CHECKPOINTed, so no write of the
load's pages is in its CPU; SQLite not analyzed, as the backend never does. Each figure in a
fresh Python process opening the store as the backend does: the operation once on an empty shop
(imports, compiled statements, connection), then on the measured shop the first run, then the
repeats (at least the plan's, more of a fast operation until 1 s has passed, at most 100); ms =
median wall time of all runs, first = the first. 'insights' = App Home's Insights screen:
backend.admin.insights.summarize (counted by the database), insights_view and the insights.html
template rendered (Shopify's order count left out); 'CSV' = stream_attempts_csv over
store.attempt_pages consumed to the end and UTF-8 encoded. CPU ms = the measuring process's CPU
(all threads, SQLite's included) per run; 'postgres CPU' = the cluster's processes' CPU per run
(the counting happens there). Peak memory of the measuring process: 'RSS +MiB' = VmHWM (reset
just before, /proc/self/clear_refs) minus VmRSS before, on the first run; 'heap MiB' =
tracemalloc's peak over one more run (Python allocations only: not SQLite's page cache or
libpq's buffers).
"""
)


# The attempts -------------------------------------------------------------------------------

_RULE_BLOCKS = (
    (CancelBlock.WINDOW_CLOSED, 40),
    (CancelBlock.FULFILLMENT_STARTED, 25),
    (CancelBlock.CUTOFF_PASSED, 10),
    (CancelBlock.PAYMENT_STATE, 8),
    (CancelBlock.EXCLUDED_PRODUCT, 7),
    (CancelBlock.RISK_REVIEW, 5),
    (CancelBlock.EXCLUDED_ORDER, 3),
    (CancelBlock.INVALID_NOTE, 2),
)
_REASONS = [
    (reason.code, weight)
    for reason, weight in zip(DEFAULT_REASONS, (30, 25, 15, 12, 10, 8), strict=True)
]
_NOTE_WORDS = (
    "please cancel ordered the wrong size my partner already bought this the delivery date is "
    "too late for the party I found it cheaper elsewhere wrong address sorry thank you colour "
    "does not match the photo can you refund to my card asap"
).split()


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _note(rng: random.Random) -> str | None:
    if rng.random() >= 0.25:
        return None
    words = " ".join(rng.choices(_NOTE_WORDS, k=rng.randint(3, 40)))
    # A few customers type what a spreadsheet would run: the export must quote those.
    return ("=" + words) if rng.random() < 0.01 else words.capitalize()


def attempt_rows(shop: str, count: int, *, now: datetime, seed: int = 16) -> Iterator[Attempt]:
    """`count` attempts of one shop as the button records them, in no particular order.

    Per order: 60% cancelled at once (PENDING for a few, the job still running), 15% of those
    clicked again (DUPLICATE); 25% refused by a rule, a fifth of those tried again and refused
    again; 3% rejected by Shopify; 3% failed (Shopify unreachable) and retried successfully; 9%
    cancelled elsewhere (the orders/cancelled webhook's: no note, Shopify's reason code).
    """
    rng = random.Random(f"{seed}-{shop}")
    period = timedelta(days=PERIOD_DAYS) - timedelta(minutes=1)
    made = 0
    order = 0
    customers = max(count // 3, 1)
    while made < count:
        order += 1
        order_id = f"gid://shopify/Order/{1_000_000 + order}"
        customer = f"gid://shopify/Customer/{rng.randrange(customers) + 1}"
        at = now - period * rng.random()
        reason, note = _pick(rng, _REASONS), _note(rng)
        attempt = partial(_attempt, shop, order_id, customer, reason, note, at=at, now=now)
        roll = rng.random()
        if roll < 0.60:
            done = Outcome.PENDING if rng.random() < 0.05 else Outcome.CANCELLED
            batch = [attempt(done)]
            if rng.random() < 0.15:
                batch.append(attempt(Outcome.DUPLICATE, later=rng.uniform(1, 30)))
        elif roll < 0.85:
            block = _pick(rng, _RULE_BLOCKS)
            batch = [attempt(Outcome.REFUSED, block)]
            if rng.random() < 0.2:
                batch.append(attempt(Outcome.REFUSED, block, later=rng.uniform(60, 3600)))
        elif roll < 0.88:
            batch = [attempt(Outcome.REJECTED, CancelBlock.REJECTED_BY_SHOPIFY)]
        elif roll < 0.91:
            batch = [
                attempt(Outcome.FAILED, CancelBlock.TRY_AGAIN),
                attempt(Outcome.CANCELLED, later=rng.uniform(5, 120)),
            ]
        else:
            batch = [
                Attempt(
                    shop=shop,
                    order_id=order_id,
                    customer_id=customer,
                    reason_code=rng.choice(("CUSTOMER", "STAFF", "INVENTORY", "FRAUD", "OTHER")),
                    note=None,
                    outcome=Outcome.CANCELLED_ELSEWHERE,
                    at=at,
                )
            ]
        batch = batch[: count - made]
        yield from batch
        made += len(batch)


def _attempt(
    shop: str,
    order_id: str,
    customer: str,
    reason: str,
    note: str | None,
    outcome: Outcome,
    block: CancelBlock | None = None,
    later: float = 0.0,
    *,
    at: datetime,
    now: datetime,
) -> Attempt:
    return Attempt(
        shop=shop,
        order_id=order_id,
        customer_id=customer,
        reason_code=reason,
        note=note,
        outcome=outcome,
        at=min(at + timedelta(seconds=later), now),
        block=block,
    )


def _row(attempt: Attempt) -> dict[str, Any]:
    return {
        "shop": attempt.shop,
        "order_id": attempt.order_id,
        "customer_id": attempt.customer_id,
        "reason_code": attempt.reason_code,
        "note": attempt.note,
        "outcome": attempt.outcome.value,
        "at": attempt.at,
        "block": None if attempt.block is None else attempt.block.value,
    }


async def seed(store: SQLStore, shops: dict[str, int], *, now: datetime) -> float:
    """Bulk-insert every shop's attempts in one transaction; the seconds it took.

    In time order, the shops interleaved, as the backend records attempts (each at the moment
    it happens): ids then follow times as they do in production, so reading a period through
    the (shop, at) index meets the table's rows in the order they were written.
    """
    attempts = sorted(
        (
            attempt
            for shop, count in shops.items()
            for attempt in attempt_rows(shop, count, now=now)
        ),
        key=lambda attempt: attempt.at,
    )
    started = time.perf_counter()
    statement = insert(schema.attempts)
    async with store.engine.begin() as conn:
        for start in range(0, len(attempts), BATCH):
            await conn.execute(statement, [_row(a) for a in attempts[start : start + BATCH]])
    return time.perf_counter() - started


# One figure, in a fresh process -----------------------------------------------------------------


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def operation(store: SQLStore, name: str, shop: str, now: datetime) -> Callable[[], Awaitable[Any]]:
    tz = ZoneInfo(TZ)
    speaker = Speaker.for_locale("en")
    screen = next(screen for screen in every_screen() if screen.name == "insights")

    async def insights() -> dict[str, Any]:
        summary = await summarize(store, shop, policy=POLICY, now=now, tz=tz, orders=None)
        context = page_context(
            screen=screen,
            speaker=speaker,
            api_key="bench",
            shop=shop,
            id_token="bench",
            query="",
            warning=None,
            form=None,
            insights=insights_view(summary, speaker, "/admin/insights.csv"),
        )
        html = templates.get_template(screen.template).render(context)
        return {
            "cancellations": summary.cancellations,
            "refused": summary.refused,
            "notes": len(summary.notes),
            "html_bytes": len(html.encode()),
        }

    async def csv() -> dict[str, Any]:
        rows = 0

        async def counted(pages: AsyncIterator[list[Attempt]]) -> AsyncIterator[list[Attempt]]:
            nonlocal rows
            async for page in pages:
                rows += len(page)
                yield page

        size = 0
        pages = counted(store.attempt_pages(shop, since=period_start(now)))
        async for chunk in stream_attempts_csv(pages, POLICY):
            size += len(chunk.encode())
        return {"rows": rows, "bytes": size}

    return {"insights": insights, "csv": csv}[name]


async def measure(
    kind: str, target: str, name: str, shop: str, now: datetime, repeats: int, postmaster: int
) -> dict[str, Any]:
    store = make_store(kind, target)
    await store.open()
    try:
        await operation(store, name, EMPTY_SHOP, now)()
        run = operation(store, name, shop, now)

        rss_before = _status_kib("VmRSS")
        resettable = _reset_peak_rss()
        started = time.perf_counter()
        answer = await run()
        first = time.perf_counter() - started
        rss_peak = _status_kib("VmHWM") - rss_before if resettable else None

        walls = [first]
        cpu_started = time.process_time()
        db_started = tree_cpu_seconds(postmaster) if postmaster else 0.0
        # At least `repeats` runs, and more of a fast operation until the clock's tick (10 ms
        # of CPU time) is a small part of what is measured.
        measuring = time.perf_counter()
        while len(walls) <= repeats or (
            time.perf_counter() - measuring < MIN_SECONDS and len(walls) <= MAX_RUNS
        ):
            started = time.perf_counter()
            await run()
            walls.append(time.perf_counter() - started)
        repeated = len(walls) - 1
        cpu = (time.process_time() - cpu_started) / max(repeated, 1)
        db_cpu = (tree_cpu_seconds(postmaster) if postmaster else 0.0) - db_started
        db_cpu /= max(repeated, 1)

        tracemalloc.start()
        tracemalloc.reset_peak()
        await run()
        heap_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        await store.close()
    return {
        "runs": len(walls),
        "ms": round(statistics.median(walls) * 1000, 2),
        "first_ms": round(first * 1000, 2),
        "min_ms": round(min(walls) * 1000, 2),
        "cpu_ms": round(cpu * 1000, 2) if repeated else None,
        "postgres_cpu_ms": round(db_cpu * 1000, 2) if postmaster and repeated else None,
        "rss_peak_delta_mib": None if rss_peak is None else round(rss_peak / 1024, 2),
        "heap_peak_mib": round(heap_peak / 2**20, 2),
        "answer": answer,
    }


def _measure_in_process(
    kind: str,
    target: str,
    name: str,
    shop: str,
    now: datetime,
    repeats: int,
    postmaster: int,
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.insights",
        "measure",
        kind,
        target,
        name,
        shop,
        now.isoformat(),
        str(repeats),
        str(postmaster),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=MEASURE_TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {name} on {kind} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


# The part ----------------------------------------------------------------------------------------


def shop_name(size: int) -> str:
    return f"bench-insights-{size}"


def run(
    workdir: Path,
    *,
    sizes: tuple[int, ...] = SIZES,
    repeats: dict[str, int] | None = None,
    report: Any = print,
) -> dict[str, Any]:
    """Seed both databases, then measure each operation for each size in a fresh process."""
    repeats = repeats or {"insights": 5, "csv": 2}
    now = datetime.now(UTC).replace(microsecond=0)
    shops = {shop_name(size): size for size in sizes}
    rows: list[dict[str, Any]] = []
    seeding: dict[str, float] = {}
    workdir.mkdir(parents=True, exist_ok=True)
    with PostgresServer() as postgres:
        targets = {
            "sqlite": (str(workdir / "insights.sqlite3"), 0),
            "postgres": (postgres.create_database(DATABASE), postmaster_pid(postgres)),
        }
        for kind, (target, postmaster) in targets.items():
            report(f"  seeding {kind}: {sum(sizes):,} attempts ...")
            seeding[kind] = asyncio.run(_seed(kind, target, shops, now))
            if kind == "postgres":
                postgres.sql(DATABASE, "VACUUM ANALYZE attempts")
                postgres.sql(DATABASE, "CHECKPOINT")
            for size in sizes:
                for name in OPERATIONS:
                    figures = _measure_in_process(
                        kind, target, name, shop_name(size), now, repeats[name], postmaster
                    )
                    rows.append({"store": kind, "attempts": size, "operation": name, **figures})
                    report(
                        f"  {kind:8s} {size:>7,} attempts {name:8s} {figures['ms']:9.1f} ms "
                        f"(first {figures['first_ms']:.1f}), heap peak "
                        f"{figures['heap_peak_mib']:.2f} MiB, "
                        f"RSS +{figures['rss_peak_delta_mib']} MiB"
                    )
    return {
        "how": HOW,
        "sizes": list(sizes),
        "repeats": repeats,
        "period_days": PERIOD_DAYS,
        "shop_timezone": TZ,
        "seeding_seconds_not_counted": {k: round(v, 1) for k, v in seeding.items()},
        "rows": rows,
    }


async def _seed(kind: str, target: str, shops: dict[str, int], now: datetime) -> float:
    store = make_store(kind, target)
    await store.open()
    try:
        return await seed(store, shops, now=now)
    finally:
        await store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("measure", help="one figure, printed as JSON (what the part runs)")
    one.add_argument("kind", choices=KINDS)
    one.add_argument("target", help="the SQLite file, or the PostgreSQL URL")
    one.add_argument("operation", choices=OPERATIONS)
    one.add_argument("shop")
    one.add_argument("now", type=datetime.fromisoformat)
    one.add_argument("repeats", type=int)
    one.add_argument("postmaster", type=int, help="the cluster's postmaster pid, 0 for SQLite")
    args = parser.parse_args(argv)
    figures = asyncio.run(
        measure(
            args.kind,
            args.target,
            args.operation,
            args.shop,
            args.now,
            args.repeats,
            args.postmaster,
        )
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
