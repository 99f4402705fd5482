"""The engine state moves into the dossier's row

A step then writes the state, the status and the new version in one UPDATE
(the compare-and-swap on ``version``), and reads them in one row. The column
is deferred in the model, so lists of dossiers still never load it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 20:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_COPY_INTO_DOSSIERS = sa.text(
    "UPDATE dossiers SET workflow_state = "
    "(SELECT state FROM workflow_states WHERE workflow_states.dossier_id = dossiers.id)")
_COPY_OUT_OF_DOSSIERS = sa.text(
    "INSERT INTO workflow_states (dossier_id, state) "
    "SELECT id, workflow_state FROM dossiers WHERE workflow_state IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('workflow_state', sa.Text(), nullable=True))
    op.execute(_COPY_INTO_DOSSIERS)
    op.drop_table('workflow_states')


def downgrade() -> None:
    op.create_table('workflow_states',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_workflow_states_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_workflow_states'))
    )
    op.execute(_COPY_OUT_OF_DOSSIERS)
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('workflow_state')
