"""An SMTP server on loopback (aiosmtpd) that keeps what it is sent, for the outbox's tests.

Addresses in ``refuse`` are refused for good (550) at RCPT, as a real server refuses an
unknown mailbox; ``failures`` makes the next DATA commands answer 451 (try again later).
"""
from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = set(refuse)
        self.failures = 0
        #: seconds each DATA takes, as a real server over a network would
        self.delay = 0.0

    async def handle_RCPT(self, _server, _session, envelope, address, _options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):
        await asyncio.sleep(self.delay)
        if self.failures:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(inbox: Inbox) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port
