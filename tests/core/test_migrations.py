"""The schema exists only through the migrations, and they match the models.

Migrating runs on its own connection and commits: those tests are marked ``commits``."""
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import Base


def test_migrated_schema_matches_the_models(app):
    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.mark.commits
def test_0004_gives_existing_versions_the_digest_the_model_computes(app, empty_db):
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


@pytest.mark.commits
def test_0005_moves_engine_states_into_dossiers_and_back(app, api, demo):
    from alembic import command
    from sqlalchemy import select, text

    from app.cli import _alembic
    from app.db import session
    from app.dossiers.models import Dossier
    from tests.support.api import dossier, receive

    code = receive(api, "dang-ky-khai-sinh")["code"]
    state = session.scalar(select(Dossier.workflow_state).where(Dossier.code == code))
    session.remove()
    assert state and '"root"' in state
    _alembic(command.downgrade, "0004")
    try:
        with app.extensions["db_engine"].connect() as connection:
            kept = connection.execute(text("SELECT state FROM workflow_states")).scalars().all()
        assert kept == [state]
    finally:
        _alembic(command.upgrade, "head")
    assert session.scalar(select(Dossier.workflow_state).where(Dossier.code == code)) == state
    session.remove()
    # SQLite rebuilt the dossiers table on the way down: what refers to it is all still there
    after = dossier(api, code)
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_kiem_tra_ho_so"]
    assert after["documents"] and [e["kind"] for e in after["history"]] == ["received"]
