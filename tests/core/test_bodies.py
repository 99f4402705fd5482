"""Strict request bodies: the API takes JSON (and multipart where it says so) or
answers 415; a body over MAX_CONTENT_LENGTH is a 413 whether its length is
announced or it comes chunked, on the test client and on a real server; a body
of exactly the limit, and the web's form posts, still go through."""
from __future__ import annotations

import http.client
import io
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.db import session
from app.dossiers.models import Dossier
from tests.browser.conftest import live_server  # noqa: F401  (fixture)
from tests.support.api import APPLICANT, DOCUMENTS, error_fields, problem

RECEPTION = {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "documents": DOCUMENTS}
LOGIN_FORM = "username=motcua.tanhoa&password=demo12345"
TOKEN = "/api/v1/auth/token"
LIMIT = 400
#: what a WSGI server that decodes chunked bodies says (werkzeug's and gunicorn do)
DECODED = {"wsgi.input_terminated": True}


def dossiers() -> int:
    return session.scalar(select(func.count()).select_from(Dossier))


def token_body(size: int) -> bytes:
    """A valid token request of exactly ``size`` bytes (JSON allows trailing spaces)."""
    body = json.dumps({"username": "motcua.tanhoa", "password": "demo12345"}).encode()
    return body.ljust(size)


def chunked(client, path: str, body: bytes, content_type: str = "application/json", **kwargs):
    """POST ``body`` with no Content-Length, as ``Transfer-Encoding: chunked``."""
    headers = {"Transfer-Encoding": "chunked", "Content-Type": content_type}
    return client.post(path, input_stream=io.BytesIO(body), headers=headers, **kwargs)


@pytest.fixture
def limit(app, monkeypatch):
    """A small MAX_CONTENT_LENGTH, so that bodies over it stay small."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)
    return LIMIT


# --------------------------------------------------------------------------- 415


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_is_refused_and_nothing_changes(api, demo, content_type):
    before = dossiers()
    response = api.post("/dossiers", "motcua.tanhoa", data=json.dumps(RECEPTION), content_type=content_type)
    detail = problem(response, 415)["detail"]
    assert "application/json" in detail and "Content-Type" in detail and "multipart" not in detail
    assert dossiers() == before


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api, demo):
    before = dossiers()
    for content_type in ("application/json; charset=utf-8", "application/vnd.motcua+json"):
        response = api.post("/dossiers", "motcua.tanhoa", data=json.dumps(RECEPTION), content_type=content_type)
        assert response.status_code == 201, response.get_json()
    assert dossiers() == before + 2


def test_multipart_only_where_the_operation_declares_it(api, demo):
    upload = api.post("/procedures", "phantich", data={"code": "x"}, content_type="multipart/form-data")
    assert error_fields(upload) == {"file"}  # reached the view, which names the missing part
    refused = api.post("/dossiers", "motcua.tanhoa", data={"procedure_code": "x"}, content_type="multipart/form-data")
    assert "multipart/form-data" in problem(refused, 415)["detail"]
    declared = problem(api.post("/procedures", "phantich", data="x", content_type="text/plain"), 415)["detail"]
    assert "application/json hoặc multipart/form-data" in declared


def test_a_post_without_a_body_needs_no_content_type(api, demo):
    response = api.post("/admin/scheduler/run", "admin")
    assert response.status_code == 200, response.get_json()


def test_an_unknown_api_address_is_still_a_404(api):
    problem(api.post("/khong-co", data="x", content_type="text/plain"), 404)


def test_the_web_s_form_posts_are_not_held_to_json(client, demo):
    response = client.post("/dang-nhap", data=LOGIN_FORM, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302


# --------------------------------------------------------------------------- 413


def test_a_chunked_body_over_the_limit_is_a_413_not_invalid_json(client, demo, limit):
    response = chunked(client, TOKEN, token_body(limit + 1), environ_overrides=DECODED)
    assert "400" in problem(response, 413)["detail"]  # names the limit


def test_an_announced_length_over_the_limit_is_a_413(client, demo, limit):
    problem(client.post(TOKEN, data=token_body(limit + 1), content_type="application/json"), 413)


@pytest.mark.parametrize("send", ["announced", "chunked"])
def test_a_body_of_exactly_the_limit_is_read_whole(client, demo, limit, send):
    body = token_body(limit)
    if send == "chunked":
        response = chunked(client, TOKEN, body, environ_overrides=DECODED)
    else:
        response = client.post(TOKEN, data=body, content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["token"]


def test_a_body_over_the_limit_is_refused_even_where_the_view_would_not_read_it(api, demo, limit):
    oversized = api.post("/admin/scheduler/run", "admin", data=b"{}".ljust(limit + 1), content_type="application/json")
    problem(oversized, 413)


def test_on_the_web_a_body_over_the_limit_is_a_vietnamese_page(client, demo, limit):
    form = (LOGIN_FORM + "&x=" + "a" * limit).encode()
    for response in (chunked(client, "/dang-nhap", form, "application/x-www-form-urlencoded",
                             environ_overrides=DECODED),
                     client.post("/dang-nhap", data=form, content_type="application/x-www-form-urlencoded")):
        assert response.status_code == 413 and response.mimetype == "text/html"
        assert "vượt quá dung lượng cho phép" in response.text


def test_with_csrf_on_a_form_over_the_limit_is_still_a_413_not_an_expired_form(csrf_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)
    monkeypatch.setitem(csrf_client.application.config, "MAX_CONTENT_LENGTH", LIMIT)
    form = (LOGIN_FORM + "&x=" + "a" * LIMIT).encode()
    response = chunked(csrf_client, "/dang-nhap", form, "application/x-www-form-urlencoded", environ_overrides=DECODED)
    assert response.status_code == 413


def test_a_chunked_form_within_the_limit_arrives_whole(client, demo):
    # the password is the last field: a cut body would not sign in
    response = chunked(client, "/dang-nhap", LOGIN_FORM.encode(), "application/x-www-form-urlencoded",
                       environ_overrides=DECODED)
    assert response.status_code == 302


def test_a_chunked_body_the_server_did_not_decode_is_refused_not_emptied(client, demo):
    detail = problem(chunked(client, TOKEN, token_body(100)), 411)["detail"]
    assert "Content-Length" in detail


# --------------------------------------------------------------------------- a real server


def post_chunked(base_url: str, path: str, parts: list[bytes], content_type: str = "application/json"):
    """POST ``parts`` as chunks over a socket (http.client adds Transfer-Encoding: chunked)."""
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("POST", path, body=iter(parts), headers={"Content-Type": content_type},
                           encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


@pytest.mark.commits
def test_a_real_server_answers_413_to_a_chunked_body_over_the_limit(live_server, limit):  # noqa: F811
    status, content_type, body = post_chunked(live_server, TOKEN, [b'{"username": "', b"a" * limit, b'"}'])
    assert (status, content_type) == (413, "application/problem+json")
    assert json.loads(body)["status"] == 413


@pytest.mark.commits
def test_a_real_server_passes_a_chunked_body_within_the_limit_whole(live_server, limit):  # noqa: F811
    body = token_body(limit)
    status, _, answer = post_chunked(live_server, TOKEN, [body[:10], body[10:100], body[100:]])
    assert status == 200 and json.loads(answer)["token"]
