"""create kraken_feedback

Revision ID: 5e1d9a0c7b24
Revises: 002
Create Date: 2025-02-20 10:05:33.416902

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "5e1d9a0c7b24"
down_revision: Union[str, Sequence[str], None] = "002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "kraken_feedback",
        sa.Column(
            "id",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("turn_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name="ck_kraken_feedback_rating_range"
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"],
            ["kraken_turns.id"],
            name="fk_kraken_feedback_turn_id_kraken_turns",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_kraken_feedback"),
    )
    op.create_index(
        "ix_kraken_feedback_turn_id", "kraken_feedback", ["turn_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_kraken_feedback_turn_id", table_name="kraken_feedback")
    op.drop_table("kraken_feedback")
