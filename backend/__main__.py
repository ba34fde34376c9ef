"""`python -m backend`: the backend alone, settings from the environment."""

from __future__ import annotations

import sys

import uvicorn

from backend.app import create_app
from backend.settings import Settings, SettingsError


def main() -> None:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.exit(f"cancel-button: {error}")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
