"""The clients of bench/throughput.py: one process each, real HTTP with keep-alive, own tokens.

A client logs in, prepares what its phase needs (the completions phase lists its open tasks), warms
up, then waits at the start barrier with the others and the conductor; it works until the phase's
deadline or until its work runs out, meets the end barrier, and sends back every operation's end
time and latency, its own CPU time and what the server acknowledged (checked against the database).
"""
from __future__ import annotations

import http.client
import json
import resource
import time
from dataclasses import dataclass, field

from bench.task_step import FORM_DATA
from bench.throughput_servers import die_with_parent

#: the answers that end a connection a client may re-open once and repeat the request on
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
#: a step done by the leader approves at once: a lifecycle never loops
APPROVE = {"duyet": True}
PHASES = ("receptions", "completions", "lifecycles")


class ApiError(Exception):
    """An answer the benchmark did not expect: the run reports it instead of a figure."""


@dataclass
class ClientSpec:
    index: int
    port: int
    phase: str
    seconds: float
    warmup: float
    accounts: dict[str, str]
    password: str
    procedure_code: str


@dataclass
class Acknowledged:
    """What the server said it did, to compare with the database afterwards."""
    dossiers: int = 0
    tasks_completed: int = 0
    returned: int = 0


@dataclass
class ClientResult:
    index: int
    ends: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    acknowledged: Acknowledged = field(default_factory=Acknowledged)
    error: str = ""


class Http:
    """One keep-alive connection; a sync gunicorn worker closes it after each answer and
    http.client opens a new one for the next request."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, token: str | None, body: dict | None = None) -> dict | list:
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, text = self._exchange(method, path, None if body is None else json.dumps(body), headers)
        if status >= 300:
            raise ApiError(f"{method} {path} → {status}: {text[:500]}")
        return json.loads(text) if text else {}

    def _exchange(self, method, path, payload, headers) -> tuple[int, str]:
        """Send once; re-open and send again only when the server had closed an idle connection."""
        try:
            return self._send(method, path, payload, headers)
        except _DROPPED:
            self.connection.close()
            return self._send(method, path, payload, headers)

    def _send(self, method, path, payload, headers) -> tuple[int, str]:
        self.connection.request(method, f"/api/v1{path}", payload, headers)
        reply = self.connection.getresponse()
        return reply.status, reply.read().decode()


class Client:
    """One clerk's worth of work: receive, complete steps, return results, over its own tokens."""

    def __init__(self, spec: ClientSpec):
        self.spec, self.http, self.acknowledged = spec, Http(spec.port), Acknowledged()
        self.tokens = {role: self._login(username) for role, username in spec.accounts.items()}
        self.pending: list[dict] = []

    def _login(self, username: str) -> str:
        body = {"username": username, "password": self.spec.password}
        return self.http.call("POST", "/auth/token", None, body)["token"]

    def prepare(self) -> None:
        """The completions phase completes tasks prepared before it: the officer's whole inbox."""
        if self.spec.phase == "completions":
            self.pending = self._inbox()

    def _inbox(self) -> list[dict]:
        tasks, page = [], None
        while page is None or len(page) == 500:
            page = self.http.call("GET", f"/tasks?mine=1&limit=500&offset={len(tasks)}", self.tokens["officer"])
            tasks.extend(page)
        return tasks

    def warmup_limit(self) -> int | None:
        """The warm-up may use a tenth of the prepared tasks, never most of them."""
        return len(self.pending) // 10 if self.spec.phase == "completions" else None

    def operation(self) -> bool:
        """One operation of the phase; False when there is no work left."""
        if self.spec.phase == "receptions":
            self.receive()
        elif self.spec.phase == "completions":
            if not self.pending:
                return False
            self.complete(self.pending.pop(0))
        else:
            self.lifecycle()
        return True

    def receive(self) -> str:
        body = {"procedure_code": self.spec.procedure_code, "channel": "counter", "documents": [],
                "applicant": {"full_name": f"Người đo {self.spec.index}", "phone": "0912345678"}}
        code = self.http.call("POST", "/dossiers", self.tokens["receptionist"], body)["code"]
        self.acknowledged.dossiers += 1
        return code

    def complete(self, task: dict, extra: dict | None = None) -> None:
        data = {**FORM_DATA[task["element_id"]], **(extra or {})}
        self.http.call("POST", f"/tasks/{task['id']}/complete", self.tokens[task["role"]], {"data": data})
        self.acknowledged.tasks_completed += 1

    def lifecycle(self) -> None:
        """Receive, do every step as the officer and the leader see it on the dossier, hand back."""
        code, done = self.receive(), set()
        while tasks := self.http.call("GET", f"/dossiers/{code}", self.tokens["officer"])["open_tasks"]:
            if tasks[0]["id"] in done:
                raise ApiError(f"hồ sơ {code}: bước {tasks[0]['id']} đã hoàn thành vẫn còn mở")
            done.add(tasks[0]["id"])
            self.complete(tasks[0], APPROVE if tasks[0]["role"] == "leader" else None)
        self.http.call("POST", f"/dossiers/{code}/return", self.tokens["receptionist"], {"method": "counter"})
        self.acknowledged.returned += 1


def run_client(spec: ClientSpec, barrier, results) -> None:
    """The body of a client process: its result, or the error that stopped it, goes to ``results``."""
    result = ClientResult(spec.index)
    die_with_parent()
    try:
        client = Client(spec)
        client.prepare()
        _work(client, time.monotonic() + spec.warmup, None, client.warmup_limit())
        barrier.wait()
        _measured(client, result)
        result.acknowledged = client.acknowledged
        barrier.wait()
    except Exception as error:  # noqa: BLE001 — reported by the conductor, never a figure
        result.error = f"{type(error).__name__}: {error}"
        barrier.abort()
    results.put(result)


def _measured(client: Client, result: ClientResult) -> None:
    before = _cpu()
    _work(client, time.monotonic() + client.spec.seconds, result)
    result.cpu_seconds = _cpu() - before


def _work(client: Client, deadline: float, result: ClientResult | None, limit: int | None = None) -> None:
    """Operations until the deadline, the end of the work or ``limit``; timed when ``result`` is given."""
    done = 0
    while time.monotonic() < deadline and (limit is None or done < limit):
        done += 1
        started = time.monotonic()
        if not client.operation():
            return
        if result is not None:
            ended = time.monotonic()
            result.ends.append(ended)
            result.latencies.append(ended - started)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
