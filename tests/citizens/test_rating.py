"""Rating a finished dossier: once, only at the end, by the holder of the secret (look-up page, API)
or by a tap on the kiosk beside the counter for the dossier just handed back.

The clock stands on Friday 3 October 2025, 10:00 (``stopped_clock``).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.citizens.models import Rating
from app.db import session
from app.dossiers.models import Dossier, DossierEvent
from tests.support.api import FRIDAY_10AM, error_fields, ok, problem, receive
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

UNKNOWN = "000.00.12.H37-990101-9999"


def rate(api, code: str, secret: str, **body):
    return api.post(f"/public/dossiers/{code}/rating", json={"secret": secret, "score": 4, **body})


def rating_of(code: str) -> Rating | None:
    session.rollback()
    return session.scalar(select(Rating).join(Dossier, Dossier.id == Rating.dossier_id).where(Dossier.code == code))


def events(code: str, kind: str) -> list[DossierEvent]:
    query = select(DossierEvent).join(Dossier).where(Dossier.code == code, DossierEvent.kind == kind)
    return list(session.scalars(query))


def returned(api) -> dict:
    """A certified copy done and handed back at Tân Hòa's counter by motcua.tanhoa."""
    receipt = ready_for_return(api)
    ok(api.post(f"/dossiers/{receipt['code']}/return", "motcua.tanhoa", json={}))
    return receipt


# --------------------------------------------------------------------------- the API


def test_a_finished_dossier_is_rated_once_with_its_comment_kept_as_typed(api, demo):
    receipt = ready_for_return(api)
    code, secret = receipt["code"], receipt["lookup_secret"]
    comment = "<b>Cán bộ</b> nhiệt tình & chu đáo"
    answer = ok(rate(api, code, secret, score=3, comment=comment), 201)
    assert answer["score"] == 3 and answer["channel"] == "api" and answer["comment"] == comment
    stored = rating_of(code)
    assert (stored.score, stored.comment, stored.channel) == (3, comment, "api")
    assert [event.detail["score"] for event in events(code, "rated")] == [3]
    again = problem(rate(api, code, secret, score=1), 409)
    assert "đã được đánh giá" in again["detail"]
    assert rating_of(code).score == 3 and len(events(code, "rated")) == 1


