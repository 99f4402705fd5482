"""Alembic environment: the schema exists only through these migrations.

``flask db upgrade`` passes an open connection in ``config.attributes``.
"""
from alembic import context

from app import models  # noqa: F401  (registers every table)
from app.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
