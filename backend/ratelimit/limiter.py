"""Counting requests against the rules, in memory or in one Redis shared by every backend.

Why `limits` and not slowapi's decorators: slowapi attaches limits to Starlette endpoints and
reads its keys from the request before the endpoint runs (that is the door, `door.py`, per client
address before verification). These depend on what the request is:
the verified viewer (shop, customer), the operation in the GraphQL document (a read or a cancel)
and the order a cancel names; all of these are known only inside our pure ASGI endpoint, after
the signature check and the document's parse. slowapi adds nothing there but a second,
synchronous limiter, so we use the library it is built on directly: `limits`' asyncio API, its
moving-window strategy, and its `MemoryStorage` (one process) or `RedisStorage` (many).

Moving window, because it is exact: "5 per minute" means at most 5 in any 60 seconds, with no
burst of 10 across a window's edge, and each hit is one atomic Lua script in Redis, so the
count holds for every process sharing the server.

Several rules apply to one request (order, customer, IP, shop). They are hit in that order and
the first one full refuses; the hits already made stay counted, so refused attempts count too,
and a flood from one customer is stopped by their own rule before it spends the shop's.

Failure is closed: a Redis that is down or slow raises `LimiterUnavailable`, never "allowed".
Connections time out after `timeout` seconds and are not retried, as in the Redis store.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, WindowStats
from limits import storage as sync_storage
from limits import strategies as sync_strategies
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import BlockingConnectionPool
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from backend.observability import metrics
from backend.ratelimit.rules import Kind, RateLimits, Scope

PREFIX = "cancel-button:limits"


class LimiterUnavailable(Exception):
    """The limiter's storage did not answer in time: refuse, and ask the client to retry."""


@dataclass(frozen=True, slots=True)
class Subject:
    """Who and what one request is about; a missing part skips its rules."""

    shop: str
    customer: str | None = None
    ip: str | None = None
    order: str | None = None

    def identifier(self, scope: Scope) -> str | None:
        value: str | None = getattr(self, scope.value)
        return value


@dataclass(frozen=True, slots=True)
class Refusal:
    scope: Scope
    retry_after: int  # whole seconds, at least 1


class _InProcess:
    """The moving window in this process's memory, with the async face of limits' strategies.

    limits' asyncio `MemoryStorage` expires old entries by sweeping every key through
    `asyncio.to_thread`, one thread hop per key, again and again under load: its CPU grew with
    the number of orders seen (about 1.7 ms per cancel in `make bench`). Its synchronous
    storage does the same sweep in one timer thread, and a hit is a few dict and list
    operations with no I/O, safe to call from the event loop.
    """

    def __init__(self) -> None:
        self.storage = sync_storage.MemoryStorage()
        self.strategy = sync_strategies.MovingWindowRateLimiter(self.storage)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self.strategy.hit(item, *identifiers)

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self.strategy.get_window_stats(item, *identifiers)

    def close(self) -> None:
        self.storage.timer.cancel()


class Limiter:
    def __init__(
        self,
        rules: RateLimits,
        redis_url: str | None = None,
        *,
        timeout: float = 2.0,
        prefix: str = PREFIX,
        max_connections: int = 50,
    ) -> None:
        self.rules = rules
        self.redis_url = redis_url
        self.timeout = timeout
        self.prefix = prefix
        self.max_connections = max_connections
        self._pool: BlockingConnectionPool | None = None
        self._strategy: MovingWindowRateLimiter | _InProcess | None = None

    async def open(self) -> None:
        if self._strategy is not None:
            return
        if self.redis_url is None:
            self._strategy = _InProcess()
        else:
            # The same pool as the store's: bounded waits, no retries, and no maintenance
            # notifications (with them on, the pool skips its check for closed connections).
            self._pool = BlockingConnectionPool.from_url(
                self.redis_url,
                max_connections=self.max_connections,
                timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                socket_timeout=self.timeout,
                maint_notifications_config=MaintNotificationsConfig(enabled=False),
            )
            storage = RedisStorage(
                "async+" + self.redis_url,
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=self.prefix,
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self._strategy = MovingWindowRateLimiter(storage)

    async def close(self) -> None:
        strategy, self._strategy = self._strategy, None
        if isinstance(strategy, _InProcess):
            strategy.close()
        # The storage's client was built on our pool; closing the pool closes its connections.
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()

    async def ping(self) -> bool:
        """Whether the counts can be kept: always in memory; Redis must answer in time."""
        strategy = self._strategy
        if strategy is None:
            return False
        if isinstance(strategy, _InProcess):
            return True
        try:
            return bool(await strategy.storage.check())
        except (StorageError, RedisError, OSError, TimeoutError):
            return False

    async def hit(self, kind: Kind, subject: Subject) -> Refusal | None:
        """Count one `kind` request by `subject`: None if allowed, else which rule refused."""
        strategy = self._strategy
        if strategy is None:
            raise RuntimeError("Limiter is not open")
        try:
            for scope, item in self.rules.items(kind):
                value = subject.identifier(scope)
                if value is None:
                    continue
                identifiers = (kind.value, scope.value, subject.shop, value)
                if not await strategy.hit(item, *identifiers):
                    metrics.RATE_LIMITED.labels(kind.value, scope.value).inc()
                    stats = await strategy.get_window_stats(item, *identifiers)
                    wait = math.ceil(stats.reset_time - time.time())
                    return Refusal(scope=scope, retry_after=max(1, wait))
        except (StorageError, RedisError, OSError, TimeoutError) as error:
            raise LimiterUnavailable(str(error)) from error
        return None
