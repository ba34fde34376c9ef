"""The shared store: one Redis, for several backends behind a load balancer.

Keys. Every key starts with the prefix and then the shop in literal braces, as in
`cancel-button:{alpha.myshopify.com}:policy`. The braces make the shop Redis Cluster's hash tag,
so all of a shop's keys share one slot and a script may touch several of them; the prefix lets
several apps (or test runs) share one database.

    P:{shop}:policy               STRING  the policy as codec JSON
    P:{shop}:token                STRING  the token as codec JSON
    P:{shop}:cancel:{order_id}    HASH    the record's codec fields (None: field absent),
                                          plus `updated_at_us`
    P:{shop}:attempts             ZSET    score: `at` in µs since the epoch;
                                          member: 16-digit sequence, ":", codec JSON
    P:{shop}:attempts:seq         STRING  the sequence counter
    P:{shop}:claim:{kind}:{key}   STRING  a first-seen mark (webhook id, refresh token digest):
                                          its deadline in µs; the key also expires (PX ttl)

Erasure finds a shop's keys by SCAN over its prefix, so a key type added later is erased too as
long as it follows the layout above.

Records are hashes rather than JSON strings because the scripts below read and write single
fields: no JSON parsing inside Redis, and `settle` changes only what it names. `updated_at_us` is
the stale check's operand: Lua compares strings with the server's collation locale, numbers it
compares exactly (µs since the epoch fit a double's 53 bits until the year 2255).

Attempts are a sorted set, not a stream: a stream's IDs must grow with each entry, but `at`
comes from the callers' clocks in no particular order, and `attempts(since=)` filters by `at`.
Equal scores sort by member, and the member opens with a zero-padded sequence number drawn in
the same script as the ZADD, so attempts at one instant come back in recording order.

Atomicity. `claim`, `settle`, `release` and `record_attempt` are each one Lua script: Redis runs
a script to its end before any other command, so their read-then-write is one step for every
process sharing the server.

Failures. Connections time out after `timeout` seconds (connect and read) and are never retried:
a retried write whose first try did reach Redis would run twice. A call then raises
`redis.exceptions.ConnectionError` or `TimeoutError` (both `RedisError`); `ping()` answers False
instead. A pooled connection the server has closed (a restart, an idle timeout) is noticed and
replaced before use, so a restart costs no failed calls once Redis answers again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from redis.maint_notifications import MaintNotificationsConfig

from backend.policy import ShopPolicy
from backend.store.base import Attempt, CancellationRecord, CustomerData, FlightState, ShopToken
from backend.store.codec import (
    decode_attempt,
    decode_policy,
    decode_record,
    decode_token,
    dumps,
    encode_attempt,
    encode_datetime,
    encode_policy,
    encode_record,
    encode_token,
    loads,
)

# KEYS[1] the record; ARGV[1] stale_before in µs; ARGV[2..] the new record's field/value pairs.
# Returns nil when the caller now holds the flight, else the holder's fields as a flat list.
_CLAIM = """
local held = redis.call('HMGET', KEYS[1], 'state', 'updated_at_us')
if held[1] then
    if held[1] ~= 'IN_FLIGHT' or tonumber(held[2]) >= tonumber(ARGV[1]) then
        return redis.call('HGETALL', KEYS[1])
    end
    -- A stale flight: drop it whole, so none of its optional fields outlive it.
    redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return false
"""

# KEYS[1] the record; ARGV: state, updated_at, updated_at_us, then job_id/message pairs given.
# A cancelled order stays cancelled: Shopify cannot undo it, so a late PENDING from the request
# that sent orderCancel must not overwrite the CANCELLED the webhook already wrote.
_SETTLE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or (state == 'CANCELLED' and ARGV[1] ~= 'CANCELLED') then
    return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_at', ARGV[2], 'updated_at_us', ARGV[3],
    unpack(ARGV, 4))
return 1
"""

# KEYS[1] the record.
_RELEASE = """
if redis.call('HGET', KEYS[1], 'state') == 'IN_FLIGHT' then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] the attempts set, KEYS[2] its sequence; ARGV[1] `at` in µs, ARGV[2] the attempt's JSON.
_RECORD_ATTEMPT = """
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], ARGV[1], string.format('%016d', seq) .. ':' .. ARGV[2])
return seq
"""

# KEYS[1] the mark; ARGV: now and the deadline in µs (the caller's clock, as SQLite's marks),
# and the TTL in ms for Redis to drop the key by its own clock once nobody needs it.
_CLAIM_ONCE = """
local deadline = redis.call('GET', KEYS[1])
if deadline and tonumber(deadline) > tonumber(ARGV[1]) then
    return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""

