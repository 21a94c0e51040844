"""The history's tables (SQLAlchemy Core), as the newest migration leaves them.

One row of ``rounds`` per recorded run; everything else hangs off a round by ``round``. No table holds
a full ID, card, mobile or name: findings carry masked values and messages, records a digest
(``record_digest``) and a masked display form (``record``)."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

rounds = sa.Table(
    "rounds", metadata,
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("command", sa.String(20)),
    sa.Column("submissions", sa.Text),
    sa.Column("aidtools_version", sa.String(40)),
    sa.Column("specs_version", sa.Text),  # JSON: template id -> "version digest"
    sa.Column("policy_version", sa.String(80)),
    sa.Column("files", sa.Integer, default=0),
    sa.Column("rows", sa.Integer, default=0),
    sa.Column("errors", sa.Integer, default=0),
    sa.Column("rec_errors", sa.Integer, default=0),
    # 0003: pending from recording until the run's output is in place (aidtools.history.settle)
    sa.Column("state", sa.String(12), nullable=False, server_default="complete"),
    sa.Column("run_id", sa.String(36), unique=True),
    sa.Column("out", sa.Text),
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
    sa.Column("started", sa.Float),
)

COMPLETE, PENDING = "complete", "pending"

inputs = sa.Table(
    "inputs", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("department", sa.Text),
    sa.Column("template", sa.String(40)),
    sa.Column("sha256", sa.String(64)),
    sa.Column("size", sa.BigInteger),
    sa.Column("modified", sa.String(40)),
    sa.Column("rows", sa.Integer),
    sa.Column("superseded", sa.Boolean, default=False),
)

findings = sa.Table(
    "findings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("round", sa.Integer, sa.ForeignKey("rounds.round"), nullable=False, index=True),
    sa.Column("key", sa.String(64), nullable=False, index=True),  # rule + department + template + record (+ field)
    sa.Column("kind", sa.String(8), nullable=False),  # check or rec
    sa.Column("rule", sa.String(80), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("department", sa.Text),
    sa.Column("template", sa.String(40)),
    sa.Column("record_digest", sa.String(64)),
    sa.Column("record", sa.Text),  # masked display form of the record key
    sa.Column("field", sa.Text),
    sa.Column("path", sa.Text),
    sa.Column("row", sa.Integer),
    sa.Column("value", sa.Text),  # masked
    sa.Column("message", sa.Text),  # masked
    sa.Column("caused", sa.Boolean, default=False),  # a rec finding a check error explains (counted as it)
)

# 0002
merge_accounts = sa.Table(
    "merge_accounts", metadata,
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

progress = sa.Table(
    "progress", metadata,
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
