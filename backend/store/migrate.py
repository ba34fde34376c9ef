"""Schema migrations: Alembic, run behind a lock so two starting backends never both migrate.

Every backend migrates at start (and `python -m backend migrate` does the same on demand).
The lock is the database's own: on PostgreSQL a transaction-scoped advisory lock, on SQLite the
write lock of `BEGIN IMMEDIATE`. Whoever gets it first migrates, in one transaction (both
databases have transactional DDL), and commits; the next finds the schema current and does
nothing. A migration that fails rolls back whole and the backend does not start.

A file made by the first release (its tables, no `alembic_version`) is stamped with revision
0001 first, so its rows carry over.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.store.crypto import TokenCipher
from backend.store.engine import WRITE

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock's key: any constant that no other application on the database uses.
LOCK_KEY = 0x63616E63656C  # "cancel"
FIRST_RELEASE = "0001"


def alembic_config(cipher: TokenCipher | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["token_cipher"] = cipher
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def is_current(connection: Connection) -> bool:
    return current(connection) == head()


def _upgrade(connection: Connection, cipher: TokenCipher) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    config = alembic_config(cipher)
    config.attributes["connection"] = connection
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" not in tables and "cancellations" in tables:
        command.stamp(config, FIRST_RELEASE)
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine, cipher: TokenCipher) -> None:
    """Bring the database to the newest revision, or leave it as it was."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(**WRITE)
        async with conn.begin():
            await conn.run_sync(_upgrade, cipher)
