"""The outbox: messages written with their event, sent by the dispatcher through a real SMTP server
and an HTTP SMS gateway on loopback, retried, given up, held, and never sent twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import clock
from app.db import session
from app.notifications import dispatch as dispatcher
from app.notifications.models import OutboxMessage
from tests.support.api import APPLICANT, error_fields, receive


def outbox(code: str) -> list[OutboxMessage]:
    """The dossier's messages to people (the national portal's are tests/notifications/test_national_sync.py's)."""
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).join(OutboxMessage.dossier)
                                .where(OutboxMessage.dossier.has(code=code), OutboxMessage.channel != "national")
                                .order_by(OutboxMessage.id)))


def by_channel(code: str, event: str = "received") -> dict[str, OutboxMessage]:
    return {row.channel: row for row in outbox(code) if row.event == event}


def make_due(code: str) -> None:
    """As if the back-off had passed (the real clock is not moved by the tests)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.state == "pending")
                    .values(next_attempt_at=clock.real_now() - timedelta(seconds=1)))
    session.commit()


# --------------------------------------------------------------------------- written with the event


def test_a_received_dossier_writes_an_email_and_an_sms_with_its_code_and_secret_link(app, api):
    dossier = receive(api, "dang-ky-khai-sinh")
    rows = by_channel(dossier["code"])
    assert set(rows) == {"email", "sms"}
    link = f"/tra-cuu/{dossier['code']}?s="
    assert rows["email"].recipient == APPLICANT["email"] and rows["sms"].recipient == APPLICANT["phone"]
    assert dossier["code"] in rows["email"].subject and link in rows["email"].body_text
    assert link in rows["email"].body_html and link in rows["sms"].body_text
    assert all(row.state == "pending" and row.attempts == 0 for row in rows.values())


def test_no_address_and_no_phone_no_message(app, api):
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": "", "phone": ""})
    assert outbox(dossier["code"]) == []


def test_a_refused_request_leaves_no_message(app, api):
    before = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
    response = api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": "dang-ky-khai-sinh", "applicant": APPLICANT, "documents": []})
    assert "documents" in error_fields(response)
    assert session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) == before


# --------------------------------------------------------------------------- sent


def test_the_dispatcher_sends_the_email_with_text_html_and_a_stable_message_id(app, api, smtp_server, sms_gateway):
    dossier = receive(api, "dang-ky-khai-sinh")
    result = dispatcher.dispatch()
    rows = by_channel(dossier["code"])
    assert result.outcomes[rows["email"].id] == "sent" and rows["email"].state == "sent"
    assert rows["email"].sent_at is not None and rows["email"].lease_owner is None
    (mail,) = smtp_server.to(APPLICANT["email"])
    assert dossier["code"] in str(mail["Subject"])
    assert mail["Message-ID"] == f"<{rows['email'].key}@localhost>"
    assert mail.get_body(("plain",)).get_content().startswith("Kính gửi Ông/Bà Nguyễn Văn An")
    assert f"/tra-cuu/{dossier['code']}?s=" in mail.get_body(("html",)).get_content()


def test_the_sms_goes_to_the_gateway_with_its_credentials_in_vietnamese(app, api, sms_gateway):
    dossier = receive(api, "dang-ky-khai-sinh")
    dispatcher.dispatch()
    (sms,) = sms_gateway.received
    assert sms["_method"] == "POST" and sms["to"] == APPLICANT["phone"] and sms["from"] == "UBND-TANHOA"
    assert sms["user"] == "motcua" and sms["pass"] == "bí mật&="
    assert sms["text"].startswith(f"Hồ sơ {dossier['code']} đã được tiếp nhận")
    assert by_channel(dossier["code"])["sms"].state == "sent"


def test_the_gateway_may_take_a_get(app, api, sms_gateway, override_settings):
    from app.settings import get_settings

    override_settings(sms_gateway_method="GET", sms_gateway_url=get_settings().sms_gateway_url)
    receive(api, "dang-ky-khai-sinh")
    dispatcher.dispatch()
    (sms,) = sms_gateway.received
    assert sms["_method"] == "GET" and sms["to"] == APPLICANT["phone"] and "đã được tiếp nhận" in sms["text"]


def test_a_failure_is_retried_later_with_growing_waits(app, api, sms_gateway):
    dossier = receive(api, "dang-ky-khai-sinh")
    sms_gateway.answers = [503, 503]
    started = clock.real_now()
    assert dispatcher.dispatch().retried == 1
    row = by_channel(dossier["code"])["sms"]
    assert row.state == "pending" and row.attempts == 1 and row.lease_owner is None
    assert row.last_error == "Cổng SMS trả lời lỗi (mã HTTP 503)."
    assert started + timedelta(seconds=29) <= row.next_attempt_at <= clock.real_now() + timedelta(seconds=31)
    assert dispatcher.dispatch().retried == 0  # not due yet: nothing is tried again at once
    make_due(dossier["code"])
    dispatcher.dispatch()
    row = by_channel(dossier["code"])["sms"]
    assert row.attempts == 2 and row.next_attempt_at >= clock.real_now() + timedelta(seconds=59)
    make_due(dossier["code"])
    dispatcher.dispatch()
    assert by_channel(dossier["code"])["sms"].state == "sent" and len(sms_gateway.received) == 1


def test_backoff_doubles_up_to_six_hours():
    assert [dispatcher.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert dispatcher.backoff(30) == timedelta(hours=6)


def test_after_the_allowed_attempts_a_message_has_failed(app, api, sms_gateway, override_settings):
    override_settings(outbox_max_attempts=2)
    dossier = receive(api, "dang-ky-khai-sinh")
    sms_gateway.answers = [500, 500, 500]
    dispatcher.dispatch()
    make_due(dossier["code"])
    assert dispatcher.dispatch().failed == 1
    row = by_channel(dossier["code"])["sms"]
    assert row.state == "failed" and row.attempts == 2 and row.last_error == "Cổng SMS trả lời lỗi (mã HTTP 500)."
    make_due(dossier["code"])
    assert dispatcher.dispatch().outcomes == {} and sms_gateway.received == []


def test_a_mailbox_refused_for_good_fails_at_once(app, api, smtp_server):
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": "khong-ton-tai@example.vn"})
    assert dispatcher.dispatch().failed == 1
    row = by_channel(dossier["code"])["email"]
    assert row.state == "failed" and row.attempts == 1
    assert row.last_error == "Máy chủ thư từ chối địa chỉ người nhận (mã 550)."


def test_a_mail_server_saying_try_later_is_tried_later(app, api, smtp_server):
    dossier = receive(api, "dang-ky-khai-sinh")
    smtp_server.failures = 1
    assert dispatcher.dispatch().retried == 1
    assert by_channel(dossier["code"])["email"].last_error == "Máy chủ thư trả lời lỗi (mã 451)."
    make_due(dossier["code"])
    assert dispatcher.dispatch().sent == 1 and len(smtp_server.to(APPLICANT["email"])) == 1


def test_the_mail_host_looks_its_own_name_up_once_not_at_every_pass(app, api, smtp_server, monkeypatch):
    """smtplib asks the resolver for the EHLO name at each connection: slow on some networks."""
    import socket

    from app.notifications import channels

    asked = []
    monkeypatch.setattr(socket, "getfqdn", lambda *_: asked.append(1) or "motcua.example.vn")
    channels.helo_name.cache_clear()
    try:
        for _ in range(2):
            receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "phone": ""})
            assert dispatcher.dispatch().sent == 1
    finally:
        channels.helo_name.cache_clear()
    assert len(asked) == 1 and len(smtp_server.to(APPLICANT["email"])) == 2


def test_an_unreachable_mail_server_is_said_in_vietnamese(app, api, override_settings):
    from tests.support.mailbox import free_port

    override_settings(smtp_host="127.0.0.1", smtp_port=free_port())
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "phone": ""})
    assert dispatcher.dispatch().retried == 1
    assert by_channel(dossier["code"])["email"].last_error == "Mất kết nối hoặc không kết nối được máy chủ thư."


# --------------------------------------------------------------------------- held, claimed, killed


def test_without_a_configured_channel_messages_are_held_then_sent_once_configured(app, api, override_settings):
    override_settings(smtp_host="", sms_gateway_url="")
    dossier = receive(api, "dang-ky-khai-sinh")
    assert dispatcher.dispatch().held == 3  # and the national portal's status message (NATIONAL_PORTAL_URL unset)
    assert {row.state for row in outbox(dossier["code"])} == {"held"}
    assert dispatcher.dispatch().outcomes == {}  # held messages are not tried at every pass


def test_held_messages_go_when_the_channel_is_configured(app, api, override_settings, sms_gateway):
    override_settings(sms_gateway_url="")
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": ""})
    dispatcher.dispatch()
    assert by_channel(dossier["code"])["sms"].state == "held"
    override_settings(sms_gateway_url=sms_gateway.template())
    result = dispatcher.dispatch(release_held=True)
    assert result.released == 1 and result.sent == 1
    assert by_channel(dossier["code"])["sms"].state == "sent" and len(sms_gateway.received) == 1


def test_a_claimed_message_is_left_to_its_owner_until_the_lease_runs_out(app, api, sms_gateway, monkeypatch):
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": ""})
    (claimed,) = sms_of(dispatcher.claim("killed-dispatcher"))  # it claims, then dies before sending
    assert claimed.lease_owner == "killed-dispatcher"
    assert dispatcher.dispatch().outcomes == {} and sms_gateway.received == []
    later = clock.real_now() + dispatcher.lease() + timedelta(seconds=1)
    monkeypatch.setattr(clock, "real_now", lambda: later)
    assert dispatcher.dispatch().sent == 1
    assert len(sms_gateway.received) == 1 and by_channel(dossier["code"])["sms"].state == "sent"


def test_the_lease_lasts_outbox_lease_seconds(app, api, sms_gateway, override_settings):
    """An installer shortens it (a killed dispatcher's message goes again sooner), e.g. to 5 s."""
    receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": ""})
    override_settings(outbox_lease_seconds=5)
    before = clock.real_now()
    (claimed,) = sms_of(dispatcher.claim("short-lease"))
    assert before + timedelta(seconds=5) <= claimed.lease_until <= clock.real_now() + timedelta(seconds=5)


def test_a_dispatcher_that_lost_its_lease_does_not_send(app, api, sms_gateway, monkeypatch):
    receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": ""})
    (slow,) = sms_of(dispatcher.claim("slow"))
    session.expunge(slow)  # as in its own process
    later = clock.real_now() + dispatcher.lease() + timedelta(seconds=1)
    monkeypatch.setattr(clock, "real_now", lambda: later)
    (fast,) = sms_of(dispatcher.claim("fast"))
    channels = {"sms": _Channel()}
    assert dispatcher.deliver(slow, channels) == "skipped" and channels["sms"].sent == []
    assert dispatcher.deliver(fast, channels) == "sent" and channels["sms"].sent == [fast.key]


def sms_of(claimed: list[OutboxMessage]) -> list[OutboxMessage]:
    """The SMS among claimed messages (the dossier's national portal message is claimed too)."""
    return [row for row in claimed if row.channel == "sms"]


class _Channel:
    """A channel that only counts (for the lease logic, where the far end does not matter)."""

    configured = True

    def __init__(self):
        self.sent = []

    def send(self, message, attachments):
        self.sent.append(message.key)

    def close(self):
        pass


# --------------------------------------------------------------------------- the dossier page


def test_the_dossier_page_lists_its_messages_and_their_state(app, api, login, sms_gateway, override_settings):
    override_settings(smtp_host="")
    dossier = receive(api, "dang-ky-khai-sinh")
    dispatcher.dispatch()
    page = login("motcua.tanhoa").get(f"/ho-so/{dossier['code']}").text
    assert "Thông báo đã gửi" in page
    assert "an***@example.vn" in page and "0912***678" in page
    assert "Chưa cấu hình kênh gửi" in page and "Đã gửi" in page


@pytest.mark.parametrize("recipient, shown", [("tuyet@example.vn", "tu***@example.vn"), ("0912000111", "0912***111"),
                                              ("112", "***")])
def test_recipients_are_half_hidden(recipient, shown):
    from app.notifications.outbox import mask

    assert mask(recipient) == shown


def test_the_commands_send_and_release(app, api, sms_gateway, override_settings):
    override_settings(sms_gateway_url="")
    dossier = receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "email": ""})
    runner = app.test_cli_runner()
    assert "giữ lại 2 (chưa cấu hình kênh)" in runner.invoke(args=["outbox", "dispatch"]).output
    override_settings(sms_gateway_url=sms_gateway.template())
    assert runner.invoke(args=["outbox", "release"]).output.strip() == "Đã đưa lại 1 tin vào hàng chờ gửi."
    assert "Hộp thư đi: gửi 1," in runner.invoke(args=["outbox", "dispatch"]).output
    assert by_channel(dossier["code"])["sms"].state == "sent" and len(sms_gateway.received) == 1
