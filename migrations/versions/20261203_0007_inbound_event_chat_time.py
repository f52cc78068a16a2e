"""inbound events: index by chat and arrival (the per-citizen rate limit)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 09:45:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0007'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The rate limit counts a chat's messages of the last minute for every text; without
    # this index that count read every event the chat ever sent.
    op.create_index('ix_inbound_events_chat_received', 'inbound_events', ['chat_id', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_inbound_events_chat_received', table_name='inbound_events')
