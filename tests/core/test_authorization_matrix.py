"""The authorization matrix: every operation of the OpenAPI document × every caller of
``authorization_table.CALLERS``, each expected status worked out by the table's rules.

The objects are built once for the module, inside one transaction on one connection;
each case runs in a savepoint of it that is rolled back, so a case that succeeds (a
refusal, a signature) leaves the next one the same objects in the same state.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest

from app import clock, db
from app.calendar.services import work_calendar
from app.core.handlers import PROBLEM_JSON
from app.demo import DEMO_PASSWORD, DEMO_PIN, seed
from app.signing.demo_ca import issue_leader_certificate, make_demo_ca
from tests.core.authorization_table import CALLERS, COMMUNE_A, COMMUNE_B, PAGES, TABLE, Caller, Row, expected
from tests.support.api import ok
from tests.support import files as test_files
from tests.support.api_client import ApiClient
from tests.support.plugin import _bind
from tests.support.procedures import CAMUNDA, CATALOGUE, CODE, LOOK_UP
from tests.support.web import BIRTH, BIRTH_CHECK, BIRTH_FORM

#: users the table needs that the demo does not have: username → role (all in commune B)
EXTRA_USERS = {"xaydung.binhan": "construction_officer", "bhxh.binhan": "insurance_officer",
               "giamsat.binhan": "supervisor", "admin.binhan": "admin", "phantich.binhan": "analyst"}
APPLICANT = {"full_name": "Trần Thị Mai", "id_number": "037190001234", "phone": "0912345678",
             "email": "mai@example.vn", "address": "Thôn 2, xã Tân Hòa"}
NEW_PASSWORD = "Mật-khẩu-mới-2026"
DOCUMENTS = [{"name": "Tờ khai đăng ký khai sinh", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 1},
             {"name": "Giấy tờ tùy thân của người đi đăng ký khai sinh", "copies": 1}]
#: identifiers no object has: an invisible object must be answered exactly like these
UNKNOWN = {"dossier": {"code": "000.00.12.H37-990101-9999"}, "task": {"task_id": "2147480001"},
           "blocked_task": {"task_id": "2147480001"}, "escalation": {"escalation_id": "2147480001"},
           "test_run": {"code": "THU-990101-9999"}}


@dataclass(frozen=True)
class World:
    """What the cases need to call: credentials, the objects' identifiers, the requests' content."""

    tokens: dict[str, str]
    #: the session cookie of each caller, signed in through the form
    cookies: dict[str, str]
    params: dict[str, dict[str, str]]
    bodies: dict[tuple[str, str], dict]
    queries: dict[tuple[str, str], dict]


def _frozen_moment() -> datetime:
    """A Wednesday 10:00 at least a day ahead of the real clock, when the demo
    certificates (issued now) are valid and nothing received then is late."""
    day = clock.local(clock.real_now()).date() + timedelta(days=1)
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime.combine(day, time(10, 0), tzinfo=clock.LOCAL_TZ)


@pytest.fixture(scope="module")
def world_app(_seeded, tmp_path_factory):
    """The demo app, its session bound for the whole module to one connection in a transaction."""
    application = _seeded.app
    engine = application.extensions["db_engine"]
    with engine.connect() as connection, pytest.MonkeyPatch.context() as patch:
        outer = connection.begin()
        moment = {"now": _frozen_moment()}
        patch.setattr(clock, "now", lambda: moment["now"])
        _bind(connection, "create_savepoint")
        patch.setitem(application.extensions, "test_connection", connection)
        try:
            with application.app_context():
                world = _build(application, tmp_path_factory, moment)
            patch.setitem(application.extensions, "authorization_world", world)
            yield application
        finally:
            _bind(engine)
            outer.rollback()


@pytest.fixture
def app(world_app):
    """Each case in a savepoint of the module's transaction, rolled back afterwards."""
    savepoint = world_app.extensions["test_connection"].begin_nested()
    try:
        with world_app.app_context():
            yield world_app
    finally:
        db.session.remove()
        savepoint.rollback()


@pytest.fixture
def world(app) -> World:
    """The module's objects and credentials."""
    return app.extensions["authorization_world"]


# --------------------------------------------------------------------------- the objects, built as clients do


