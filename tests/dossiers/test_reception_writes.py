"""A reception writes its new rows with explicit INSERTs (app.db.insert_new), not the unit of work:
the rows must be the same, linked the same, and the objects must go on as persistent ones."""
import pytest
from sqlalchemy import func, inspect, select, update

from app.auth.services import get_user
from app.core.errors import Conflict
from app.db import session
from app.dossiers import services
from app.dossiers.models import Dossier, DossierDocument, DossierEvent, DossierSequence
from app.notifications.models import OutboxMessage
from app.reports.models import ReportFact
from app.tasks.models import Task

ORIGINAL = [{"name": "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", "copies": 2}]
APPLICANT = services.Applicant("Trần Thị Ghi", email="ghi@example.vn", phone="0912000111")


def _receive() -> Dossier:
    return services.receive(get_user("motcua.tanhoa"), "chung-thuc-ban-sao", APPLICANT, ORIGINAL)


def _count(model, dossier_id: int) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.dossier_id == dossier_id))


def test_every_row_of_a_reception_is_written_and_names_its_dossier(app, demo):
    dossier_id = _receive().id
    session.remove()
    dossier = session.get(Dossier, dossier_id)
    assert [(d.name, d.copies) for d in dossier.documents] == [(ORIGINAL[0]["name"], 2)]
    assert [e.kind for e in dossier.events][0] == "received"
    assert _count(Task, dossier_id) == 1 and _count(ReportFact, dossier_id) == 1
    assert _count(OutboxMessage, dossier_id) >= 3   # e-mail, SMS and the national portal's status


def test_the_objects_stay_persistent_with_what_the_database_filled_in(app, demo):
    dossier = _receive()
    assert inspect(dossier).persistent and all(inspect(d).persistent and d.id for d in dossier.documents)
    assert (dossier.version, dossier.sandbox, dossier.tracking_number) == (1, False, "")
    dossier.supplement_note = "ghi chú"
    session.commit()   # an UPDATE under the optimistic lock, not a second INSERT
    session.remove()
    stored = session.get(Dossier, dossier.id)
    assert (stored.version, stored.supplement_note) == (2, "ghi chú")


def test_a_code_taken_meanwhile_is_a_409_and_leaves_nothing_half_written(app, demo):
    first = _receive()
    session.execute(update(DossierSequence).values(last_number=DossierSequence.last_number - 1))
    session.commit()
    before = [session.scalar(select(func.count()).select_from(model))
              for model in (Dossier, DossierDocument, DossierEvent, Task, ReportFact, OutboxMessage)]
    with pytest.raises(Conflict):
        _receive()
    after = [session.scalar(select(func.count()).select_from(model))
             for model in (Dossier, DossierDocument, DossierEvent, Task, ReportFact, OutboxMessage)]
    assert after == before and first.code
