"""rounds, inputs, findings

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("command", sa.String(20)),
        sa.Column("submissions", sa.Text),
        sa.Column("aidtools_version", sa.String(40)),
        sa.Column("specs_version", sa.Text),
        sa.Column("policy_version", sa.String(80)),
        sa.Column("files", sa.Integer),
        sa.Column("rows", sa.Integer),
        sa.Column("errors", sa.Integer),
        sa.Column("rec_errors", sa.Integer),
    )
    op.create_table(
        "inputs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("department", sa.Text),
        sa.Column("template", sa.String(40)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("size", sa.BigInteger),
        sa.Column("modified", sa.String(40)),
        sa.Column("rows", sa.Integer),
        sa.Column("superseded", sa.Boolean),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
        sa.Column("key", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rule", sa.String(80), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("department", sa.Text),
        sa.Column("template", sa.String(40)),
        sa.Column("record_digest", sa.String(64)),
        sa.Column("record", sa.Text),
        sa.Column("field", sa.Text),
        sa.Column("path", sa.Text),
        sa.Column("row", sa.Integer),
        sa.Column("value", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("caused", sa.Boolean),
    )


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("inputs")
    op.drop_table("rounds")
