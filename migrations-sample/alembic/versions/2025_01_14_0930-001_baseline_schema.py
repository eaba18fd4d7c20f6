"""baseline schema

Revision ID: 001
Revises:
Create Date: 2025-01-14 09:30:41.207518

Captures the schema that production already had before Alembic was
introduced. Every statement is idempotent (IF NOT EXISTS, or a DO block that
swallows duplicate_object), so this revision can run against the existing
production database as well as against an empty one.
"""
from typing import Sequence, Union

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# PostgreSQL has no CREATE TYPE IF NOT EXISTS, hence the DO block.
CREATE_STATUS_ENUM = """
DO $$
BEGIN
    CREATE TYPE kraken_conversation_status AS ENUM ('active', 'ended', 'archived');
EXCEPTION
    WHEN duplicate_object THEN null;
END $$;
"""

CREATE_CONVERSATIONS = """
CREATE TABLE IF NOT EXISTS kraken_conversations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    system_prompt_hash VARCHAR(16) NOT NULL,
    agent_version VARCHAR NOT NULL,
    status kraken_conversation_status DEFAULT 'active' NOT NULL,
    started_at TIMESTAMP DEFAULT NOW() NOT NULL,
    ended_at TIMESTAMP,
    total_turns INTEGER DEFAULT 0 NOT NULL,
    total_tokens INTEGER DEFAULT 0 NOT NULL,
    total_cost_usd NUMERIC(10, 6) DEFAULT 0 NOT NULL
)
"""

CREATE_TURNS = """
CREATE TABLE IF NOT EXISTS kraken_turns (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id UUID NOT NULL,
    turn_number INTEGER NOT NULL,
    user_query TEXT NOT NULL,
    assistant_response TEXT NOT NULL,
    input_tokens INTEGER DEFAULT 0 NOT NULL,
    output_tokens INTEGER DEFAULT 0 NOT NULL,
    cost_usd NUMERIC(10, 6) DEFAULT 0 NOT NULL,
    duration_ms INTEGER DEFAULT 0 NOT NULL,
    tool_calls_count INTEGER DEFAULT 0 NOT NULL,
    cache_creation_tokens INTEGER DEFAULT 0 NOT NULL,
    cache_read_tokens INTEGER DEFAULT 0 NOT NULL,
    model VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT NOW() NOT NULL,
    FOREIGN KEY (conversation_id) REFERENCES kraken_conversations(id)
)
"""

CREATE_TOOL_CALLS = """
CREATE TABLE IF NOT EXISTS kraken_tool_calls (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    turn_id UUID NOT NULL,
    tool_name VARCHAR NOT NULL,
    tool_args JSONB NOT NULL,
    tool_result JSONB NOT NULL,
    result_truncated BOOLEAN DEFAULT FALSE NOT NULL,
    sequence_order INTEGER NOT NULL,
    FOREIGN KEY (turn_id) REFERENCES kraken_turns(id)
)
"""

# Statements are kept in lists so that each runs as its own command (some
# drivers refuse several statements in one execute) and so that tests can
# replay them to prove they are idempotent.
UPGRADE_STATEMENTS: list[str] = [
    CREATE_STATUS_ENUM,
    CREATE_CONVERSATIONS,
    "CREATE INDEX IF NOT EXISTS ix_kraken_conversations_session_id "
    "ON kraken_conversations (session_id)",
    CREATE_TURNS,
    "CREATE INDEX IF NOT EXISTS ix_kraken_turns_conversation_id "
    "ON kraken_turns (conversation_id)",
    CREATE_TOOL_CALLS,
    "CREATE INDEX IF NOT EXISTS ix_kraken_tool_calls_turn_id "
    "ON kraken_tool_calls (turn_id)",
]

# Children before parents; dropping a table drops its indexes too.
DOWNGRADE_STATEMENTS: list[str] = [
    "DROP TABLE IF EXISTS kraken_tool_calls",
    "DROP TABLE IF EXISTS kraken_turns",
    "DROP TABLE IF EXISTS kraken_conversations",
    "DROP TYPE IF EXISTS kraken_conversation_status",
]


def upgrade() -> None:
    """Upgrade schema."""
    for statement in UPGRADE_STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    for statement in DOWNGRADE_STATEMENTS:
        op.execute(statement)
