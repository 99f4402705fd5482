"""Dossiers carry search_text, indexed; stored names in NFC

Search folds what a clerk types (case, accents, phone formats) and matches it
against one folded column, indexed with trigrams on PostgreSQL (``pg_trgm``) and
with a B-tree on SQLite (app/dossiers/searchtext.py explains the choice).
Existing dossiers get the column, and their applicant fields and document names
are rewritten in NFC, in batches, with the application's own normaliser: the
column must be folded exactly as queries are, so a later change of the folding
needs a migration of its own that refills it, not a frozen copy here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from app.dossiers.searchtext import clean, of_dossier


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 500
APPLICANT = ('applicant_name', 'applicant_id_number', 'applicant_phone', 'applicant_email', 'applicant_address')
dossiers = sa.table('dossiers', sa.column('id', sa.Integer), sa.column('code', sa.String),
                    *(sa.column(name, sa.Text) for name in APPLICANT), sa.column('search_text', sa.Text))
documents = sa.table('dossier_documents', sa.column('id', sa.Integer), sa.column('name', sa.String))


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    _rewrite_in_batches(dossiers, _dossier_row)
    _rewrite_in_batches(documents, lambda row: {'name': clean(row.name)})
    op.create_index('ix_dossiers_search_text', 'dossiers', ['search_text'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade() -> None:
    op.drop_index('ix_dossiers_search_text', table_name='dossiers')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('search_text')


def _dossier_row(row) -> dict:
    """The applicant's fields in NFC and the search text made of them."""
    values = {name: clean(getattr(row, name) or '') for name in APPLICANT}
    values['search_text'] = of_dossier(row.code, values['applicant_name'], values['applicant_id_number'],
                                       values['applicant_phone'])
    return values


def _rewrite_in_batches(table, rewrite) -> None:
    """Rewrite every row of ``table`` with ``rewrite(row)``, ``BATCH`` rows a statement, by id."""
    connection, last = op.get_bind(), 0
    update = table.update().where(table.c.id == sa.bindparam('row_id'))
    while True:
        rows = connection.execute(sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(update, [{'row_id': row.id, **rewrite(row)} for row in rows])
        last = rows[-1].id
