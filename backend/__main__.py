"""`python -m backend [command]`: the backend alone, settings from the environment.

- (no command) or `serve`: migrate the database if it is behind, then serve (uvicorn).
- `migrate`: bring the database to the newest schema, then exit (a release step).
- `worker`: run jobs only, no HTTP (for fleets; set IN_PROCESS_WORKER=off on the web backends).
- `rotate-keys`: re-encrypt every stored token with the first of TOKEN_ENCRYPTION_KEYS.
- `new-key`: print a new key for TOKEN_ENCRYPTION_KEYS.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

import uvicorn
from starlette.types import ASGIApp

from backend.app import create_app, utc_now
from backend.observability.logs import log_config
from backend.services import open_store, running_services
from backend.settings import Settings, SettingsError
from backend.store.base import StoreUnavailable
from backend.store.crypto import new_key

USAGE = "usage: python -m backend [serve | migrate | worker | rotate-keys | new-key]"


def settings_or_exit() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        sys.exit(f"cancel-button: {error}")


def serve(app: ASGIApp, settings: Settings) -> None:
    """One uvicorn worker on the settings' host and port (behind a TLS-terminating proxy).

    Its logs, uvicorn's own access and error lines included, are JSON lines on stdout.
    """
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=log_config(),
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )


async def migrate(settings: Settings) -> None:
    store = open_store(settings)
    try:
        await store.open()  # migrates, behind the database's lock
    finally:
        await store.close()


async def rotate_keys(settings: Settings) -> int:
    store = open_store(settings)
    try:
        await store.open()
        rotated: int = await store.rotate_tokens()
        return rotated
    finally:
        await store.close()


async def work(settings: Settings) -> None:
    """Run jobs until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running_services(settings, clock=utc_now, worker=True):
        print("cancel-button: worker running", flush=True)
        await stop.wait()


def main(argv: Sequence[str] = sys.argv[1:]) -> None:
    command = argv[0] if argv else "serve"
    if command == "new-key":
        print(new_key())
        return
    if command not in ("serve", "migrate", "worker", "rotate-keys") or len(argv) > 1:
        sys.exit(USAGE)
    settings = settings_or_exit()
    try:
        if command == "migrate":
            asyncio.run(migrate(settings))
            print("cancel-button: the database is at the newest schema")
        elif command == "worker":
            asyncio.run(work(settings))
        elif command == "rotate-keys":
            count = asyncio.run(rotate_keys(settings))
            print(f"cancel-button: {count} tokens now encrypted with the first key")
        else:
            serve(create_app(settings), settings)
    except StoreUnavailable as error:
        sys.exit(f"cancel-button: the database is unavailable: {error}")


if __name__ == "__main__":
    main()
