"""the event log is append-only in the database too

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 18:40:00.000000

The hash chain lets ``diktum audit verify`` find a rewritten event; these triggers stop
the rewrite in the first place. UPDATE and DELETE of an event row (and, on PostgreSQL,
TRUNCATE of the table) are refused by the database for every role, the owner included.
Rewriting history therefore first needs ``DROP TRIGGER`` or ``ALTER TABLE ... DISABLE
TRIGGER``, which only the table's owner may do and which PostgreSQL's statement log and
the schema itself show.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the event log is append-only: events cannot be changed or deleted"

POSTGRESQL = [
    f"""
    CREATE FUNCTION diktum_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION diktum_event_append_only()
    """,
    """
    CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION diktum_event_append_only()
    """,
]

SQLITE = [
    f"""
    CREATE TRIGGER event_no_update BEFORE UPDATE ON event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL if postgres else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER event_no_truncate ON event")
        op.execute("DROP TRIGGER event_append_only ON event")
        op.execute("DROP FUNCTION diktum_event_append_only()")
    else:
        op.execute("DROP TRIGGER event_no_delete")
        op.execute("DROP TRIGGER event_no_update")
