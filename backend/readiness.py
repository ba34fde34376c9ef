"""`/readyz`: ready for traffic (`/healthz`, in app.py, stays the liveness probe).

`/readyz` runs every check in `CHECKS` and answers 200 only when none reports a problem;
otherwise 503 with the problems, so a load balancer stops sending traffic while, say, Redis is
away or a new release waits for `python -m backend migrate`. A check is an async callable taking
the request (its lifespan state holds the store and the limiter) and returning a problem in
words, or None; one that raises or hangs is a problem too. Add a dependency by adding a check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse

from backend.ratelimit import Limiter
from backend.store.base import Store

Check = Callable[[Request], Awaitable[str | None]]


async def store_ready(request: Request) -> str | None:
    store: Store = request.state.store
    return None if await store.ping() else "store unavailable"


async def schema_ready(request: Request) -> str | None:
    store: Store = request.state.store
    if await store.schema_is_current():
        return None
    return "database schema is not at the newest migration (python -m backend migrate)"


async def rate_limits_ready(request: Request) -> str | None:
    # In memory, always; with REDIS_URL, the Redis the limits (and the door) count in.
    limiter: Limiter = request.state.limiter
    return None if await limiter.ping() else "rate limit storage (Redis) unavailable"


CHECKS: tuple[Check, ...] = (store_ready, schema_ready, rate_limits_ready)


def readyz_endpoint(
    checks: Sequence[Check] = CHECKS, timeout: float = 5.0
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def run(check: Check, request: Request) -> str | None:
        try:
            async with asyncio.timeout(timeout):
                return await check(request)
        except Exception as error:  # a check that fails to answer is a problem, not a 500
            return f"{getattr(check, '__name__', 'check')}: {type(error).__name__}"

    async def readyz(request: Request) -> JSONResponse:
        results = await asyncio.gather(*(run(check, request) for check in checks))
        problems = [problem for problem in results if problem is not None]
        if problems:
            return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    return readyz
