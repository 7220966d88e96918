"""the tick's index ends with the case id

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:30:00.000000

A firing reads its due cases a chunk at a time in (entered_at, id) order, resuming after
the last case of the previous chunk. With the id in the index, PostgreSQL reads each
chunk straight off the index; without it, cases that entered at the same instant (a
whole Saturday session, triaged together) had to be sorted again for every chunk.
SQLite's indexes end with the rowid anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_due")
        batch_op.create_index(
            "ix_case_due", ["definition_version_id", "state", "entered_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_due")
        batch_op.create_index(
            "ix_case_due", ["definition_version_id", "state", "entered_at"], unique=False
        )
