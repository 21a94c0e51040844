"""merge accounts and task progress

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
        sa.Column("template", sa.String(40)),
        sa.Column("path", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("status", sa.String(20)),
        sa.Column("rows_read", sa.Integer),
        sa.Column("rows_merged", sa.Integer),
        sa.Column("rows_held_back", sa.Integer),
        sa.Column("rows_superseded", sa.Integer),
    )
    op.create_table(
        "progress",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
        sa.Column("subsystem", sa.Text),
        sa.Column("item", sa.Text),
        sa.Column("template", sa.String(40)),
        sa.Column("programme", sa.Text),
        sa.Column("department", sa.Text),
        sa.Column("deadline", sa.String(10)),
        sa.Column("status", sa.String(20)),
        sa.Column("files", sa.Integer),
        sa.Column("errors", sa.Integer),
        sa.Column("rec_errors", sa.Integer),
        sa.Column("days_overdue", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("progress")
    op.drop_table("merge_accounts")
