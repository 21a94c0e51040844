"""Alembic migrations of the history, shipped in the package and run at open (:func:`upgrade`).

Revisions: ``0001`` rounds, inputs and findings; ``0002`` merge accounts and task progress;
``0003`` a round's state (pending until its run's output is in place) and its run."""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
HEAD = "0003"


def config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(connection, revision: str = "head") -> None:
    """Bring the history on ``connection`` (inside its transaction) to ``revision``."""
    from alembic import command

    command.upgrade(config(connection), revision)


def current(connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
