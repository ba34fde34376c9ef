"""A real PostgreSQL server for tests: private, on a free port of 127.0.0.1, gone when done.

`initdb` makes a new cluster in a temporary folder and `postgres` runs it as our child, so
`stop()` reaches it and a test can restart it on the same port. PostgreSQL refuses to run as
root, so as root (CI, a fresh Debian machine) the server runs as the `postgres` user that
Debian's package creates, in a folder of its own under the system's temporary directory (pytest's
own folders are private to root).

The backend connects as an ordinary role that owns its database, never as a superuser, as the
README asks of a deployment. Missing PostgreSQL is an error, never a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
APP_ROLE = "cancel_button"
APP_PASSWORD = "tests-only-password"


class PostgresServerError(RuntimeError):
    """PostgreSQL is not installed, or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _bindir() -> Path:
    """The newest installed server's binaries (Debian keeps them out of PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(Path(path).parts[-3]),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise PostgresServerError(
        "PostgreSQL is not installed (on Debian: apt-get install postgresql);"
        " the store tests need a real server and are never skipped"
    )


class PostgresServer:
    """`with PostgresServer() as server:` runs one cluster; `server.create_database()` a URL."""

    def __init__(self) -> None:
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="cancel-button-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.log = self.root / "postgres.log"
        self._bin = _bindir()
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    @property
    def superuser(self) -> str:
        return self._user.pw_name if self._user else pwd.getpwuid(os.geteuid()).pw_name

    def _as_server_user(self, arguments: Sequence[str]) -> list[str]:
        if self._user is None:
            return list(arguments)
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *arguments]

    def _initdb(self) -> None:
        self.sockets.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            os.chmod(self.root, 0o755)
            for path in (self.root, self.sockets):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        result = subprocess.run(
            self._as_server_user(
                [
                    str(self._bin / "initdb"),
                    "-D",
                    str(self.data),
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PostgresServerError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def start(self) -> None:
        if not self.data.exists():
            self._initdb()
        if self.port:
            if self._start_on():
                return
        else:
            for _ in range(3):
                self.port = _free_port()
                if self._start_on():
                    self._create_app_role()
                    return
        raise PostgresServerError(f"postgres did not start; its log:\n{self._output()}")

    def _start_on(self) -> bool:
        settings = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.sockets),
            # Durability against a crash of the machine is not what these tests are about; a
            # killed or restarted server still loses nothing it acknowledged.
            "fsync": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        arguments = [str(self._bin / "postgres"), "-D", str(self.data)]
        arguments += [
            part for name, value in settings.items() for part in ("-c", f"{name}={value}")
        ]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self._as_server_user(arguments),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._psql("postgres", "SELECT 1", check=False).returncode == 0:
                return True
            if self._process.poll() is not None:
                return False  # most likely the port was taken; the caller tries another
            time.sleep(0.05)
        self.stop()
        raise PostgresServerError(
            f"postgres on port {self.port} did not answer within {START_TIMEOUT} s;"
            f" its log:\n{self._output()}"
        )

    def psql_command(self, database: str, sql: str, *flags: str) -> list[str]:
        """psql running `sql` as the superuser over the server's own socket."""
        return self._as_server_user(
            [
                str(self._bin / "psql"),
                "-X",
                "-q",
                *flags,
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.sockets),
                "-p",
                str(self.port),
                "-U",
                self.superuser,
                "-d",
                database,
                "-c",
                sql,
            ]
        )

    def _psql(
        self, database: str, sql: str, *flags: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.psql_command(database, sql, *flags), capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise PostgresServerError(f"psql failed on {sql!r}:\n{result.stderr}")
        return result

    def _create_app_role(self) -> None:
        self._psql(
            "postgres",
            f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
            f" PASSWORD '{APP_PASSWORD}'",
        )

    def create_database(self, name: str | None = None) -> str:
        """A new, empty database owned by the app's role; its URL, as a host would hand it out."""
        self._databases += 1
        name = name or f"test_{os.getpid()}_{self._databases}"
        self._psql("postgres", f'CREATE DATABASE "{name}" OWNER {APP_ROLE}')
        return f"postgresql://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{self.port}/{name}"

    def sql(self, database: str, statement: str) -> str:
        """Run `statement` as the superuser; its unaligned, tuples-only output."""
        return self._psql(database, statement, "-A", "-t").stdout.strip()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()  # SIGTERM: PostgreSQL's "smart" shutdown would wait; this is fast
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError as error:
            return f"(no output: {error})"

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.remove()
