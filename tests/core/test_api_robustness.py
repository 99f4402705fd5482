"""A sweep of malformed requests over every route of the API: none may crash.

The app runs with TESTING, so an unhandled exception is raised into the test
rather than hidden in a 500; every answer must also be JSON, and every error
problem+json.
"""
from __future__ import annotations

import io
import itertools
import re

import pytest

from app.auth import services as auth_services
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.procedures.test_procedures_api import CAMUNDA, CATALOGUE
from tests.support.api import APPLICANT, DOCUMENTS, open_task, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

JUNK_VALUES = [None, True, 0, -1, 1.5, 10**40, -(10**40), 1e308, "", " ", "x" * 20_000, "\x00", "\ud800",
               "ủ" * 300, [], {}, [{}], {"a": {"b": [1, {"c": None}]}}, [[[[[]]]]]]
RAW_BODIES = [
    b"", b"null", b"[]", b'"text"', b"42", b"{", b"NaN", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e999}',
    b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 2_000 + b"1" + b"}" * 2_000, b"\xff\xfe\x00{", b'{"a": "\\u0000"}',
    b'{"data": {"ho_ten_tre": "\\ud800"}}', "{\"name\": \"ủ\"}".encode("utf-16"),
]
CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=xyz", "multipart/form-data"]
QUERY_JUNK = ["", "x", "-1", "1e9", "9" * 40, "\x00", "ủ", "true", "2025-02-30T10:00:00"]
QUERY_NAMES = ["limit", "offset", "mine", "status", "late", "unit", "q", "start", "secret"]
USERS = [None, "admin", "phantich", "motcua.tanhoa", "hotich.tanhoa"]


@pytest.fixture
def world(api, demo):
    """A dossier with an open task, and valid bodies for each writing route."""
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task_id = open_task(api, code, "Task_kiem_tra_ho_so")["id"]
    bodies = {
        "/auth/token": {"username": "admin", "password": "demo12345"},
        "/units": {"code": "XA-MOI", "name": "Xã mới", "kind": "commune", "parent_code": "TINH-HB"},
        "/roles": {"code": "new_role", "name": "Vai trò mới"},
        "/users": {"username": "moi", "password": "12345678", "full_name": "Mới", "unit_code": "XA-TAN-HOA",
                   "roles": ["officer"], "email": "moi@example.vn"},
        "/calendar/days": {"date": "2025-10-06", "kind": "holiday", "name": "x"},
        "/procedures": {**CATALOGUE["cap-trich-luc"], "bpmn_xml": CAMUNDA},
        "/dossiers": {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "documents": DOCUMENTS,
                      "channel": "online", "unit_code": "XA-TAN-HOA"},
        "/complete": {"data": KHAI_SINH_CHECK},
        "/supplement-request": {"note": "Bổ sung"},
        "/supplement": {"documents": DOCUMENTS},
        "/refuse": {"reason": "Không đủ điều kiện"},
        "/return": {"note": ""},
    }
    return {"code": code, "task_id": task_id, "bodies": bodies}


