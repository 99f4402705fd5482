"""Early apologies: an escalation opened before its step was late

``escalations.early`` marks a letter the responsible officer asked for before
the step's deadline (it moves the appointment without blocking the dossier);
``escalations.step_due_at`` keeps the step's own deadline as it was when the
escalation opened, since signing the letter moves the step's deadline too.

Revision ID: 0010
Revises: 0007 (to be rechained on 0009 once 0008-0009 land)
Create Date: 2026-11-30 10:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalations') as batch:
        batch.add_column(sa.Column('early', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('step_due_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('escalations') as batch:
        batch.drop_column('step_due_at')
        batch.drop_column('early')
