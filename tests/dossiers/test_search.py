"""Dossier search as clerks type (issue #10): one table of cases, the same answers on SQLite and PostgreSQL
(``python -m tests.support.suites tests/dossiers`` runs it on both), the names stored in NFC, the index used."""
import unicodedata

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import event, select, text

from app.auth.models import User
from app.db import session
from app.dossiers import services
from app.dossiers.models import Dossier, DossierDocument
from tests.support.api import APPLICANT, ok, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # codes of Friday 3 October 2025: …-251003-NNNN

HUNG = {"full_name": "NGUYỄN VĂN HÙNG"}
NFD_HUNG = {"full_name": unicodedata.normalize("NFD", "Nguyễn Văn Hùng")}
COMPANY = {"full_name": "Công ty TNHH 100% vốn Nhật"}
PHONE = {"phone": "0912 345 678"}
INTERNATIONAL = {"phone": "+84 912 345 678"}
ID_NUMBER = {"id_number": "001088000111"}

CASES = [
    # stored applicant, typed query ({code}, {agency}, {day}, {number} are the dossier's), found?
    (HUNG, "nguyen van hung", True),
    (HUNG, "Nguyễn Văn Hùng", True),
    (HUNG, "văn HÙNG", True),
    (HUNG, "hung nguyen", True),                  # every word, in any order
    (HUNG, "Hưng", True),                         # accents are optional, so other accents match too
    (HUNG, "ngyen", False),
    (HUNG, "nguyen van binh", False),
    (NFD_HUNG, "Nguyễn Văn Hùng", True),          # stored from a decomposing keyboard, typed composed
    (HUNG, unicodedata.normalize("NFD", "Nguyễn Văn Hùng"), True),
    (HUNG, "nguyen_van", False),                  # _ is literal, not "any one character"
    (HUNG, "nguyen%hung", False),                 # % is literal, not "anything"
    (HUNG, "%", False),
    (HUNG, "_", False),
    (COMPANY, "100%", True),
    (COMPANY, "100% von", True),
    (COMPANY, "10_%", False),
    ({}, "{code}", True),
    ({}, "{code_lower}", True),
    ({}, "{number}", True),
    ({}, "{day}-{number}", True),
    ({}, "{agency}", True),
    ({}, "{agency}-{number}", False),
    (PHONE, "0912345678", True),
    (PHONE, "0912 345 678", True),
    (PHONE, "0912.345.678", True),
    (PHONE, "+84 912 345 678", True),
    (PHONE, "+84912345678", True),
    (PHONE, "345678", True),
    (PHONE, "0913", False),
    (INTERNATIONAL, "0912345678", True),
    (INTERNATIONAL, "+84 912 345 678", True),
    (ID_NUMBER, "001088000111", True),
    (ID_NUMBER, "088000", True),
    (ID_NUMBER, "001088000112", False),
]


@pytest.mark.parametrize("stored, typed, found", CASES)
def test_search_as_clerks_type(api, demo, stored, typed, found):
    code = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, **stored})["code"]
    agency, day, number = code.rsplit("-", 2)
    query = typed.format(code=code, code_lower=code.lower(), agency=agency, day=day, number=number)
    listed = ok(api.get("/dossiers", "giamsat", query_string={"q": query, "limit": 200}))
    assert (code in {d["code"] for d in listed}) is found


def test_the_search_page_finds_without_accents_and_takes_wildcards_literally(client, web_receive, login):
    code = web_receive(**{"applicant.full_name": "Đặng Thị Đào"})
    login("hotich.tanhoa")
    assert code in client.get("/ho-so", query_string={"q": "dang thi dao"}).text
    page = client.get("/ho-so", query_string={"q": "dang%dao"})
    assert page.status_code == 200 and code not in page.text


