"""Every message to the applicant renders, in Vietnamese, as text, HTML and an SMS of at most three parts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db import session
from app.dossiers.models import Dossier
from app.notifications import events, templates
from app.notifications.models import OutboxMessage
from tests.support.api import APPLICANT, receive

#: a plausible detail for each event the applicant hears of
DETAILS = {
    "submitted": {}, "received": {}, "supplement_requested": {"note": "Giấy chứng nhận kết hôn của cha, mẹ"},
    "refused": {"reason": "Hồ sơ không thuộc thẩm quyền."},
    "apology_signed": {"escalation_id": 1, "new_due_at": "2025-10-08T17:00:00+07:00"},
    "early_apology_signed": {"escalation_id": 1, "new_due_at": "2025-10-08T17:00:00+07:00"},
    "ready_for_return": {"timeliness": "on_time"}, "returned": {"method": "post", "tracking_number": "EB1VN"},
    "uncollected_reminder": {"days_waiting": 12},
}


def test_every_applicant_event_has_its_words():
    assert set(events.HANDLERS) - {"step_late"} == set(DETAILS)


@pytest.mark.parametrize("kind", sorted(DETAILS))
def test_each_event_renders_text_html_and_a_short_sms(app, api, kind):
    dossier = session.scalars(select(Dossier).where(Dossier.code == receive(api, "dang-ky-khai-sinh")["code"])).one()
    dossier.finished_at = dossier.received_at
    before = {row.id for row in session.scalars(select(OutboxMessage))}
    events.HANDLERS[kind](dossier, kind, DETAILS[kind])
    session.flush()
    written = {row.channel: row for row in session.scalars(select(OutboxMessage)) if row.id not in before}
    mail, sms = written["email"], written["sms"]
    assert dossier.code in mail.subject and dossier.code in mail.body_text and dossier.code in mail.body_html
    assert mail.body_text.startswith("Kính gửi Ông/Bà Nguyễn Văn An,") and "<p>" in mail.body_html
    assert "  " not in mail.subject and "\n" not in mail.subject
    assert dossier.code in sms.body_text and len(sms.body_text) <= templates.SMS_LIMIT
    assert all("{{" not in text and "None" not in text for text in (mail.subject, mail.body_text, mail.body_html))


def test_a_name_with_markup_stays_text_in_the_html(app, api):
    receive(api, "dang-ky-khai-sinh", applicant={**APPLICANT, "full_name": "<b>An</b> & Bình"})
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")
                           .order_by(OutboxMessage.id.desc())).first()
    assert "Ông/Bà &lt;b&gt;An&lt;/b&gt; &amp; Bình" in mail.body_html and "<b>An</b>" not in mail.body_html
    assert "Ông/Bà <b>An</b> & Bình" in mail.body_text


@pytest.mark.unit
def test_a_long_sms_is_cut_at_a_word_to_three_parts():
    original = "Hồ sơ cần bổ sung: " + "giấy tờ tùy thân " * 30
    text = templates.sms_text(original)
    assert len(text) <= templates.SMS_LIMIT and text.endswith("…") and original.startswith(text[:-1] + " ")
    assert templates.sms_text("  Hai   dòng\nngắn ") == "Hai dòng ngắn"
