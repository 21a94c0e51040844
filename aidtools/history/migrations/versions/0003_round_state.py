"""a round is pending until its run's output is in place

Revision ID: 0003
Revises: 0002

``state``: ``complete`` (every round recorded before this revision), or ``pending`` from the moment a run
records its round until its output folder has been swapped into place; ``run_id`` is the id the run also
writes into its report.json (``history.run_id``); ``out``, ``host``, ``pid`` and ``started`` say which
output folder and which process, so that a pending round left by a killed run can be settled.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("state", sa.String(12), nullable=False, server_default="complete"))
        batch.add_column(sa.Column("run_id", sa.String(36)))
        batch.add_column(sa.Column("out", sa.Text))
        batch.add_column(sa.Column("host", sa.String(255)))
        batch.add_column(sa.Column("pid", sa.Integer))
        batch.add_column(sa.Column("started", sa.Float))
        batch.create_index("ix_rounds_run_id", ["run_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.drop_index("ix_rounds_run_id")
        for name in ("started", "pid", "host", "out", "run_id", "state"):
            batch.drop_column(name)
