"""outbox lanes: ordered rows and unknown delivery

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:20:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ordered', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('delivery_unknown', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # Rows already queued for staff and the hotline must not wait behind anything.
    op.execute("UPDATE outbound_messages SET ordered = false WHERE purpose LIKE 'hotline%' "
               "OR purpose LIKE 'staff%' OR purpose = 'escalation'")
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_messages_to_status', ['to', 'status', 'id'])


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_messages_to_status')
        batch_op.drop_column('delivery_unknown')
        batch_op.drop_column('ordered')
