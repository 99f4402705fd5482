"""The public look-up and the anonymous online submission: limited per client
address with the default limits (20 look-ups a minute, 10 submissions an
hour), staff never; look-up secrets of 80 bits, old 8-hex-digit ones still
valid."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.db import session
from app.dossiers import services, testruns
from app.dossiers.models import Dossier
from tests.support.api import APPLICANT, DOCUMENTS, ok, problem, receive

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
ONLINE = {"procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "channel": "online", "documents": DOCUMENTS,
          "unit_code": "XA-BINH-AN"}


def _look_up(api, code: str, secret: str, user: str | None = None, **kwargs):
    return api.get(f"/public/dossiers/{code}", user, query_string={"secret": secret}, **kwargs)


def test_the_21st_look_up_in_a_minute_is_refused_right_or_wrong(api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    code, secret = receipt["code"], receipt["lookup_secret"]
    statuses = [_look_up(api, code, f"{n:016d}").status_code for n in range(19)]
    assert statuses + [_look_up(api, code, secret).status_code] == [404] * 19 + [200]

    refused = _look_up(api, code, secret)
    detail = problem(refused, 429)["detail"]
    assert detail.startswith("Có quá nhiều yêu cầu gửi từ địa chỉ của bạn. Vui lòng thử lại sau ")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    ok(_look_up(api, code, secret, environ_base=ELSEWHERE))     # another address has its own count
    ok(_look_up(api, code, secret, "giamsat"))                   # a signed-in caller is not counted


def test_anonymous_online_submissions_are_limited_but_not_the_counter(api, demo):
    statuses = [api.post("/dossiers", json=ONLINE).status_code for _ in range(11)]
    assert statuses == [201] * 10 + [429]
    refused = api.post("/dossiers", json=ONLINE)
    assert problem(refused, 429)["detail"].endswith((" phút.", " giờ."))
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    ok(api.post("/dossiers", json=ONLINE, environ_base=ELSEWHERE), 201)
    for _ in range(3):                                           # the counter, from the same address
        receive(api, "dang-ky-khai-sinh")


def test_both_operations_document_their_429(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "429" in paths["/api/v1/dossiers"]["post"]["responses"]
    assert "429" in paths["/api/v1/public/dossiers/{code}"]["get"]["responses"]


def test_new_secrets_have_80_bits_and_are_read_as_typed(api, demo):
    secrets = {receive(api, "dang-ky-khai-sinh")["lookup_secret"] for _ in range(3)}
    assert len(secrets) == 3
    for secret in secrets:
        assert len(secret) * math.log2(len(services.SECRET_ALPHABET)) >= 80
        assert set(secret) <= set(services.SECRET_ALPHABET) and not set(secret) & set("ILOU")
    receipt = receive(api, "dang-ky-khai-sinh")
    code, secret = receipt["code"], receipt["lookup_secret"]
    grouped = "-".join(secret[i:i + 4] for i in range(0, 16, 4)).lower()
    typed = grouped.replace("0", "o").replace("1", "l")
    ok(_look_up(api, code, typed))
    problem(_look_up(api, code, secret[:-1] + ("0" if secret[-1] != "0" else "1")), 404)


def test_old_hex_secrets_still_open_their_dossier(api, demo):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    dossier = session.scalar(select(Dossier).where(Dossier.code == code))
    dossier.lookup_secret = "0a1b2c3d"                           # as dossiers were given before
    session.commit()
    for typed in ("0a1b2c3d", "0A1B 2C3D"):
        ok(_look_up(api, code, typed))
    problem(_look_up(api, code, "0a1b2c3e"), 404)


def test_test_runs_get_secrets_of_the_same_kind(app, demo):
    analyst = session.scalar(select(User).where(User.username == "phantich"))
    run = testruns.start(analyst, "dang-ky-khai-sinh", 1)
    assert len(run.lookup_secret) == services.SECRET_LENGTH
    assert set(run.lookup_secret) <= set(services.SECRET_ALPHABET)
