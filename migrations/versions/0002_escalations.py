"""Escalations, notifications, signing material and the stored clock

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 17:40:49.761715
"""
from alembic import op
import sqlalchemy as sa



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clock_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offset_seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clock_settings'))
    )
    op.create_table('trust_roots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_roots')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_trust_roots_fingerprint'))
    )
    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('responsible_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('old_due_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('new_due_at', sa.DateTime(), nullable=True),
    sa.Column('explained_by_id', sa.Integer(), nullable=True),
    sa.Column('explained_at', sa.DateTime(), nullable=True),
    sa.Column('letter_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('signed_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('engine_state', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_escalations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_escalations_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['explained_by_id'], ['users.id'], name=op.f('fk_escalations_explained_by_id_users')),
    sa.ForeignKeyConstraint(['responsible_unit_id'], ['units.id'], name=op.f('fk_escalations_responsible_unit_id_units')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_escalations_signed_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name='fk_escalations_task_id_tasks'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_escalations_state', ['state', 'created_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_notifications_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_notifications_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_notifications_unsent', ['created_at'], unique=False, postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reappointed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('next_timer_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossiers_next_timer_at'), ['next_timer_at'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('warned_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalation_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_tasks_open_due'))
        batch_op.create_index('ix_tasks_escalation_id', ['escalation_id'], unique=False, postgresql_where=sa.text('escalation_id IS NOT NULL'), sqlite_where=sa.text('escalation_id IS NOT NULL'))
        batch_op.create_index('ix_tasks_to_escalate', ['due_at'], unique=False, postgresql_where=sa.text("state = 'open' AND escalated_at IS NULL"), sqlite_where=sa.text("state = 'open' AND escalated_at IS NULL"))
        batch_op.create_index('ix_tasks_to_warn', ['warn_at'], unique=False, postgresql_where=sa.text("state = 'open' AND warned_at IS NULL"), sqlite_where=sa.text("state = 'open' AND warned_at IS NULL"))
        batch_op.create_foreign_key(batch_op.f('fk_tasks_escalation_id_escalations'), 'escalations', ['escalation_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_pem', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('signing_key', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pin_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('pin_locked_until', sa.DateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pin_locked_until')
        batch_op.drop_column('pin_failures')
        batch_op.drop_column('signing_key')
        batch_op.drop_column('certificate_pem')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_escalation_id_escalations'), type_='foreignkey')
        batch_op.drop_index('ix_tasks_to_warn', postgresql_where=sa.text("state = 'open' AND warned_at IS NULL"), sqlite_where=sa.text("state = 'open' AND warned_at IS NULL"))
        batch_op.drop_index('ix_tasks_to_escalate', postgresql_where=sa.text("state = 'open' AND escalated_at IS NULL"), sqlite_where=sa.text("state = 'open' AND escalated_at IS NULL"))
        batch_op.drop_index('ix_tasks_escalation_id')
        batch_op.create_index(batch_op.f('ix_tasks_open_due'), ['due_at'], unique=False, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.drop_column('escalation_id')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('warned_at')
        batch_op.drop_column('warn_at')

    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_next_timer_at'))
        batch_op.drop_column('next_timer_at')
        batch_op.drop_column('reappointed_at')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index('ix_notifications_unsent', postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_notifications_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_dossier_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_state')
        batch_op.drop_index(batch_op.f('ix_escalations_dossier_id'))

    op.drop_table('escalations')
    op.drop_table('trust_roots')
    op.drop_table('clock_settings')
