"""when a complainant's personal data was erased

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 18:50:00.000000

Erasure on request wipes the complainant's contact data; the row keeps the instant, so
officers see that the data was erased rather than that the complaint was anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complainant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complainant", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
