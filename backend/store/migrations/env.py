"""Alembic's environment: migrations run on the connection `backend.store.migrate` hands in.

That connection is already in the transaction that holds the migration lock, so Alembic uses
it as it is (and neither begins nor commits).
"""

from __future__ import annotations

from alembic import context

from backend.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `python -m backend migrate`, which locks first")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
