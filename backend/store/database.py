"""The connection every part of the store shares: transactions, dialects, failures.

Every call is one transaction: its own, or the one `transaction()` holds, in which a handler's
calls commit or roll back together. Failures of the database itself (refused, gone, slow past
the timeout, locked past the busy timeout) come out as `StoreUnavailable`, nothing half-done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Self

from sqlalchemy import Delete, RowMapping, literal, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from backend.store.base import StoreUnavailable
from backend.store.crypto import TokenCipher
from backend.store.engine import WRITE
from backend.store.migrate import is_current, upgrade


@contextmanager
def unavailable() -> Iterator[None]:
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as error:
        raise StoreUnavailable(str(error).splitlines()[0]) from error
    except sa_exc.DBAPIError as error:
        if error.connection_invalidated:
            raise StoreUnavailable(str(error).splitlines()[0]) from error
        raise
    except (OSError, TimeoutError) as error:
        raise StoreUnavailable(str(error)) from error


class Database:
    """An async engine, and optionally the connection of a transaction under way."""

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: TokenCipher,
        *,
        connection: AsyncConnection | None = None,
    ) -> None:
        self.engine = engine
        self._cipher = cipher
        self._connection = connection
        self._postgres = engine.dialect.name == "postgresql"

    # Connections -------------------------------------------------------------------------

    async def open(self) -> None:
        """Migrate to the newest schema, behind the database's lock (backend/store/migrate.py)."""
        with unavailable():
            await upgrade(self.engine, self._cipher)

    async def close(self) -> None:
        if self._connection is None:
            await self.engine.dispose()

    @asynccontextmanager
    async def _begin(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction: this store's own, or a new one committed at the end."""
        if self._connection is not None:
            yield self._connection
            return
        with unavailable():
            async with self.engine.connect() as conn:
                if write:
                    conn = await conn.execution_options(**WRITE)
                async with conn.begin():
                    yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        if self._connection is not None:
            yield self
            return
        async with self._begin(write=True) as conn:
            yield type(self)(self.engine, self._cipher, connection=conn)

    async def _rows(self, statement: Any) -> list[RowMapping]:
        async with self._begin(write=False) as conn:
            with unavailable():
                result = await conn.execute(statement)
                return list(result.mappings())

    async def _write(self, statement: Any) -> int:
        async with self._begin(write=True) as conn:
            with unavailable():
                result = await conn.execute(statement)
                return int(result.rowcount)

    async def _wrote(self, statement: Any) -> bool:
        """Whether `statement` (an upsert or update) wrote a row.

        RETURNING, not rowcount: an upsert whose conflict branch does nothing reports no row on
        either dialect, where drivers disagree on what its rowcount is.
        """
        returning = statement.returning(literal(1))
        async with self._begin(write=True) as conn:
            with unavailable():
                return (await conn.execute(returning)).first() is not None

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._postgres else sqlite.insert)(table)

    async def ping(self) -> bool:
        try:
            rows = await self._rows(select(literal(1).label("ok")))
        except StoreUnavailable:
            return False
        return [dict(row) for row in rows] == [{"ok": 1}]

    async def schema_is_current(self) -> bool:
        try:
            async with self._begin(write=False) as conn:
                with unavailable():
                    return await conn.run_sync(is_current)
        except StoreUnavailable:
            return False

    # Policies and tokens -----------------------------------------------------------------

    async def _delete_all(self, statements: Sequence[Delete]) -> int:
        deleted = 0
        async with self._begin(write=True) as conn:
            with unavailable():
                for statement in statements:
                    deleted += (await conn.execute(statement)).rowcount
        return deleted