def _build(application, tmp_path_factory, moment: dict) -> World:
    """The objects of the table's rules, made through the API as any client would."""
    seed(signing_folder=tmp_path_factory.mktemp("signing"))   # the demo CA, the leaders' keys
    db.session.commit()
    api = ApiClient(application.test_client())
    for username, role in EXTRA_USERS.items():
        ok(api.post("/users", "admin", json={"username": username, "password": DEMO_PASSWORD, "unit_code": COMMUNE_B,
                                             "full_name": f"Người thử {username}", "roles": [role]}), 201)
    late = _late_dossier(api, moment)
    dossier = _received(api)
    ok(api.post("/procedures", "phantich", json={**CATALOGUE, "bpmn_xml": CAMUNDA, "forms": {}}), 201)
    run = ok(api.post(f"/procedures/{CODE}/versions/1/test-runs", "phantich"), 201)
    (run_step,) = run["open_steps"]
    scan = ok(api.post(f"/dossiers/{dossier['code']}/files", "motcua.tanhoa",
                       data={"files": (io.BytesIO(test_files.pdf()), "ban-quet.pdf")}), 201)
    params = {
        "dossier": {"code": dossier["code"], "file_id": str(scan[0]["id"])}, "public_dossier": {"code": dossier["code"]},
        "task": {"task_id": str(dossier["task"]["id"])}, "blocked_task": {"task_id": str(late["task"]["id"])},
        "escalation": {"escalation_id": str(late["escalation"])},
        "draft": {"code": CODE, "number": "1", "old": "1", "new": "1"},
        "test_run": {"code": run["code"], "task_id": str(run_step["task_id"])},
        "unit": {"code": COMMUNE_A}, "user": {"username": "lanhdao.tanhoa"}, "published": {"code": BIRTH},
    }
    tokens = {caller.username: api.token(caller.username) for caller in CALLERS if caller.username}
    bodies = {**_bodies(), ("POST", "/public/dossiers/{code}/rating"): {"secret": dossier["lookup_secret"], "score": 4},
              ("POST", "/public/dossiers/{code}/payments"): {"secret": dossier["lookup_secret"]}}
    return World(tokens, _cookies(api.client.application), params, bodies, _queries(dossier))


