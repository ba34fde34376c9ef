"""`/readyz`: 200 only when every dependency is ready; `/healthz` stays liveness."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from backend.readiness import CHECKS, readyz_endpoint
from backend.store.engine import create_engine, database_url
from backend.store.sql import SQLStore
from tests.conftest import running_stack
from tests.redis_server import RedisServer
from tests.stores import TEST_CIPHER


async def test_ready_with_the_embedded_store(tmp_path: Path) -> None:
    async with running_stack(tmp_path) as stack, stack.direct() as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_while_the_limits_redis_is_away_and_ready_again_after(
    tmp_path: Path,
) -> None:
    with RedisServer(tmp_path / "redis") as server:
        async with (
            running_stack(tmp_path, redis_url=server.url, redis_timeout=0.5) as stack,
            stack.direct() as client,
        ):
            assert (await client.get("/readyz")).status_code == 200
            await asyncio.to_thread(server.stop)
            away = await client.get("/readyz")
            alive = await client.get("/healthz")
            await asyncio.to_thread(server.start)
            back = await client.get("/readyz")
    assert away.status_code == 503
    assert away.json() == {
        "status": "unavailable",
        "problems": ["rate limit storage (Redis) unavailable"],
    }
    assert alive.status_code == 200  # liveness: the process and its store are fine
    assert back.status_code == 200


class BehindOnMigrations(SQLStore):
    async def schema_is_current(self) -> bool:
        return False


async def test_not_ready_until_the_schema_is_at_the_newest_migration(tmp_path: Path) -> None:
    store = BehindOnMigrations(
        create_engine(database_url(None, tmp_path / "old.sqlite3"), timeout=5.0), TEST_CIPHER
    )
    async with running_stack(tmp_path, store=store) as stack, stack.direct() as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [
        "database schema is not at the newest migration (python -m backend migrate)"
    ]


async def test_a_check_is_one_async_callable_and_one_that_fails_is_a_problem() -> None:
    async def schema_current(request: Request) -> str | None:
        return "schema version 3, migrations at 4"

    async def broken(request: Request) -> str | None:
        raise RuntimeError("boom")

    async def fine(request: Request) -> str | None:
        return None

    app = Starlette(routes=[Route("/readyz", readyz_endpoint([fine, schema_current, broken]))])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [
        "schema version 3, migrations at 4",
        "broken: RuntimeError",
    ]
    assert len(CHECKS) == 3
