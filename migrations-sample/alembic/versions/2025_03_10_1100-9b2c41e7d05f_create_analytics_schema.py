"""create analytics schema

Revision ID: 9b2c41e7d05f
Revises:
Create Date: 2025-03-10 11:00:27.664390

Base of the independent "analytics" branch: the analytics team ships its own
migrations on their own schedule, so this line of revisions has its own base
and its own head. Upgrade everything with `alembic upgrade heads`, or only this
branch with `alembic upgrade analytics@head`.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "9b2c41e7d05f"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = ("analytics",)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE SCHEMA IF NOT EXISTS analytics")
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        # No foreign key: this branch must not depend on the chatbot tables.
        sa.Column("conversation_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        schema="analytics",
    )
    op.create_index(
        "ix_analytics_events_occurred_at",
        "events",
        ["occurred_at"],
        unique=False,
        schema="analytics",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(
        "ix_analytics_events_occurred_at", table_name="events", schema="analytics"
    )
    op.drop_table("events", schema="analytics")
    # No CASCADE: if anything else is still in the schema, fail loudly.
    op.execute("DROP SCHEMA IF EXISTS analytics")