def _cookies(application) -> dict[str, str]:
    """Each caller signed in on the pages once; the tests replay the cookie."""
    cookies = {}
    for caller in CALLERS[1:]:
        browser = application.test_client()
        signed_in = browser.post("/dang-nhap", data={"username": caller.username, "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, signed_in.text
        cookies[caller.username] = browser.get_cookie(application.config["SESSION_COOKIE_NAME"]).value
    return cookies


def _received(api: ApiClient) -> dict:
    """A birth registration received at commune A's counter, with its first step (open)."""
    receipt = ok(api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": BIRTH, "applicant": APPLICANT, "documents": DOCUMENTS}), 201)
    (task,) = ok(api.get(f"/dossiers/{receipt['code']}", "giamsat"))["open_tasks"]
    return {**receipt, "task": task}


def _late_dossier(api: ApiClient, moment: dict) -> dict:
    """One whose first step went late the next day: blocked, explained, its letter waiting for the leader."""
    late = _received(api)
    moment["now"] += timedelta(days=1)
    assert ok(api.post("/admin/scheduler/run", "admin"))["escalated"] == 1
    (escalation,) = ok(api.get("/escalations", "hotich.tanhoa"))
    ok(api.post(f"/escalations/{escalation['id']}/explanation", "hotich.tanhoa", json={
        "reason": "Cán bộ hộ tịch đi tập huấn.", "new_due_date": _new_appointment(late).isoformat()}))
    return {**late, "escalation": escalation["id"]}


def _new_appointment(late: dict) -> date:
    """The next working day after both today and the old appointment."""
    old = datetime.fromisoformat(late["due_at"]).date()
    return work_calendar().next_working_day(max(old, clock.local(clock.now()).date()))


def _bodies() -> dict[tuple[str, str], dict]:
    ca_certificate, ca_key = make_demo_ca("CA thử của ma trận phân quyền")
    leader_certificate, _ = issue_leader_certificate(ca_certificate, ca_key, full_name="Bùi Văn Lãnh Đạo",
                                                     unit_name="UBND xã Tân Hòa")
    return {
        ("POST", "/admin/clock"): {"now": clock.now().isoformat()},
        ("POST", "/admin/trust-roots"): {"certificate_pem": ca_certificate.decode()},
        ("POST", "/auth/token"): {"username": "motcua.tanhoa", "password": DEMO_PASSWORD},
        ("PUT", "/auth/password"): {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD},
        ("PUT", "/users/{username}/password"): {"password": NEW_PASSWORD},
        ("POST", "/calendar/days"): {"date": "2099-12-24", "kind": "holiday", "name": "Ngày nghỉ thử"},
        ("POST", "/dossiers"): {"procedure_code": BIRTH, "applicant": APPLICANT, "documents": DOCUMENTS,
                                "channel": "online", "unit_code": COMMUNE_A},
        ("POST", "/dossiers/{code}/documents-complete"): {"documents": [{"name": "Giấy chứng sinh", "copies": 1}]},
        ("POST", "/dossiers/{code}/messages/{name}"): {"payload": {"ket_qua": "Đã xác minh"}},
        ("POST", "/dossiers/{code}/payments"): {"amount": 8000, "method": "cash"},
        ("POST", "/dossiers/{code}/refuse"): {"reason": "Không thuộc thẩm quyền giải quyết."},
        ("POST", "/dossiers/{code}/return"): {"note": ""},
        ("POST", "/dossiers/{code}/supplement"): {"documents": [{"name": "Giấy chứng sinh", "copies": 1}]},
        ("POST", "/dossiers/{code}/supplement-request"): {"note": "Bổ sung giấy chứng sinh."},
        ("POST", "/escalations/{escalation_id}/decision"): {"decision": "Giao giải quyết ngay trong ngày."},
        ("POST", "/escalations/{escalation_id}/explanation"): {"reason": "Cán bộ hộ tịch đi tập huấn.",
                                                              "new_due_date": "2099-12-01"},
        ("POST", "/escalations/{escalation_id}/reject"): {"note": "Ghi rõ ngày bàn giao."},
        ("POST", "/escalations/{escalation_id}/signature"): {"pin": DEMO_PIN},
        ("POST", "/procedures"): {**CATALOGUE, "bpmn_xml": CAMUNDA, "forms": {}},
        ("POST", "/procedures/check"): {"bpmn_xml": CAMUNDA},
        ("PATCH", "/procedures/{code}"): {"name": "Cấp bản sao trích lục hộ tịch (sửa)"},
        ("PUT", "/procedures/{code}/versions/{number}"): {"bpmn_xml": CAMUNDA, "forms": {}},
        ("POST", "/roles"): {"code": "vai_tro_thu", "name": "Vai trò thử"},
        ("POST", "/tasks/{task_id}/complete"): {"data": BIRTH_CHECK},
        ("POST", "/tasks/{task_id}/early-apology"): {"reason": "Cán bộ hộ tịch đi tập huấn.", "new_due_date": "2099-12-01"},
        ("POST", "/test-runs/{code}/tasks/{task_id}/complete"): {"data": LOOK_UP},
        ("POST", "/units"): {"code": "XA-THU", "name": "UBND xã Thử", "kind": "commune", "parent_code": "TINH-HB",
                             "agency_code": "000.00.99.H37"},
        ("POST", "/users"): {"username": "nguoi.thu", "password": "mat-khau-thu-123", "full_name": "Người Thử",
                             "unit_code": COMMUNE_A, "roles": ["officer"]},
        ("PUT", "/users/{username}/certificate"): {"certificate_pem": leader_certificate.decode()},
    }


#: what the pages' forms post, by (method, rule, action)
FORMS = {
    ("POST", "/dang-nhap", None): {"username": "motcua.tanhoa", "password": DEMO_PASSWORD},
    ("POST", "/cong-viec/<int:task_id>", None): BIRTH_CHECK,
    ("POST", "/cong-viec/<int:task_id>/xin-loi-som", None): {"reason": "Cán bộ đi tập huấn.", "new_due_date": "2099-12-01"},
    ("POST", "/ho-so/<code>/<action>", "tu-choi"): {"reason": "Không thuộc thẩm quyền giải quyết."},
    ("POST", "/tiep-nhan", None): BIRTH_FORM,
    ("POST", "/tra-cuu/<code>/danh-gia", None): {"score": "4"},
    ("POST", "/quay/danh-gia", None): {"score": "4"},
    ("POST", "/tre-han/<int:escalation_id>/<action>", "giai-trinh"): {"reason": "Cán bộ đi tập huấn.",
                                                                     "new_due_date": "2099-12-01"},
    ("POST", "/tre-han/<int:escalation_id>/<action>", "ky-bang-pin"): {"pin": DEMO_PIN},
    ("POST", "/tre-han/<int:escalation_id>/<action>", "tra-lai"): {"note": "Ghi rõ ngày bàn giao."},
    ("POST", "/tre-han/<int:escalation_id>/<action>", "quyet-dinh"): {"decision": "Giải quyết ngay."},
}


#: the citizen's pages of a dossier, which take its secret as ``?s=``
_WITH_SECRET = (("GET", "/dich-vu-cong/da-nop/<code>"), ("GET", "/tra-cuu/<code>"), ("POST", "/tra-cuu/<code>/bo-sung"),
                ("POST", "/tra-cuu/<code>/danh-gia"), ("GET", "/tra-cuu/<code>/thu-xin-loi/<int:escalation_id>"),
                ("POST", "/thanh-toan/<code>"))


def _queries(dossier: dict) -> dict[tuple[str, str], dict]:
    today = clock.local(clock.now()).date()
    return {("GET", "/calendar/due"): {"limit": "3d"},
            ("GET", "/public/dossiers/{code}"): {"secret": dossier["lookup_secret"]},
            **{(method, rule): {"s": dossier["lookup_secret"]} for method, rule in _WITH_SECRET},
            ("GET", "/units/{code}/register"): {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}}


# --------------------------------------------------------------------------- calling


def _call(client, world: World, row: Row, caller: Caller, params: dict[str, str]):
    path = row.path
    for name, value in {**params, **row.params}.items():
        path = path.replace(f"{{{name}}}", value)
    headers = {"Authorization": f"Bearer {world.tokens[caller.username]}"} if caller.username else {}
    return client.open(f"/api/v1{path}", method=row.method, headers=headers,
                       json=world.bodies.get((row.method, row.path)),
                       query_string=world.queries.get((row.method, row.path)))


def _case_id(value) -> str:
    return value.name if isinstance(value, Row) else value.label


def test_every_operation_of_the_document_has_a_row(client):
    """A new endpoint fails here until the table says who may call it."""
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    rows = {(row.method, f"/api/v1{row.path}") for row in TABLE}
    assert operations - rows == set(), "operations without a row in tests/core/authorization_table.py"
    assert rows - operations == set(), "rows of operations the document no longer has"


@pytest.mark.parametrize("caller", CALLERS, ids=_case_id)
@pytest.mark.parametrize("row", TABLE, ids=_case_id)
def test_authorization_matrix(client, world, row, caller):
    response = _call(client, world, row, caller, world.params.get(row.kind, {}))
    want = expected(row, caller)
    assert response.status_code == want, (response.status_code, response.get_json())
    if want >= 400:
        assert response.content_type == PROBLEM_JSON
    if want == 404 and row.kind in UNKNOWN:
        _assert_answered_as_unknown(client, world, row, caller, response)


def _assert_answered_as_unknown(client, world: World, row: Row, caller: Caller, hidden) -> None:
    """The hidden object's 404 is the unknown object's, the identifier aside."""
    unknown = _call(client, world, row, caller, {**world.params[row.kind], **UNKNOWN[row.kind]})
    assert unknown.status_code == 404
    body = hidden.get_json()
    body["detail"] = _as_unknown(body["detail"], world, row.kind)
    assert body == unknown.get_json()


# --------------------------------------------------------------------------- the pages

_RULE_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def _open_page(client, world: World, row: Row, caller: Caller, params: dict[str, str]):
    values = {**params, **row.params}
    path = _RULE_ARGUMENT.sub(lambda match: values[match.group(1)], row.path)
    if caller.username:
        client.set_cookie(client.application.config["SESSION_COOKIE_NAME"], world.cookies[caller.username])
    return client.open(path, method=row.method, data=FORMS.get((row.method, row.path, row.params.get("action"))),
                       query_string=world.queries.get((row.method, row.path)))


def test_every_page_has_a_row(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
              if not rule.rule.startswith(("/api/", "/static/"))}
    rows = {(row.method, row.path) for row in PAGES}
    assert routes - rows == set(), "pages without a row in tests/core/authorization_table.py"
    assert rows - routes == set(), "rows of pages that no longer exist"


@pytest.mark.parametrize("caller", CALLERS, ids=_case_id)
@pytest.mark.parametrize("row", PAGES, ids=_case_id)
def test_page_authorization_matrix(client, world, row, caller):
    response = _open_page(client, world, row, caller, world.params.get(row.kind, {}))
    assert response.status_code == expected(row, caller, signed_out=302), response.text[:2000]
    if response.status_code == 404 and row.kind in UNKNOWN:
        unknown = _open_page(client, world, row, caller, {**world.params[row.kind], **UNKNOWN[row.kind]})
        assert unknown.status_code == 404
        assert _page_text(unknown) == _as_unknown(_page_text(response), world, row.kind)


def _as_unknown(text: str, world: World, kind: str) -> str:
    """``text`` with the object's identifier put in place of the unknown one's."""
    for name, value in UNKNOWN[kind].items():
        text = re.sub(rf"(?<!\w){re.escape(world.params[kind][name])}(?!\w)", value, text)
    return text


def _page_text(response) -> str:
    """The page without what changes at every request (nonces, tokens)."""
    return re.sub(r'(nonce|value|content)="[^"]*"', "", response.get_data(as_text=True))
