"""Procedure versions carry a digest of their diagram and forms

Running a step then keys the parsed-definition caches by (id, digest) and no
longer reads the whole diagram from the database at every step.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 09:30:00
"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

versions = sa.table('procedure_versions', sa.column('id', sa.Integer), sa.column('bpmn_xml', sa.Text),
                    sa.column('forms', sa.JSON), sa.column('digest', sa.String))


def _digest(xml: str, forms: dict) -> str:
    """As ``app.procedures.models.content_digest`` computed it when this migration was written."""
    canonical_forms = json.dumps(forms or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{xml}\0{canonical_forms}".encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('procedure_versions') as batch:
        batch.add_column(sa.Column('digest', sa.String(length=64), nullable=False, server_default=''))
    connection = op.get_bind()
    for row in connection.execute(sa.select(versions.c.id, versions.c.bpmn_xml, versions.c.forms)).all():
        connection.execute(versions.update().where(versions.c.id == row.id)
                           .values(digest=_digest(row.bpmn_xml, row.forms)))
    with op.batch_alter_table('procedure_versions') as batch:
        batch.alter_column('digest', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('procedure_versions') as batch:
        batch.drop_column('digest')
