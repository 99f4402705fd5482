"""The schema exists only through the migrations, and they match the models."""
import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import Base


def test_migrated_schema_matches_the_models(app):
    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_0004_gives_existing_versions_the_digest_the_model_computes(app):
    from alembic import command
    from sqlalchemy import text

    from app.cli import _alembic
    from app.db import session
    from app.procedures.models import ProcedureVersion, content_digest

    forms = {"don.schema.json": {"type": "object", "title": "Đơn đề nghị"}}
    _alembic(command.downgrade, "0003")
    try:
        with app.extensions["db_engine"].begin() as connection:
            connection.execute(text(
                "INSERT INTO procedures (id, code, name, field, level, legal_limit, fee_amount, fee_description,"
                " documents) VALUES (1, 'thu', 'Thủ tục', '', 'commune', '1d', 0, '', '[]')"))
            connection.execute(text(
                "INSERT INTO procedure_versions (id, procedure_id, number, status, bpmn_xml, forms, process_id,"
                " created_at) VALUES (1, 1, 1, 'published', :xml, :forms, 'P', '2026-01-05 08:00:00')"),
                {"xml": "<definitions>Hồ sơ</definitions>", "forms": json.dumps(forms)})
    finally:
        _alembic(command.upgrade, "head")
    version = session.get(ProcedureVersion, 1)
    assert version.digest == content_digest("<definitions>Hồ sơ</definitions>", forms)