# The pool decodes every reply (decode_responses=True), so Redis answers str where redis-py's
# types also allow bytes.
_Text = dict[str, str]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MILLISECOND = timedelta(milliseconds=1)


def _micros(value: datetime) -> int:
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime cannot be stored: {value!r}")
    return (value - _EPOCH) // _MICROSECOND


def _record_fields(record: CancellationRecord) -> list[str]:
    fields = [
        item
        for name, value in encode_record(record).items()
        if value is not None
        for item in (name, value)
    ]
    return [*fields, "updated_at_us", str(_micros(record.updated_at))]


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def _pairs(flat: Sequence[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


@dataclass(frozen=True, slots=True)
class _Connection:
    pool: BlockingConnectionPool
    client: Redis
    claim: AsyncScript
    settle: AsyncScript
    release: AsyncScript
    record_attempt: AsyncScript
    claim_once: AsyncScript


class RedisStore:
    """The store in the Redis at `url` (`redis://`, `rediss://` or `unix://`), keys under `prefix`.

    `timeout` bounds each connect, each reply and each wait for one of the `max_connections`
    pooled connections, so an unreachable Redis fails a call within seconds, never hangs it.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "cancel-button",
        timeout: float = 2.0,
        max_connections: int = 50,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.max_connections = max_connections
        self._connection: _Connection | None = None

    async def open(self) -> None:
        # Connecting is lazy: a Redis that is down at startup shows in `ping()` (and /healthz),
        # and the store works as soon as Redis is back.
        if self._connection is not None:
            return
        # Blocking: a burst of calls waits for a free connection instead of failing at once.
        pool = BlockingConnectionPool.from_url(
            self.url,
            max_connections=self.max_connections,
            timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            socket_timeout=self.timeout,
            decode_responses=True,
            # Maintenance notifications (a Redis Enterprise feature) are on by default with RESP3,
            # and while on, the pool skips its check for connections the server has closed: after
            # a Redis restart each pooled connection would fail one call.
            maint_notifications_config=MaintNotificationsConfig(enabled=False),
        )
        client = Redis(connection_pool=pool)
        self._connection = _Connection(
            pool=pool,
            client=client,
            claim=client.register_script(_CLAIM),
            settle=client.register_script(_SETTLE),
            release=client.register_script(_RELEASE),
            record_attempt=client.register_script(_RECORD_ATTEMPT),
            claim_once=client.register_script(_CLAIM_ONCE),
        )

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.client.aclose()
        finally:
            await connection.pool.aclose()

    def _open(self) -> _Connection:
        if self._connection is None:
            raise RuntimeError("RedisStore is not open")
        return self._connection

    def _key(self, shop: str, *parts: str) -> str:
        # A brace in the shop would end the hash tag early and let shops share keys.
        if "{" in shop or "}" in shop:
            raise ValueError(f"not a shop domain: {shop!r}")
        return ":".join([self.prefix, f"{{{shop}}}", *parts])

    async def ping(self) -> bool:
        if self._connection is None:
            return False
        try:
            return bool(await self._connection.client.ping())
        except (RedisError, OSError):
            return False

    async def get_policy(self, shop: str) -> ShopPolicy | None:
        text = await self._open().client.get(self._key(shop, "policy"))
        return None if text is None else decode_policy(loads(text))

    async def save_policy(self, shop: str, policy: ShopPolicy) -> None:
        await self._open().client.set(self._key(shop, "policy"), dumps(encode_policy(policy)))

    async def get_token(self, shop: str) -> ShopToken | None:
        text = await self._open().client.get(self._key(shop, "token"))
        return None if text is None else decode_token(loads(text))

    async def save_token(self, shop: str, token: ShopToken) -> None:
        await self._open().client.set(self._key(shop, "token"), dumps(encode_token(token)))

    async def delete_token(self, shop: str) -> None:
        await self._open().client.delete(self._key(shop, "token"))

    async def claim(
        self, record: CancellationRecord, *, stale_before: datetime
    ) -> CancellationRecord | None:
        if record.state is not FlightState.IN_FLIGHT:
            raise ValueError(f"a claim stores an IN_FLIGHT record, not {record.state}")
        key = self._key(record.shop, "cancel", record.order_id)
        args = [str(_micros(stale_before)), *_record_fields(record)]
        holder: list[str] | None = await self._open().claim(keys=[key], args=args)
        return None if holder is None else decode_record(_pairs(holder))

    async def settle(
        self,
        shop: str,
        order_id: str,
        state: FlightState,
        *,
        at: datetime,
        job_id: str | None = None,
        message: str | None = None,
    ) -> None:
        args = [state.value, encode_datetime(at), str(_micros(at))]
        # A field left out keeps its stored value, as the protocol asks of None.
        for name, value in (("job_id", job_id), ("message", message)):
            if value is not None:
                args += [name, value]
        await self._open().settle(keys=[self._key(shop, "cancel", order_id)], args=args)

    async def release(self, shop: str, order_id: str) -> None:
        await self._open().release(keys=[self._key(shop, "cancel", order_id)])

    async def get_cancellation(self, shop: str, order_id: str) -> CancellationRecord | None:
        fields = await self._open().client.hgetall(self._key(shop, "cancel", order_id))
        return decode_record(cast(_Text, fields)) if fields else None

    async def get_cancellations(
        self, shop: str, order_ids: Sequence[str]
    ) -> dict[str, CancellationRecord]:
        if not order_ids:
            return {}
        keys = [self._key(shop, "cancel", order_id) for order_id in order_ids]
        # Hashes have no MGET; one pipeline is still one round trip. No MULTI: the records are
        # independent, and each HGETALL is atomic on its own.
        async with self._open().client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
            rows: list[_Text] = await pipe.execute()
        return {
            order_id: decode_record(fields)
            for order_id, fields in zip(order_ids, rows, strict=True)
            if fields
        }

    async def record_attempt(self, attempt: Attempt) -> None:
        keys = [self._key(attempt.shop, "attempts"), self._key(attempt.shop, "attempts", "seq")]
        args = [str(_micros(attempt.at)), dumps(encode_attempt(attempt))]
        await self._open().record_attempt(keys=keys, args=args)

    async def attempts(self, shop: str, *, since: datetime | None = None) -> list[Attempt]:
        key = self._key(shop, "attempts")
        client = self._open().client
        if since is None:
            found = await client.zrange(key, 0, -1)
        else:
            found = await client.zrangebyscore(key, _micros(since), "+inf")
        members = cast(list[str], found)
        return [decode_attempt(loads(member.partition(":")[2])) for member in members]

    async def seen_webhook(
        self, shop: str, webhook_id: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        return not await self._claim_once(shop, "webhook", webhook_id, ttl=ttl, at=at)

    async def claim_refresh(
        self, shop: str, refresh_token: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        digest = hashlib.sha256(refresh_token.encode()).hexdigest()
        return await self._claim_once(shop, "refresh", digest, ttl=ttl, at=at)

    async def _claim_once(
        self, shop: str, kind: str, key: str, *, ttl: timedelta, at: datetime
    ) -> bool:
        taken = await self._open().claim_once(
            keys=[self._key(shop, "claim", kind, key)],
            args=[str(_micros(at)), str(_micros(at + ttl)), str(max(ttl // _MILLISECOND, 1))],
        )
        return bool(taken)

    async def _shop_keys(self, shop: str, *parts: str) -> list[str]:
        pattern = _glob_escape(self._key(shop, *parts)) + ":*"
        found = [key async for key in self._open().client.scan_iter(match=pattern, count=500)]
        return cast(list[str], found)

    async def erase_shop(self, shop: str) -> None:
        client = self._open().client
        keys = await self._shop_keys(shop)
        for start in range(0, len(keys), 500):
            await client.delete(*keys[start : start + 500])

    async def erase_customer(self, shop: str, customer_id: str) -> None:
        client = self._open().client
        records, members = await self._customer_entries(shop, customer_id)
        if records:
            await client.delete(*records)
        if members:
            # ZREM names exact members: attempts recorded meanwhile are untouched.
            await client.zrem(self._key(shop, "attempts"), *members)

    async def customer_data(self, shop: str, customer_id: str) -> CustomerData:
        client = self._open().client
        keys, members = await self._customer_entries(shop, customer_id)
        async with client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hgetall(key)
            rows: list[_Text] = await pipe.execute()
        records = sorted(
            (decode_record(fields) for fields in rows if fields),
            key=lambda record: (record.created_at, record.order_id),
        )
        attempts = [decode_attempt(loads(member.partition(":")[2])) for member in members]
        return CustomerData(
            shop=shop, customer_id=customer_id, cancellations=records, attempts=attempts
        )

    async def _customer_entries(self, shop: str, customer_id: str) -> tuple[list[str], list[str]]:
        """The customer's record keys and attempt members (in recording order)."""
        client = self._open().client
        record_keys = await self._shop_keys(shop, "cancel")
        async with client.pipeline(transaction=False) as pipe:
            for key in record_keys:
                pipe.hget(key, "customer_id")
            owners: list[str | None] = await pipe.execute()
        mine = [key for key, owner in zip(record_keys, owners, strict=True) if owner == customer_id]
        members = cast(list[str], await client.zrange(self._key(shop, "attempts"), 0, -1))
        attempts = [
            member
            for member in members
            if loads(member.partition(":")[2]).get("customer_id") == customer_id
        ]
        return mine, attempts
