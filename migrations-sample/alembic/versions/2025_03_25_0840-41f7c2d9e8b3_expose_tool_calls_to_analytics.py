"""expose tool calls to analytics

Revision ID: 41f7c2d9e8b3
Revises: 7d40e9b1f3a6
Create Date: 2025-03-25 08:40:51.302447

Creates a view in the analytics schema, so this revision depends on the
analytics branch's base revision (depends_on) without merging the branches.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "41f7c2d9e8b3"
down_revision: Union[str, Sequence[str], None] = "7d40e9b1f3a6"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = "9b2c41e7d05f"


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "kraken_tool_calls",
        sa.Column("duration_ms", sa.Integer(), nullable=True),
    )
    op.execute(
        """
        CREATE VIEW analytics.tool_call_usage AS
        SELECT
            t.conversation_id,
            t.model,
            tc.tool_name,
            tc.sequence_order,
            tc.duration_ms,
            tc.result_truncated,
            t.created_at AS turn_created_at
        FROM kraken_tool_calls AS tc
        JOIN kraken_turns AS t ON t.id = tc.turn_id
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP VIEW IF EXISTS analytics.tool_call_usage")
    op.drop_column("kraken_tool_calls", "duration_ms")
