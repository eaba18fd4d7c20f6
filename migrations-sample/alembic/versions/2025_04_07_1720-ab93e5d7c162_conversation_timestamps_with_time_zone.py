"""conversation timestamps with time zone

Revision ID: ab93e5d7c162
Revises: 41f7c2d9e8b3
Create Date: 2025-04-07 17:20:44.150736

The baseline stored naive timestamps that were always written in UTC; this
makes that explicit by converting them to TIMESTAMP WITH TIME ZONE.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ab93e5d7c162"
down_revision: Union[str, Sequence[str], None] = "41f7c2d9e8b3"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    for column, nullable in (("started_at", False), ("ended_at", True)):
        op.alter_column(
            "kraken_conversations",
            column,
            existing_type=sa.DateTime(),
            type_=sa.DateTime(timezone=True),
            existing_nullable=nullable,
            postgresql_using=f"{column} AT TIME ZONE 'UTC'",
        )


def downgrade() -> None:
    """Downgrade schema."""
    for column, nullable in (("started_at", False), ("ended_at", True)):
        op.alter_column(
            "kraken_conversations",
            column,
            existing_type=sa.DateTime(timezone=True),
            type_=sa.DateTime(),
            existing_nullable=nullable,
            postgresql_using=f"{column} AT TIME ZONE 'UTC'",
        )
