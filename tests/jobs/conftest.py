"""A database of each kind for the job tests, and the worker processes they start on it."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text

from backend.jobs import Tasks
from backend.jobs.local import LocalRunner
from backend.jobs.postgres import ProcrastinateRunner
from backend.store.sql import SQLStore
from tests.conftest import Clock
from tests.stores import make_store

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # seconds: the bound on every wait; a passing test takes a fraction of it


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    target: str  # the file's path, or the database's URL
    store: SQLStore  # the test's own, opened (migrated)

    async def marks(self, kind: str) -> list[str]:
        """The keys the `effect` task marked with `kind` ("effect" or "repeat")."""
        async with self.store.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT key FROM claims WHERE shop = '*' AND kind = :kind ORDER BY key"),
                {"kind": kind},
            )
            return [row[0] for row in rows]

    async def jobs(self) -> list[tuple[str, int]]:
        """Every job still in the table (procrastinate deletes those that succeeded)."""
        table = "jobs" if self.kind == "sqlite" else "procrastinate_jobs"
        name = "task" if self.kind == "sqlite" else "task_name"
        async with self.store.engine.connect() as conn:
            rows = await conn.execute(text(f"SELECT status, attempts FROM {table} ORDER BY {name}"))
            return [(row[0], row[1]) for row in rows]

    async def settled(self) -> bool:
        """No job waits or runs: every one has succeeded or failed."""
        return not any(status in ("todo", "doing") for status, _ in await self.jobs())

    def runner(self, tasks: Tasks, clock: Clock) -> LocalRunner | ProcrastinateRunner:
        """This process's runner of the kind the backend picks for the database."""
        if self.kind == "sqlite":
            return LocalRunner(self.store, tasks, clock=clock, poll=0.05)
        return ProcrastinateRunner(self.target, self.store, tasks, clock=clock, poll=0.05)

    async def bring_forward(self, clock: Clock) -> None:
        """Make the next waiting job due: the runner's clock moves on SQLite; procrastinate
        compares with the server's now(), so there the job's time moves back."""
        if self.kind == "sqlite":
            next_at = await self.store.next_job_at()
            assert next_at is not None
            clock.advance(seconds=max((next_at - clock()).total_seconds(), 0.0))
            return
        async with self.store.engine.begin() as conn:
            await conn.execute(
                text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
            )


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "postgres":
        target = request.getfixturevalue("postgres_url")
    else:
        target = str(tmp_path / "jobs.sqlite3")
    store = make_store(request.param, target, timeout=30)
    await store.open()
    try:
        yield Database(request.param, target, store)
    finally:
        await store.close()


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll `condition` until true, for WAIT seconds at most."""
    deadline = time.monotonic() + WAIT
    while not await condition():
        assert time.monotonic() < deadline, f"not {what} after {WAIT:.0f} s"
        await asyncio.sleep(0.02)


@dataclass
class Process:
    """A Python process of ours; its stdout read line by line, its stderr kept in a file."""

    process: subprocess.Popen[str]
    stderr: Path
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, args: list[str], env: dict[str, str], stderr: Path) -> Process:
        python_path = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        with stderr.open("w") as errors:
            process = subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=env | {"PYTHONPATH": os.pathsep.join(python_path)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        return cls(process, stderr)

    def end(self) -> None:
        """Killed if still running; its pipes closed."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.reader is not None:
            self.reader.join(WAIT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put("")  # end of output

    def expect(self, wanted: str) -> None:
        deadline = time.monotonic() + WAIT
        while (line := self._next(deadline)) != wanted:
            assert line, f"the worker ended before {wanted!r}:\n{self.errors()}"

    def _next(self, deadline: float) -> str:
        try:
            return self.lines.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise AssertionError(f"no line in {WAIT:.0f} s:\n{self.errors()}") from None

    def go(self) -> None:
        """Let a worker started with `--hold` open the store."""
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(WAIT)

    def stop(self) -> list[str]:
        """SIGTERM; what it printed after that, once it exited with 0."""
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(WAIT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"running {WAIT:.0f} s after SIGTERM:\n{self.errors()}") from None
        assert code == 0, f"exited with {code}:\n{self.errors()}"
        lines = []
        while (line := self._next(time.monotonic() + WAIT)) != "":
            lines.append(line)
        return lines

    def runs(self) -> int:
        """Stop a `tests.jobs.worker`; the runs it made."""
        last = self.stop()[-1]
        assert last.startswith("ran "), last
        return int(last.removeprefix("ran "))

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")[-4000:]


Spawn = Callable[..., Process]


@pytest.fixture
def spawn(database: Database, tmp_path: Path) -> Iterator[Spawn]:
    """`spawn(command, *args)`: a worker process on the test's database, killed at the end."""
    started: list[Process] = []

    def start(*args: str) -> Process:
        command = ["-m", "tests.jobs.worker", database.kind, database.target, *args]
        started.append(Process.start(command, dict(os.environ), tmp_path / f"{len(started)}.err"))
        return started[-1]

    yield start
    for process in started:
        process.end()
