"""`python -m backend`: the backend alone, settings from the environment."""

from __future__ import annotations

import sys

import uvicorn
from starlette.types import ASGIApp

from backend.app import create_app
from backend.observability.logs import log_config
from backend.settings import Settings, SettingsError


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


def main() -> None:
    settings = settings_or_exit()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
