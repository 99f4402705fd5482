"""Citizens: files, online submission, payments, return by post, ratings and the outbox

``dossier_files`` hold what citizens upload and the electronic results (bytes in the file
store, by content hash); ``payments`` and ``receipt_sequences`` the fees with their receipt
numbers; ``ratings`` one satisfaction rating per dossier; ``outbox`` every e-mail, SMS and
national-portal message, written with the event that causes it. Dossiers gain the moments of
an online submission and of a supplement asked before acceptance, how the result went back,
and the last reminder of an uncollected result. Dossier events get an index on their
moment, for the administration's audit trail (newest first over every dossier).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 12:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

NEW_TABLES = ('outbox', 'dossier_files', 'ratings', 'payments', 'receipt_sequences')


def upgrade() -> None:
    op.create_table('receipt_sequences',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_receipt_sequences_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'year', name=op.f('pk_receipt_sequences'))
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('payer', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('receipt_number', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('gateway_order_id', sa.String(length=64), nullable=True),
    sa.Column('gateway_transaction_id', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_payments_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_payments_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_payments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('gateway_order_id', name=op.f('uq_payments_gateway_order_id')),
    sa.UniqueConstraint('gateway_transaction_id', name=op.f('uq_payments_gateway_transaction_id')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number'))
    )
    op.create_index(op.f('ix_payments_dossier_id'), 'payments', ['dossier_id'], unique=False)
    op.create_table('ratings',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_ratings_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_ratings'))
    )
    op.create_table('dossier_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['dossier_documents.id'], name=op.f('fk_dossier_files_document_id_dossier_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_files_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_dossier_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_files'))
    )
    op.create_index(op.f('ix_dossier_files_dossier_id'), 'dossier_files', ['dossier_id'], unique=False)
    op.create_index(op.f('ix_dossier_files_sha256'), 'dossier_files', ['sha256'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_outbox_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_outbox_notification_id_notifications'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    op.create_index(op.f('ix_outbox_dossier_id'), 'outbox', ['dossier_id'], unique=False)
    op.create_index('ix_outbox_channel_state', 'outbox', ['channel', 'state'], unique=False)
    op.create_index('ix_outbox_due', 'outbox', ['next_attempt_at'], unique=False, postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))
    op.create_index(op.f('ix_outbox_notification_id'), 'outbox', ['notification_id'], unique=False)
    op.create_index('ix_dossier_events_at', 'dossier_events', ['at'], unique=False)
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('supplement_asked_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('return_method', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('tracking_number', sa.String(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('uncollected_reminded_at', sa.DateTime(), nullable=True))

def downgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        for column in ('uncollected_reminded_at', 'tracking_number', 'return_method', 'supplement_asked_at',
                       'submitted_at'):
            batch.drop_column(column)
    op.drop_index('ix_dossier_events_at', table_name='dossier_events')
    for table in NEW_TABLES:
        op.drop_table(table)