def test_before_the_end_there_is_nothing_to_rate(api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    body = problem(rate(api, receipt["code"], receipt["lookup_secret"]), 409)
    assert "chưa giải quyết xong" in body["detail"]
    assert rating_of(receipt["code"]) is None


def test_a_refused_dossier_may_be_rated(api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    ok(api.post(f"/dossiers/{receipt['code']}/refuse", "motcua.tanhoa", json={"reason": "Không thuộc thẩm quyền."}))
    ok(rate(api, receipt["code"], receipt["lookup_secret"], score=1), 201)
    assert rating_of(receipt["code"]).score == 1


def test_a_wrong_secret_is_answered_as_an_unknown_code(api, demo):
    receipt = ready_for_return(api)
    wrong = problem(rate(api, receipt["code"], "SAI-MA-TRA-CUU"), 404)
    unknown = problem(rate(api, UNKNOWN, "SAI-MA-TRA-CUU"), 404)
    assert wrong["detail"].replace(receipt["code"], UNKNOWN) == unknown["detail"]
    assert rating_of(receipt["code"]) is None


@pytest.mark.parametrize("body, field", [
    ({"score": 0}, "score"), ({"score": 5}, "score"), ({"score": "4"}, "score"), ({"score": True}, "score"),
    ({"score": None}, "score"), ({"comment": "x" * 2001}, "comment"), ({"comment": 12}, "comment"),
])
def test_a_bad_rating_is_refused_naming_its_field(api, demo, body, field):
    receipt = ready_for_return(api)
    assert error_fields(rate(api, receipt["code"], receipt["lookup_secret"], **body)) == {field}
    assert rating_of(receipt["code"]) is None


def test_the_service_checks_the_score_and_comment_itself(app, api, demo):
    """What the page posts reaches the service without the API's schema: it refuses alike."""
    from app.citizens import rating
    from app.core.errors import Invalid

    receipt = ready_for_return(api)
    for score, comment in ((7, ""), ([4], ""), (2.5, ""), (4, "y" * 2001)):
        with pytest.raises(Invalid):
            rating.rate(receipt["code"], receipt["lookup_secret"], score, comment, "lookup")
    assert rating_of(receipt["code"]) is None


# --------------------------------------------------------------------------- the look-up page


def page_of(receipt: dict) -> str:
    return f"/tra-cuu/{receipt['code']}?s={receipt['lookup_secret']}"


def test_the_look_up_page_rates_a_finished_dossier_once(client, api, demo):
    receipt = ready_for_return(api)
    assert 'name="score"' in client.get(page_of(receipt)).text
    sent = client.post(f"/tra-cuu/{receipt['code']}/danh-gia?s={receipt['lookup_secret']}",
                       data={"score": "4", "comment": "<script>alert(1)</script> Nhanh gọn"})
    assert sent.status_code == 302 and sent.location.endswith(page_of(receipt))
    assert (rating_of(receipt["code"]).score, rating_of(receipt["code"]).channel) == (4, "lookup")
    page = client.get(page_of(receipt)).text
    assert "Cảm ơn bạn đã đánh giá" in page and 'name="score"' not in page
    assert "Rất hài lòng" in page and "&lt;script&gt;alert(1)&lt;/script&gt; Nhanh gọn" in page
    assert "<script>alert(1)" not in page
    again = client.post(f"/tra-cuu/{receipt['code']}/danh-gia?s={receipt['lookup_secret']}", data={"score": "1"})
    assert again.status_code == 409 and "đã được đánh giá" in again.text
    assert rating_of(receipt["code"]).score == 4


def test_the_page_names_a_missing_score_beside_its_field(client, api, demo):
    receipt = ready_for_return(api)
    sent = client.post(f"/tra-cuu/{receipt['code']}/danh-gia?s={receipt['lookup_secret']}",
                       data={"comment": "Quên chọn mức"})
    assert sent.status_code == 422
    assert 'id="f-score-err"' in sent.text and "Chọn mức đánh giá" in sent.text
    assert "Quên chọn mức" in sent.text     # what was typed is kept
    assert rating_of(receipt["code"]) is None


def test_the_page_offers_no_rating_before_the_end(client, api, demo):
    receipt = receive(api, "dang-ky-khai-sinh")
    assert 'name="score"' not in client.get(page_of(receipt)).text
    sent = client.post(f"/tra-cuu/{receipt['code']}/danh-gia?s={receipt['lookup_secret']}", data={"score": "4"})
    assert sent.status_code == 409 and "chưa giải quyết xong" in sent.text
    assert client.post(f"/tra-cuu/{receipt['code']}/danh-gia?s=SAI", data={"score": "4"}).status_code == 404
    assert rating_of(receipt["code"]) is None


# --------------------------------------------------------------------------- the kiosk


def test_the_kiosk_rates_the_dossier_just_handed_back_with_one_tap(client, login, api, demo):
    receipt = returned(api)
    login("motcua.tanhoa")
    kiosk = client.get("/quay/danh-gia").text
    assert receipt["code"] in kiosk
    assert all(f'name="score" value="{score}"' in kiosk for score in (1, 2, 3, 4))
    tapped = client.post("/quay/danh-gia", data={"code": receipt["code"], "score": "2"})
    assert tapped.status_code == 302 and "cam-on" in tapped.location
    assert "Cảm ơn ông/bà đã đánh giá!" in client.get(tapped.location).text
    assert (rating_of(receipt["code"]).score, rating_of(receipt["code"]).channel) == (2, "kiosk")
    after = client.get("/quay/danh-gia").text
    assert receipt["code"] not in after and "Chưa có hồ sơ vừa trả kết quả" in after


def test_the_kiosk_shows_only_what_this_receptionist_returned_today(client, login, api, demo, stopped_clock):
    receipt = returned(api)
    login("motcua.binhan")
    assert receipt["code"] not in client.get("/quay/danh-gia").text
    refused = client.post("/quay/danh-gia", data={"code": receipt["code"], "score": "4"})
    assert refused.status_code == 302 and "cam-on" not in refused.location
    assert rating_of(receipt["code"]) is None
    stopped_clock(FRIDAY_10AM + timedelta(days=3))     # Monday
    login("motcua.tanhoa")
    assert receipt["code"] not in client.get("/quay/danh-gia").text


def test_the_kiosk_rates_no_other_dossier(client, login, api, demo):
    first = returned(api)
    other = ready_for_return(api)         # ready, not handed back
    login("motcua.tanhoa")
    sent = client.post("/quay/danh-gia", data={"code": other["code"], "score": "4"}, follow_redirects=True)
    assert "Không có hồ sơ vừa trả kết quả" in sent.text
    assert rating_of(other["code"]) is None and rating_of(first["code"]) is None


def test_the_kiosk_is_the_counters(client, login, demo):
    login("hotich.tanhoa")
    assert client.get("/quay/danh-gia").status_code == 403