def test_names_are_stored_in_nfc_and_indexed_at_reception(api, demo):
    decomposed = unicodedata.normalize("NFD", "Trần Thị Ánh")
    document = {"name": unicodedata.normalize("NFD", "Giấy xác nhận cư trú"), "copies": 1}
    body = {"applicant": {**APPLICANT, "full_name": f" {decomposed} ", "address": decomposed}}
    code = receive(api, "dang-ky-khai-sinh", documents=[document, *_required()], **body)["code"]
    row = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert row.applicant_name == row.applicant_address == "Trần Thị Ánh"
    assert row.search_text == f"{code.lower()} tran thi anh 001099012345 0912345678"
    names = session.scalars(select(DossierDocument.name).where(DossierDocument.dossier_id == row.id)).all()
    assert "Giấy xác nhận cư trú" in names


def _required() -> list[dict]:
    from tests.support.api import DOCUMENTS, complete_documents
    return complete_documents("dang-ky-khai-sinh", DOCUMENTS)


#: what the plan says when the search column's index answers: a trigram GIN index
#: on PostgreSQL; on SQLite a scan of the narrow index instead of the dossiers' rows
INDEX_IN_PLAN = {"postgresql": "ix_dossiers_search_text", "sqlite": "COVERING INDEX ix_dossiers_search_text"}


def test_search_reads_the_index_not_the_table(api, demo):
    _add_other_dossiers(receive(api, "dang-ky-khai-sinh")["code"], 3000)
    dialect = session.get_bind().dialect.name
    statement, parameters = _statement_of_search("nguyen van 0912")
    explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    plan = "\n".join(str(row[-1]) for row in session.connection().exec_driver_sql(explain + statement, parameters))
    assert INDEX_IN_PLAN[dialect] in plan, plan


def _add_other_dossiers(code: str, count: int) -> None:
    """``count`` copies of dossier ``code`` under other codes and names (on a handful of rows a
    database rightly prefers reading the table), and fresh statistics for the planner."""
    columns = ", ".join(c.name for c in Dossier.__table__.columns if c.name not in ("id", "code", "search_text"))
    session.execute(text(
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) "
        f"INSERT INTO dossiers (code, search_text, {columns}) "
        f"SELECT 'KHAC-' || i, 'tran thi lan ' || i, {columns} FROM dossiers, n WHERE dossiers.code = :code"),
        {"code": code})
    if session.get_bind().dialect.name == "postgresql":   # as a vacuum would: the GIN's pending rows into the index
        session.execute(text("SELECT gin_clean_pending_list('ix_dossiers_search_text')"))
    session.execute(text("ANALYZE dossiers"))


def _statement_of_search(query: str) -> tuple[str, object]:
    """The SQL (and parameters) that ``services.search`` sends for ``query``, as the driver gets it."""
    sent = []
    engine = session.get_bind().engine

    def keep(_connection, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        services.search(session.scalars(select(User).where(User.username == "giamsat")).one(), text=query)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return next(item for item in sent if "search_text" in item[0])


@pytest.mark.commits
def test_migration_fills_search_text_and_nfc_for_existing_dossiers(app, api, demo):
    from app.cli import _alembic

    code = receive(api, "dang-ky-khai-sinh")["code"]
    session.remove()
    before = _search_text_revision().down_revision
    _alembic(command.downgrade, before)
    try:
        with app.extensions["db_engine"].begin() as connection:
            connection.execute(text("UPDATE dossiers SET applicant_name = :name, applicant_phone = '+84 98 765 4321'"
                                    " WHERE code = :code"), {"name": NFD_HUNG["full_name"], "code": code})
            connection.execute(text("UPDATE dossier_documents SET name = :name"),
                               {"name": unicodedata.normalize("NFD", "Tờ khai")})
    finally:
        _alembic(command.upgrade, "head")
    row = session.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert row.applicant_name == "Nguyễn Văn Hùng"
    assert row.search_text == f"{code.lower()} nguyen van hung 001099012345 0987654321"
    assert {document.name for document in row.documents} == {"Tờ khai"}
    assert [d["code"] for d in ok(api.get("/dossiers", "giamsat", query_string={"q": "hung 098765"}))] == [code]


def _search_text_revision():
    """The migration that adds the column (its predecessor may change when migrations are merged)."""
    from app.cli import MIGRATIONS
    return ScriptDirectory(str(MIGRATIONS)).get_revision("0011")
