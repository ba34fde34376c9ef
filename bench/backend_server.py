"""`python -m bench.backend_server`: the backend exactly as `python -m backend` serves it, except
that `BENCH_APP_ENV=production` turns production on after the settings are read.

Why: `Settings.from_env` refuses `SHOPIFY_ADMIN_BASE_URL` (devshop) outside development, but a
benchmark should time what production runs, and the two differ on the hot path: production adds
Strawberry's `DisableIntrospection` and `MaskErrors` extensions to every request and drops
GraphiQL. Everything else (uvicorn's arguments, access log at `info`, one worker, the lifespan)
is `backend.__main__`'s. With `BENCH_APP_ENV=development` this is `python -m backend` unchanged.
"""

from __future__ import annotations

import dataclasses
import os

from backend.__main__ import serve, settings_or_exit
from backend.app import create_app


def main() -> None:
    settings = settings_or_exit()
    settings = dataclasses.replace(
        settings, app_env=os.environ.get("BENCH_APP_ENV") or settings.app_env
    )
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
