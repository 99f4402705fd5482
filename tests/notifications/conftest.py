"""The outbox's far ends on loopback: an SMTP server and an SMS gateway, configured as an installer would."""
from __future__ import annotations

import pytest

from tests.support import mailbox, smsgate


@pytest.fixture
def smtp_server(override_settings):
    """Mail goes to a real SMTP server on loopback; ``smtp_server.messages`` is what it got."""
    inbox = mailbox.Inbox(refuse=("khong-ton-tai@example.vn",))
    controller, port = mailbox.start(inbox)
    override_settings(smtp_host="127.0.0.1", smtp_port=port)
    yield inbox
    controller.stop()


@pytest.fixture
def sms_gateway(override_settings):
    """SMS go to a gateway on loopback by URL template (POST, the default method)."""
    gate = smsgate.start()
    override_settings(sms_gateway_url=gate.template(), sms_gateway_user="motcua", sms_gateway_password="bí mật&=",
                      sms_brandname="UBND-TANHOA")
    yield gate
    smsgate.stop(gate)
