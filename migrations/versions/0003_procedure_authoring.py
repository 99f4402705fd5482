"""Procedure authoring: who retired a version and when; sandbox (test-run) dossiers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('procedure_versions') as batch:
        batch.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('retired_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_procedure_versions_retired_by_id_users'), 'users', ['retired_by_id'], ['id'])
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('sandbox', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('sandbox')
    with op.batch_alter_table('procedure_versions') as batch:
        batch.drop_constraint(op.f('fk_procedure_versions_retired_by_id_users'), type_='foreignkey')
        batch.drop_column('retired_by_id')
        batch.drop_column('retired_at')
