"""add user_id to conversations

Revision ID: 002
Revises: 001
Create Date: 2025-02-03 14:12:09.881243

Conversations started before accounts existed have no user, so the column is
nullable.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "002"
down_revision: Union[str, Sequence[str], None] = "001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "kraken_conversations",
        sa.Column("user_id", sa.String(length=64), nullable=True),
    )
    op.create_index(
        "ix_kraken_conversations_user_id",
        "kraken_conversations",
        ["user_id"],
        unique=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_kraken_conversations_user_id", table_name="kraken_conversations")
    op.drop_column("kraken_conversations", "user_id")
