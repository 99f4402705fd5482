"""Logs: JSON lines on stderr with ``LOG_FORMAT=json``, a request id on every line of a request and
in the ``X-Request-ID`` header, one access line per request, and nothing secret in them."""
from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import db
from app.core import logs
from tests.support.api_client import ApiClient

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_client(app_factory, capsys):
    """A client of an app started with LOG_FORMAT=json; the text format is back afterwards."""
    built = app_factory(LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False)  # a bug answers 500, as in production
    built.add_url_rule("/kiem-thu/loi", "broken", _broken)   # a bug, for its traceback
    capsys.readouterr()
    yield built.test_client()
    logs.configure("text")


def _broken():
    return {"thuong": 1 / 0}


def lines(capsys) -> list[dict]:
    """The JSON lines written to stderr so far (every line must be JSON)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def access_lines(capsys, path: str) -> list[dict]:
    return [line for line in lines(capsys) if line["logger"] == "app.access" and line["path"] == path]


def test_a_json_access_line_carries_the_request_id_of_the_header(json_client, capsys):
    response = json_client.get("/healthz")
    (line,) = access_lines(capsys, "/healthz")
    assert NEW_ID.fullmatch(response.headers["X-Request-ID"])
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["status"], line["user_id"], line["level"]) == ("GET", 200, None, "INFO")
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")


def test_a_sane_incoming_request_id_is_kept(json_client, capsys):
    response = json_client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.9_Z"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.9_Z"
    assert access_lines(capsys, "/healthz")[0]["request_id"] == "lb-7f3a.9_Z"


@pytest.mark.parametrize("incoming", ["abc def", "id;drop", "<script>", "a" * 65, "ồ", ""])
def test_an_incoming_request_id_with_bad_characters_is_replaced(json_client, capsys, incoming):
    response = json_client.get("/healthz", headers={"X-Request-ID": incoming})
    assert NEW_ID.fullmatch(response.headers["X-Request-ID"])
    assert access_lines(capsys, "/healthz")[0]["request_id"] == response.headers["X-Request-ID"]


def test_the_user_and_the_path_without_its_query(json_client, capsys):
    api = ApiClient(json_client)
    api.get("/tasks", "hotich.tanhoa")
    (line,) = access_lines(capsys, "/api/v1/tasks")
    assert isinstance(line["user_id"], int)
    json_client.get("/tra-cuu/KHONG-CO?s=bi-mat-cua-cong-dan", headers={"Cookie": "session=cookie-bi-mat"})
    written = capsys.readouterr().err
    assert '"path": "/tra-cuu/KHONG-CO"' in written
    assert "bi-mat-cua-cong-dan" not in written and "cookie-bi-mat" not in written


def test_no_password_nor_token_is_written(json_client, capsys):
    api = ApiClient(json_client)
    token = api.token("hotich.tanhoa")
    json_client.post("/api/v1/auth/token", json={"username": "hotich.tanhoa", "password": "sai-mat-khau-123"})
    written = capsys.readouterr().err
    assert token not in written and "sai-mat-khau-123" not in written and "demo12345" not in written
    assert "/api/v1/auth/token" in written


def test_a_traceback_goes_in_its_own_field_not_in_the_answer(json_client, capsys):
    response = json_client.get("/kiem-thu/loi")
    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.get_data(as_text=True)
    written = lines(capsys)
    (failure,) = [line for line in written if "exception" in line]
    assert "ZeroDivisionError" in failure["exception"] and "Traceback" in failure["exception"]
    assert "ZeroDivisionError" not in failure["message"]
    assert failure["request_id"] == response.headers["X-Request-ID"]
    assert [line["status"] for line in written if line.get("path") == "/kiem-thu/loi"] == [500]


def test_every_line_of_a_request_has_its_id(json_client, capsys):
    def shout():
        logging.getLogger("app.kiem_thu").warning("giữa yêu cầu")
        return "ok"

    json_client.application.add_url_rule("/kiem-thu/noi", "shout", shout)
    response = json_client.get("/kiem-thu/noi")
    (middle,) = [line for line in lines(capsys) if line["message"] == "giữa yêu cầu"]
    assert middle["request_id"] == response.headers["X-Request-ID"] and middle["level"] == "WARNING"


def test_the_text_format_names_the_request_too(client, capsys):
    response = client.get("/healthz")
    written = capsys.readouterr().err
    assert f"[{response.headers['X-Request-ID']}] app.access: GET /healthz 200" in written


def test_the_development_server_request_line_is_dropped(client, capsys):
    """werkzeug's own line (``make run``) would print the query string: ours replaces it."""
    client.get("/healthz")
    werkzeug, level = logging.getLogger("werkzeug"), logging.getLogger("werkzeug").level
    werkzeug.setLevel(logging.INFO)   # as werkzeug's server does when it starts
    try:
        werkzeug.info('127.0.0.1 - - [30/Nov/2026 14:59:41] "GET /tra-cuu/X?s=bi-mat HTTP/1.1" 200 -')
        werkzeug.info(" * Running on http://127.0.0.1:5000")
    finally:
        werkzeug.setLevel(level)
    written = capsys.readouterr().err
    assert "bi-mat" not in written and "Running on" in written


def test_a_database_error_does_not_carry_its_values(app):
    """Its text goes to the log with the traceback: the statement, never the values bound to it."""
    with pytest.raises(DBAPIError) as failure:
        db.session.execute(text("SELECT * FROM khong_co_bang WHERE mat_khau = :v"), {"v": "mat-khau-bi-mat"})
    db.session.rollback()
    assert "khong_co_bang" in str(failure.value) and "mat-khau-bi-mat" not in str(failure.value)


@pytest.mark.unit
def test_a_line_outside_a_request_has_no_id():
    record = logging.LogRecord("motcua.scheduler", logging.INFO, __file__, 1, "quét %s", ("xong",), None)
    line = json.loads(logs.JsonFormatter().format(record))
    assert (line["message"], line["request_id"], line["logger"]) == ("quét xong", None, "motcua.scheduler")
