"""`python -m devshop`: the local Shopify alone, settings from the environment."""

from __future__ import annotations

import uvicorn

from devshop.app import create_app
from devshop.settings import DevshopSettings


def main() -> None:
    settings = DevshopSettings.from_env()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
