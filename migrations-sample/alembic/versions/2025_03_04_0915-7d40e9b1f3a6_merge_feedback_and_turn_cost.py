"""merge feedback and turn cost

Revision ID: 7d40e9b1f3a6
Revises: 5e1d9a0c7b24, c83f2b6e4a17
Create Date: 2025-03-04 09:15:12.530671

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7d40e9b1f3a6'
down_revision: Union[str, Sequence[str], None] = ('5e1d9a0c7b24', 'c83f2b6e4a17')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    pass


def downgrade() -> None:
    """Downgrade schema."""
    pass
