"""The apology reaches the citizen by e-mail, with the signed letter, through a real SMTP server on loopback;
the units hear of late and near-due steps by e-mail too."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import session
from app.escalation.models import Escalation
from app.notifications.models import Notification, OutboxMessage
from scheduler import tick
from tests.escalation.test_apology_gate import good_explanation
from tests.support.api import receive


def test_the_citizen_is_emailed_the_new_appointment_once_with_the_signed_letter(app, api, late_dossier, smtp_server):
    escalation, new_date = good_explanation(api, late_dossier)
    assert api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": "123456"}).status_code == 200
    tick(app)
    tick(app)
    to_citizen = [message for message in smtp_server.to("tuyet@example.vn") if "xin lỗi" in str(message["Subject"])]
    assert len(to_citizen) == 1
    mail = to_citizen[0]
    assert late_dossier["code"] in str(mail["Subject"])
    assert f"{new_date:%d/%m/%Y}" in mail.get_body(("plain",)).get_content()
    (letter,) = list(mail.iter_attachments())
    assert letter.get_content_type() == "application/pdf"
    assert letter.get_content() == session.get(Escalation, escalation["id"]).signed_pdf


def test_the_responsible_unit_is_emailed_when_a_step_goes_late(app, api, late_dossier, smtp_server):
    notice = session.scalars(select(Notification).where(Notification.kind == "escalated")
                             .order_by(Notification.id.desc())).first()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.notification_id == notice.id)).all()
    assert rows and {row.event for row in rows} == {"escalated"} and all(row.channel == "email" for row in rows)
    tick(app)
    (officer_mail,) = smtp_server.to("hotich.tanhoa@demo.motcua.local")
    assert late_dossier["code"] in str(officer_mail["Subject"]) and "quá hạn" in str(officer_mail["Subject"])
    assert f"/ho-so/{late_dossier['code']}" in officer_mail.get_body(("plain",)).get_content()


def test_the_unit_is_emailed_before_a_step_is_due(app, api, travel_clock, sweep, smtp_server):
    dossier = receive(api, "dang-ky-khai-sinh")
    (task,) = api.get(f"/dossiers/{dossier['code']}", "hotich.tanhoa").get_json()["open_tasks"]
    travel_clock(datetime.fromisoformat(task["due_at"]) - timedelta(minutes=30))
    assert sweep()["warned"] == 1
    tick(app)
    warned = [mail for mail in smtp_server.to("hotich.tanhoa@demo.motcua.local")
              if str(mail["Subject"]).startswith("Sắp đến hạn")]
    assert len(warned) == 1 and dossier["code"] in str(warned[0]["Subject"])
