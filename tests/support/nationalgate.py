"""A stand-in for the National Public Service Portal on loopback: it records every request it
accepts (headers and JSON body) and can be told to fail the next ones.

``answers`` lists what to do with the next requests, in order: an HTTP status to answer
(500, 400…) or ``"timeout"`` (the gate waits longer than the client's timeout, then answers
200 too late: the request is not counted as received).  Once the list is empty every request
is accepted (200).  ``received`` keeps the accepted ones; ``refused`` the others' keys.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: longer than the timeout the tests configure (NATIONAL_PORTAL_TIMEOUT_SECONDS=1)
SLOW_SECONDS = 2.5


@dataclass(frozen=True)
class Request:
    key: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def record(self) -> dict[str, Any]:
        return self.body["data"][0]


@dataclass
class NationalGate:
    server: ThreadingHTTPServer
    received: list[Request] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)
    #: seconds to wait before answering (so that two dispatchers overlap)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/dvcqg/DongBoHoSoMC"

    def next_answer(self) -> int | str:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200

    def keep(self, request: Request, answer: int | str) -> None:
        with self.lock:
            (self.received.append(request) if answer == 200 else self.refused.append(request.key))

    def keys(self) -> list[str]:
        return [request.key for request in self.received]


def _handler(gate: NationalGate):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            request = Request(self.headers.get("Idempotency-Key", ""), body, dict(self.headers.items()))
            answer = gate.next_answer()
            gate.keep(request, answer)
            time.sleep(SLOW_SECONDS if answer == "timeout" else gate.delay)
            status = 200 if answer == "timeout" else int(answer)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error_code": 0 if status == 200 else status}).encode())

        def log_message(self, *_args):
            pass

    return Handler


def start() -> NationalGate:
    """A portal listening on a free loopback port, served from threads (``stop`` it)."""
    gate = NationalGate(server=None)  # type: ignore[arg-type]
    gate.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gate))
    gate.server.daemon_threads = True
    threading.Thread(target=gate.server.serve_forever, daemon=True).start()
    return gate


def stop(gate: NationalGate) -> None:
    gate.server.shutdown()
    gate.server.server_close()
