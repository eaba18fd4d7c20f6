"""widen turn cost, add reasoning tokens

Revision ID: c83f2b6e4a17
Revises: 002
Create Date: 2025-02-21 16:30:58.072114

Written on a separate branch at the same time as 5e1d9a0c7b24; the two are
joined again by the merge revision 7d40e9b1f3a6.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "c83f2b6e4a17"
down_revision: Union[str, Sequence[str], None] = "002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("kraken_turns") as batch_op:
        batch_op.add_column(
            sa.Column(
                "reasoning_tokens",
                sa.Integer(),
                server_default=sa.text("0"),
                nullable=False,
            )
        )
        batch_op.alter_column(
            "cost_usd",
            existing_type=sa.Numeric(precision=10, scale=6),
            type_=sa.Numeric(precision=12, scale=6),
            existing_nullable=False,
        )

    op.alter_column(
        "kraken_conversations",
        "total_cost_usd",
        existing_type=sa.Numeric(precision=10, scale=6),
        type_=sa.Numeric(precision=12, scale=6),
        existing_nullable=False,
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "kraken_conversations",
        "total_cost_usd",
        existing_type=sa.Numeric(precision=12, scale=6),
        type_=sa.Numeric(precision=10, scale=6),
        existing_nullable=False,
    )

    with op.batch_alter_table("kraken_turns") as batch_op:
        batch_op.alter_column(
            "cost_usd",
            existing_type=sa.Numeric(precision=12, scale=6),
            type_=sa.Numeric(precision=10, scale=6),
            existing_nullable=False,
        )
        batch_op.drop_column("reasoning_tokens")
