"""The tamper-evident audit trail on the real database: a dossier taken through real steps
verifies; a row changed, deleted or forged by hand is named by ``flask audit verify`` and on
the dossier's page; two writers extending one chain cannot fork it."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, update

from app import clock
from app.core.errors import Conflict
from app.db import session
from app.dossiers import auditchain, auditlog, workflow
from app.dossiers.models import Dossier, DossierEvent
from tests.support.api import ok
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00
EVENTS = DossierEvent.__table__


@pytest.fixture
def returned(api, demo) -> str:
    """A certified copy received (ORM path), its two steps completed (the Core hot path, the
    second ending the workflow) and its result handed back (ORM path again); its code."""
    code = ready_for_return(api)["code"]
    ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={"note": "Nhận tại quầy"}))
    return code


def events_of(code: str) -> list[DossierEvent]:
    session.expire_all()
    return list(session.scalars(select(DossierEvent).join(Dossier).where(Dossier.code == code)
                                .order_by(DossierEvent.id)))


def findings(code: str) -> list[auditchain.Finding]:
    session.commit()   # what the test wrote by hand stays (the check reads in a transaction of its own)
    return auditlog.verify_code(code).findings


def audit_verify(app, *args: str):
    session.commit()
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_a_dossier_taken_through_real_steps_verifies_hash_by_hash(app, returned):
    events = events_of(returned)
    assert [e.kind for e in events] == ["received", "task_completed", "task_completed", "ready_for_return",
                                        "returned"]
    assert events[0].prev_hash == auditchain.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert session.scalar(select(Dossier.audit_head).where(Dossier.code == returned)) == events[-1].hash
    assert findings(returned) == []


def test_an_event_altered_by_sql_is_named(app, returned):
    altered = events_of(returned)[2]
    session.execute(update(EVENTS).where(EVENTS.c.id == altered.id).values(detail={"name": "Ký", "timeliness": "early"}))
    [finding] = findings(returned)
    assert finding.event_id == altered.id
    assert f"Sự kiện #{altered.id} của hồ sơ {returned} đã bị sửa" in finding.message


def test_a_middle_event_deleted_is_named_by_its_neighbours(app, returned):
    events = events_of(returned)
    session.execute(delete(EVENTS).where(EVENTS.c.id == events[2].id))
    [finding] = findings(returned)
    assert f"giữa sự kiện #{events[1].id} và #{events[3].id}" in finding.message


@pytest.mark.parametrize("hashed", [True, False], ids=["rehashed", "without-hash"])
def test_a_forged_event_is_named(app, returned, hashed):
    last = events_of(returned)[-1]
    row = {"dossier_id": last.dossier_id, "kind": "returned", "actor_id": last.actor_id, "task_id": None,
           "at": clock.now(), "detail": {"note": "Đã trả lần hai"}}
    if hashed:
        row["prev_hash"] = last.hash
        row["hash"] = auditchain.seal(last.hash, returned, "returned", last.actor_id, None, row["at"], row["detail"])
    session.execute(insert(EVENTS).values(row))
    forged = events_of(returned)[-1]
    found = findings(returned)
    assert found and found[0].event_id == forged.id
    assert ("chèn thêm vào cuối" if hashed else "không có mã băm") in found[0].message


def test_the_last_event_deleted_is_a_head_mismatch(app, returned):
    events = events_of(returned)
    session.execute(delete(EVENTS).where(EVENTS.c.id == events[-1].id))
    [finding] = findings(returned)
    assert finding.event_id == events[-2].id
    assert f"các sự kiện sau sự kiện #{events[-2].id} đã bị xóa" in finding.message


def test_every_event_of_a_dossier_deleted_is_named(app, returned):
    session.execute(delete(EVENTS).where(EVENTS.c.dossier_id == events_of(returned)[0].dossier_id))
    assert "không còn sự kiện nào" in findings(returned)[0].message


def test_two_writers_extending_one_chain_cannot_fork_it(app, returned):
    """The second writer read the head before the first committed: its flush finds the version
    moved, and it is the usual 409, not a second event after the same head."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == returned))
    dossiers = Dossier.__table__   # another writer commits meanwhile (the loaded object does not know)
    session.execute(update(dossiers).where(dossiers.c.id == dossier.id).values(version=dossiers.c.version + 1))
    with pytest.raises(Conflict), workflow.change():
        workflow.record(dossier, "files_scanned", None, clock.now(), files=["to-khai.pdf"])
    assert [e.kind for e in events_of(returned)][-1] == "returned"
    assert findings(returned) == []


