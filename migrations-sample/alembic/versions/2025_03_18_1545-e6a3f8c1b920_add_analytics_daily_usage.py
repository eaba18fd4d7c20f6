"""add analytics daily usage

Revision ID: e6a3f8c1b920
Revises: 9b2c41e7d05f
Create Date: 2025-03-18 15:45:03.918275

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "e6a3f8c1b920"
down_revision: Union[str, Sequence[str], None] = "9b2c41e7d05f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "daily_usage",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(), nullable=False),
        sa.Column("conversations", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("tokens", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "cost_usd",
            sa.Numeric(precision=14, scale=6),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("day", "model", name="pk_daily_usage"),
        schema="analytics",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("daily_usage", schema="analytics")
