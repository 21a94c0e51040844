"""Alembic's environment: always a connection handed over by aidtools.history.migrations.upgrade."""
from alembic import context


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "config", None) is not None:  # not when merely imported (pytest's doctest collection)
    run()
