"""What the applicant is told, event by event: the words, the channel, and the forms attached when sent."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import session
from app.dossiers.models import Dossier
from app.dossiers.uncollected import remind
from app.notifications import dispatch as dispatcher
from app.notifications.models import OutboxMessage
from tests.citizens.test_online_submission import submitted
from tests.support.api import APPLICANT, ok, receive
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00


@pytest.fixture
def store(tmp_path, override_settings):
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")


def events(code: str, channel: str = "email") -> list[str]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage.event).join(Dossier, OutboxMessage.dossier_id == Dossier.id)
                                .where(Dossier.code == code, OutboxMessage.channel == channel)
                                .order_by(OutboxMessage.id)))


def mails(smtp_server, code: str) -> dict[str, object]:
    """The mails the applicant got about ``code``, by the first words of their subject."""
    dispatcher.dispatch()
    return {str(mail["Subject"]): mail for mail in smtp_server.to(APPLICANT["email"]) if code in str(mail["Subject"])}


def only(found: dict, start: str):
    (mail,) = [mail for subject, mail in found.items() if subject.startswith(start)]
    return mail


def test_online_the_citizen_hears_of_the_submission_and_once_of_the_acceptance(api, demo, store, smtp_server):
    code = submitted(api)["code"]
    assert events(code) == ["submitted"] and events(code, "sms") == ["submitted"]
    ok(api.post(f"/dossiers/{code}/accept", "motcua.tanhoa"))
    assert events(code) == ["submitted", "received"]
    found = mails(smtp_server, code)
    assert only(found, "Đã nhận hồ sơ nộp trực tuyến")
    accepted = only(found, f"Hồ sơ {code} đã được tiếp nhận, hẹn trả kết quả ngày 03/10/2025")
    assert f"/tra-cuu/{code}?s=" in accepted.get_body(("plain",)).get_content()


def test_an_online_supplement_request_says_what_is_missing_and_carries_form_02(api, demo, store, smtp_server):
    code = submitted(api)["code"]
    ok(api.post(f"/dossiers/{code}/supplement-request", "motcua.tanhoa",
                json={"note": "Giấy chứng nhận kết hôn của cha, mẹ"}))
    mail = only(mails(smtp_server, code), f"Hồ sơ {code} cần bổ sung")
    text = mail.get_body(("plain",)).get_content()
    assert "Giấy chứng nhận kết hôn của cha, mẹ" in text and "Nộp bổ sung" in text
    (form,) = list(mail.iter_attachments())
    assert form.get_filename() == f"phieu-yeu-cau-bo-sung-{code}.pdf" and form.get_content().startswith(b"%PDF")


def test_a_refusal_gives_the_reason_and_carries_form_03(api, demo, smtp_server):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    ok(api.post(f"/dossiers/{code}/refuse", "motcua.tanhoa", json={"reason": "Giấy chứng sinh không hợp lệ."}))
    mail = only(mails(smtp_server, code), f"Hồ sơ {code} không được tiếp nhận")
    assert "Giấy chứng sinh không hợp lệ." in mail.get_body(("plain",)).get_content()
    (form,) = list(mail.iter_attachments())
    assert form.get_filename() == f"phieu-tu-choi-{code}.pdf" and form.get_content().startswith(b"%PDF")


def test_the_result_ready_then_returned_by_post_with_its_tracking_number(api, demo, smtp_server):
    code = ready_for_return(api)["code"]
    ready = only(mails(smtp_server, code), f"Hồ sơ {code} đã có kết quả")
    assert "Bộ phận Một cửa – UBND xã Tân Hòa" in ready.get_body(("plain",)).get_content()
    ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={"method": "post", "tracking_number": "EB123456789VN"}))
    returned = only(mails(smtp_server, code), f"Hồ sơ {code} đã trả kết quả")
    text = returned.get_body(("plain",)).get_content()
    assert "qua đường bưu chính (số vận đơn: EB123456789VN)" in text and "đánh giá" in text
    assert f"/tra-cuu/{code}?s=" in text


def test_an_uncollected_result_is_reminded(api, demo, smtp_server, stopped_clock):
    from app import clock

    code = ready_for_return(api)["code"]
    stopped_clock(clock.now() + timedelta(days=30))
    assert remind() >= 1
    mail = only(mails(smtp_server, code), f"Nhắc nhận kết quả hồ sơ {code}")
    assert "đã có từ ngày 03/10/2025" in mail.get_body(("plain",)).get_content()


def test_a_missing_form_fails_the_message_for_good_in_vietnamese(api, demo, smtp_server):
    """A message asking for a form the dossier no longer gives is not retried for ever."""
    code = receive(api, "dang-ky-khai-sinh")["code"]
    message = session.scalars(select(OutboxMessage).join(Dossier, OutboxMessage.dossier_id == Dossier.id)
                              .where(Dossier.code == code, OutboxMessage.channel == "email")).one()
    message.attachments = [{"form": "refusal"}]
    session.commit()
    assert dispatcher.dispatch().failed == 1
    session.refresh(message)
    assert message.state == "failed" and message.last_error == "Không tạo được tệp đính kèm: Hồ sơ không bị từ chối."
