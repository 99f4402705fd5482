"""Notifications reach the citizen by e-mail, through a real SMTP server on loopback."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from scheduler import tick
from tests.escalation.test_apology_gate import good_explanation


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server(override_settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    override_settings(smtp_host="127.0.0.1", smtp_port=port)
    yield inbox
    controller.stop()


def test_the_citizen_is_emailed_the_new_appointment_once(app, api, late_dossier, smtp_server):
    escalation, new_date = good_explanation(api, late_dossier)
    assert api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": "123456"}).status_code == 200
    tick(app)
    tick(app)
    to_citizen = [message for rcpt, message in smtp_server.messages if rcpt == ["tuyet@example.vn"]]
    assert len(to_citizen) == 1
    subject = str(to_citizen[0]["Subject"])
    assert late_dossier["code"] in subject and "xin lỗi" in subject
    assert f"{new_date:%d/%m/%Y}" in to_citizen[0].get_content()
