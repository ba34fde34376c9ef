"""A real `redis-server` for tests: private, on a free port, gone when the test is done.

Nothing is persisted (`--save ''`, no AOF) and everything the server might write lands in its
own directory. Missing `redis-server` is an error, never a skip: the Redis store must be tested
for real wherever the suite runs.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


class RedisServerError(RuntimeError):
    """The server is not installed, or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    # Raw RESP rather than a client: this helper must not depend on the code under test.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """`with RedisServer(directory) as server:` runs one server; `server.url` reaches it.

    The first start picks a free port; a start after `stop()` reuses it, so a client sees the
    same server come back.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.directory / "redis-server.log"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RedisServerError(
                "redis-server is not installed (on Debian: apt-get install redis-server);"
                " the Redis store tests need a real server and are never skipped"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.port:
            if self._start_on(executable):
                return
        else:
            # The free port may be taken between our probe and the server's bind: try a few.
            for _ in range(3):
                self.port = _free_port()
                if self._start_on(executable):
                    return
        raise RedisServerError(f"redis-server did not start; its output:\n{self._output()}")

    def _start_on(self, executable: str) -> bool:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "save": "",  # no snapshots: nothing outlives the test
            "appendonly": "no",
            "daemonize": "no",  # stay our child, so terminate() reaches it
            "dir": str(self.directory),
        }
        arguments = [
            executable,
            *(part for name, value in options.items() for part in (f"--{name}", value)),
        ]
        with self.log.open("wb") as log:
            # The child holds its own copy of the descriptor, so closing ours is fine.
            self._process = subprocess.Popen(
                arguments,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if _answers_ping(self.port):
                return True
            if self._process.poll() is not None:
                # Exited: most likely the port was taken; the caller tries another.
                return False
            time.sleep(0.02)
        self.stop()
        raise RedisServerError(
            f"redis-server on port {self.port} did not answer PING within {START_TIMEOUT} s;"
            f" its output:\n{self._output()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError as error:
            return f"(no output: {error})"

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