def test_flask_audit_verify_exits_0_with_one_line_then_1_naming_the_event(app, returned):
    result = audit_verify(app)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Nhật ký đã được kiểm chứng:") and result.stdout.count("\n") == 1
    assert "không có sai lệch" in audit_verify(app, "--dossier", returned).output

    altered = events_of(returned)[1]
    session.execute(update(EVENTS).where(EVENTS.c.id == altered.id).values(kind="refused"))
    result = audit_verify(app)
    assert result.exit_code == 1
    assert f"Sự kiện #{altered.id} của hồ sơ {returned} đã bị sửa" in result.output
    assert "Phát hiện 1 sai lệch trong nhật ký của 1 hồ sơ" in result.output


def test_flask_audit_verify_of_an_unknown_dossier_names_the_option(app, demo):
    result = audit_verify(app, "--dossier", "KHONG-CO")
    assert result.exit_code == 2 and "--dossier" in result.output and "Không có hồ sơ mã KHONG-CO" in result.output


def test_the_dossier_page_shows_verified_then_the_first_bad_event(app, returned, client, login):
    login("motcua.tanhoa")
    page = client.get(f"/ho-so/{returned}").text
    assert "Nhật ký đã được kiểm chứng" in page and "alert-error" not in page

    altered = events_of(returned)[0]
    session.execute(update(EVENTS).where(EVENTS.c.id == altered.id).values(actor_id=None))
    session.commit()
    page = client.get(f"/ho-so/{returned}").text
    assert "Nhật ký đã được kiểm chứng" not in page
    assert "alert-error" in page and f"Sự kiện #{altered.id} của hồ sơ {returned} đã bị sửa" in page


@pytest.mark.commits
def test_0014_chains_the_events_already_stored_exactly_as_the_writers_did(app, returned):
    from alembic import command

    from app.cli import _alembic

    def chain() -> tuple[list, str]:
        links = [(e.id, e.prev_hash, e.hash) for e in events_of(returned)]
        head = session.scalar(select(Dossier.audit_head).where(Dossier.code == returned))
        session.remove()
        return links, head

    written = chain()
    _alembic(command.downgrade, "0013")
    _alembic(command.upgrade, "head")
    assert chain() == written
    assert findings(returned) == []


def test_heads_saved_elsewhere_catch_a_history_rewritten_with_its_hashes(app, returned, tmp_path):
    saved = tmp_path / "heads.txt"
    heads = app.test_cli_runner().invoke(args=["audit", "heads"])
    assert heads.exit_code == 0 and f"{returned} " in heads.stdout
    saved.write_text(heads.stdout, encoding="utf-8")

    events, head = events_of(returned), auditchain.GENESIS   # someone recomputes the whole chain
    for event in events:
        detail = {**event.detail, "note": "Đã sửa"} if event.kind == "returned" else event.detail
        new = auditchain.seal(head, returned, event.kind, event.actor_id, event.task_id, event.at, detail)
        session.execute(update(EVENTS).where(EVENTS.c.id == event.id).values(detail=detail, prev_hash=head, hash=new))
        head = new
    dossiers = Dossier.__table__
    session.execute(update(dossiers).where(dossiers.c.code == returned).values(audit_head=head))
    assert audit_verify(app).exit_code == 0   # the chain alone cannot tell

    result = audit_verify(app, "--against", str(saved))
    assert result.exit_code == 1 and f"Nhật ký của hồ sơ {returned} không còn đi qua mã đầu chuỗi" in result.stdout
    result = audit_verify(app, "--dossier", returned, "--against", str(saved))
    assert result.exit_code == 1 and "đã bị viết lại" in result.stdout


def test_a_saved_head_of_a_deleted_dossier_is_named(app, returned, tmp_path):
    saved = tmp_path / "heads.txt"
    saved.write_text(f"# mã đầu chuỗi\n{returned} {'a' * 64}\nKHAC-01 {'b' * 64}\n", encoding="utf-8")
    result = audit_verify(app, "--against", str(saved))
    assert result.exit_code == 1
    assert "Hồ sơ KHAC-01 có trong danh sách mã đầu chuỗi đã lưu nhưng không còn trong cơ sở dữ liệu" in result.stdout
    saved.write_text("KHAC-01\n", encoding="utf-8")
    result = audit_verify(app, "--against", str(saved))
    assert result.exit_code == 2 and "dòng 1" in result.output
