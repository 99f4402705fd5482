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

#: shorter than the client's timeout (15 s): a sender that never comes fails the test's own check,
#: not the waiting sender's connection
MEET_SECONDS = 10.0


class Inbox:
    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = set(refuse)
        self.failures = 0
        #: seconds each DATA takes, as a real server over a network would
        self.delay = 0.0
        #: the first ``meet`` messages wait (up to MEET_SECONDS) until that many have arrived: a test's
        #: proof that as many senders were sending at once, whatever the machine's load
        self.meet = 0
        self._arrived = 0

    async def handle_RCPT(self, _server, _session, envelope, address, _options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server, _session, envelope):
        self._arrived += 1
        if self._arrived <= self.meet:
            await self._rendezvous()
        await asyncio.sleep(self.delay)
        if self.failures:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"

    async def _rendezvous(self) -> None:
        """Wait for the others of the first ``meet``; a sender that never comes ends the wait late,
        and the test sees one sender alone."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + MEET_SECONDS
        while self._arrived < self.meet and loop.time() < give_up:
            await asyncio.sleep(0.005)

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(inbox: Inbox) -> tuple[Controller, int]:
    port = free_port()
    # named, or aiosmtpd asks the resolver at each connection, inside its event loop: on a machine with
    # a slow resolver every open connection then waits, and a sender waiting at DATA times out
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    return controller, port
