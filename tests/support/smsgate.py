"""A brand-name SMS gateway on loopback, the shape Vietnamese providers expose: one HTTP
request per message, the phone, text and credentials as query or form fields.

``SmsGate.answers`` lists the status codes to give the next requests (then 200), so a test
can make the gateway fail; ``received`` holds every request's fields, decoded.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class SmsGate:
    server: ThreadingHTTPServer
    received: list[dict] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/send"

    def template(self) -> str:
        """The SMS_GATEWAY_URL an installer would write for this gateway."""
        return (f"{self.url}?to={{phone}}&text={{message}}&from={{brandname}}"
                f"&user={{user}}&pass={{password}}")


def _handler(gate: SmsGate):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer(urlsplit(self.path).query)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(self.rfile.read(length).decode())

        def _answer(self, query: str) -> None:
            fields = dict(parse_qsl(query, keep_blank_values=True))
            fields["_method"] = self.command
            status = gate.answers.pop(0) if gate.answers else 200
            if status == 200:
                gate.received.append(fields)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}' if status == 200 else b'{"status": "error"}')

        def log_message(self, *_args):
            pass

    return Handler


def start() -> SmsGate:
    """A gateway listening on a free loopback port, served from a thread (``stop`` it)."""
    gate = SmsGate(server=None)  # type: ignore[arg-type]
    gate.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gate))
    threading.Thread(target=gate.server.serve_forever, daemon=True).start()
    return gate


def stop(gate: SmsGate) -> None:
    gate.server.shutdown()
    gate.server.server_close()
