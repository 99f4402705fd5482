"""Real processes of the product for the tests that kill them: gunicorn and ``flask`` commands
started from the repository's own entry point (``wsgi.py``, as ``deploy/`` does), each with its
own environment and log file, waited for, signalled, and stopped at the end of the test.

A :class:`Fleet` owns what a test starts: stopping it ends every process still alive (SIGTERM,
then SIGKILL) and returns the tail of each log, which the test prints so that pytest shows it
when the test fails.  Timeouts here only turn a hang into a failure; nothing is timed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from tests.support.mailbox import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: what motcua-web.service starts gunicorn with (bind and workers from GUNICORN_BIND, GUNICORN_WORKERS)
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
#: how long a server may take to answer /healthz (imports on a busy 2-core machine)
STARTUP_SECONDS = 60
#: how long a process may take to end after SIGTERM before it is killed
STOP_SECONDS = 10
LOG_TAIL = 4000


def wait_until(condition: Callable[[], object], timeout: float, what: str, every: float = 0.05):
    """Poll ``condition`` until it returns something true (returned); fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Process:
    """One started command: its ``Popen`` (leader of its own process group) and its log."""

    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_group(self) -> None:
        """``kill -9`` the process and every child at once, as a power cut or the OOM killer would."""
        os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=STOP_SECONDS)

    def children(self) -> list[int]:
        """Pids of its direct children (gunicorn's workers), from /proc."""
        found: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            text = (task / "children").read_text() if (task / "children").exists() else ""
            found += [int(pid) for pid in text.split()]
        return found

    def tail(self) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"----- {self.name} (pid {self.pid}, exit {self.popen.poll()}) -----\n{text[-LOG_TAIL:]}"


@dataclass
class Fleet:
    """The processes of one test, all started with ``env`` on top of this one's environment."""

    env: dict[str, str]
    logs: Path
    started: list[Process] = field(default_factory=list)

    def start(self, name: str, argv: list[str], **env: str) -> Process:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **self.env, **env}, stdout=out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def gunicorn(self, name: str, workers: int = 2, **env: str) -> Process:
        """``gunicorn wsgi:app`` with deploy/'s settings, on a free loopback port, answering /healthz;
        ``.url`` is its base URL."""
        port = free_port()
        process = self.start(name, [str(BIN / "gunicorn"), "--config", str(GUNICORN_CONFIG), "wsgi:app"],
                             GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers), **env)
        process.url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(process), STARTUP_SECONDS, f"{name} to answer /healthz")
        return process

    def flask(self, name: str, *args: str, **env: str) -> Process:
        """``flask --app wsgi <args>`` (``scheduler run``, ``dispatcher run``…)."""
        return self.start(name, [str(BIN / "flask"), "--app", "wsgi", *args], **env)

    def stop(self, process: Process) -> None:
        """SIGTERM, then SIGKILL to the whole group if it lingers."""
        if process.alive():
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill_group()

    def stop_all(self) -> str:
        """Stop everything still running; the tails of all logs, for the report of a failed test."""
        for process in reversed(self.started):
            try:
                self.stop(process)
            except ProcessLookupError:
                pass
        return "\n".join(process.tail() for process in self.started)


def _healthy(process: Process) -> bool:
    if not process.alive():
        raise AssertionError(f"{process.name} exited during start-up:\n{process.tail()}")
    try:
        return requests.get(f"{process.url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