def routes(app) -> list[tuple[str, str]]:
    """(method, rule) of every API route."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def fill(rule: str, world: dict, variant: int = 0) -> str:
    """The rule with its arguments replaced: the real ones (variant 0) or odd ones."""
    texts = [world["code"], "dang-ky-khai-sinh", "admin", "nope", "%00", "a" * 3000, "%C3%BA%20x", "..%2F..%2Fetc"]
    numbers = [world["task_id"], 1, 0, 2**31, 2**63, 10**30]

    def argument(match: re.Match) -> str:
        choices = numbers if match["converter"] == "int" else texts
        return str(choices[variant % len(choices)])

    return re.sub(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>", argument, rule).removeprefix("/api/v1")


def body_for(path: str, world: dict) -> dict:
    return next((body for suffix, body in world["bodies"].items() if path.endswith(suffix)), {})


def check(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert response.content_type == "application/problem+json"
    elif response.status_code != 204:
        assert response.is_json


def test_odd_paths_and_methods(app, api, world):
    for (method, rule), variant, user in itertools.product(routes(app), range(8), USERS):
        check(api.call(method, fill(rule, world, variant), user, json=body_for(rule, world)))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        check(api.call(method, "/nope", "admin"))
        check(api.call(method, "/dossiers/x/y/z", "admin"))


def test_raw_bodies_and_content_types(app, api, world):
    for (method, rule), body, content_type in itertools.product(routes(app), RAW_BODIES, CONTENT_TYPES):
        if method != "GET":
            for user in ("admin", "motcua.tanhoa", "hotich.tanhoa"):
                check(api.call(method, fill(rule, world), user, data=body, content_type=content_type))


def test_junk_in_every_field(app, api, world):
    for (method, rule), user in itertools.product(routes(app), ("admin", "phantich", "motcua.tanhoa", "hotich.tanhoa")):
        if method != "POST":
            continue
        path = fill(rule, world)
        valid = body_for(rule, world)
        for name, junk in itertools.product([*valid, "unexpected"], JUNK_VALUES):
            check(api.call(method, path, user, json={**valid, name: junk}))
            if isinstance(valid.get(name), dict):
                for inner in valid[name]:
                    check(api.call(method, path, user, json={**valid, name: {**valid[name], inner: junk}}))
            if isinstance(valid.get(name), list) and valid[name] and isinstance(valid[name][0], dict):
                for inner in valid[name][0]:
                    check(api.call(method, path, user, json={**valid, name: [{**valid[name][0], inner: junk}]}))


def test_junk_in_every_query_parameter(app, api, world):
    for (method, rule), name, value in itertools.product(routes(app), QUERY_NAMES, QUERY_JUNK):
        if method == "GET":
            check(api.call(method, fill(rule, world), "admin", query_string={name: value, "limit": "1d"}))
            check(api.call(method, fill(rule, world), "hotich.tanhoa", query_string={name: value}))


def test_odd_multipart_uploads(api, world):
    base = {key: str(value) for key, value in CATALOGUE["cap-trich-luc"].items() if isinstance(value, str)}
    for junk in ["", "\x00", "ủ", "x" * 20_000, "{}", "[]", "null", "1e999", "NaN"]:
        for name in [*base, "fee", "documents", "forms", "bpmn_xml"]:
            data = {**base, name: junk, "file": (io.BytesIO(CAMUNDA.encode()), "x.bpmn"),
                    "forms": [(io.BytesIO(junk.encode()), "f.schema.json")]}
            check(api.post("/procedures", "phantich", data=data, content_type="multipart/form-data"))


@pytest.mark.parametrize("procedure, element_id, valid", [
    ("dang-ky-khai-sinh", "Task_kiem_tra_ho_so", KHAI_SINH_CHECK),
    ("chung-thuc-ban-sao", "Task_kiem_tra_doi_chieu",
     {"ten_giay_to": "Bằng", "so_trang": 2, "so_ban_sao": 1, "du_dieu_kien_chung_thuc": True}),
])
def test_junk_in_task_forms(api, demo, procedure, element_id, valid):
    """Each junk value in each form field, always on an open task (a new one after any success)."""
    user = "hotich.tanhoa" if procedure == "dang-ky-khai-sinh" else "chuyenvien.tanhoa"
    task_id = None
    for name, junk in itertools.product(valid, JUNK_VALUES):
        if task_id is None:
            task_id = open_task(api, receive(api, procedure)["code"], element_id)["id"]
        response = api.post(f"/tasks/{task_id}/complete", user, json={"data": {**valid, name: junk}})
        check(response)
        task_id = None if response.status_code == 200 else task_id


def test_a_crash_still_answers_problem_json(app, api, demo, monkeypatch):
    def crash():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(auth_services, "list_roles", crash)
    response = api.get("/roles", "admin")
    assert response.status_code == 500 and response.content_type == "application/problem+json"
    assert "boom" not in response.get_data(as_text=True)
