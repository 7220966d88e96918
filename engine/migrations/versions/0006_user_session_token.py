"""a token binding each user's sessions, replaced on sign-out

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:10:00.000000

Sessions are signed cookies. Without something on the server to compare against, a copy
of a cookie taken before sign-out stays valid until it expires; with the token in the
cookie and on the user's row, signing out (or deactivation) replaces it and ends them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_token")
