"""Benchmark: the citizen's side — online submissions with files, look-up pages, and the outbox.

On an SQLite file and on a throw-away PostgreSQL cluster, each seeded with the demo:

(a) online submissions per second: ``POST /api/v1/public/dossiers`` (multipart, two files of
    1 MB each, every file different so that nothing is deduplicated), through the Flask test
    client; the baseline, taken in the same run, is the counter's JSON reception of the same
    procedure (``POST /api/v1/dossiers`` by a receptionist): the ratio says what checking and
    storing the files add;
(b) look-up pages per second: ``GET /tra-cuu/<code>?s=<secret>`` (the QR code's page); the
    baseline is the JSON look-up ``GET /api/v1/public/dossiers/<code>?secret=`` of the same dossiers;
(c) the outbox dispatcher's sends per second to an SMTP server on loopback (aiosmtpd): every
    submission above queued a mail to the applicant; the baseline is smtplib sending the same
    number of messages of the same size straight to the same server over one connection.

Rate limits are raised for the run. The last line is one JSON object.
Run: .venv/bin/python bench/citizens.py [--submissions N] [--lookups N] [--only sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import smtplib
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.suites import postgres_cluster  # noqa: E402

MB = 1024 * 1024
PROCEDURE = "chung-thuc-ban-sao"
UNIT = "XA-TAN-HOA"
RECEPTIONIST = "motcua.tanhoa"
APPLICANT = {"full_name": "Nguyễn Thị Hồng", "id_number": "001190012345", "phone": "0912345678",
             "email": "hong@example.vn", "address": "Thôn Đông, xã Tân Hòa"}
UNLIMITED = {"RATE_LIMIT_SUBMIT": "1000000/minute", "RATE_LIMIT_LOOKUP": "1000000/minute"}


# --------------------------------------------------------------------------- files


def pdf_of_size(size: int, salt: int) -> bytes:
    """A valid one-page PDF padded to about ``size`` bytes with a compressed-looking stream;
    ``salt`` makes every file's bytes (and hash) different."""
    filler = os.urandom(size - 600)
    body = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length " + str(len(filler)).encode() + b" /Subtype /Bench" + str(salt).encode() + b" >>\nstream\n"
        + filler + b"\nendstream",
    ]
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(sum(len(part) for part in body))
        body.append(f"{number} 0 obj\n".encode() + content + b"\nendobj\n")
    xref = sum(len(part) for part in body)
    body.append(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    body.extend(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body.append(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return b"".join(body)


# --------------------------------------------------------------------------- the app


def make_app(url: str, folder: Path, smtp_port: int):
    from alembic import command

    from app import create_app
    from app.cli import _alembic
    from app.demo import seed

    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_FAST": True, "SECRET_KEY": "bench",
                      "STORAGE_PATH": str(folder / "files"), "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port,
                      "WTF_CSRF_ENABLED": False, **UNLIMITED})
    with app.app_context():
        _alembic(command.upgrade, "head")
        seed()
    return app


def token(client, username: str) -> dict:
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": "demo12345"})
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def documents_of(client) -> list[str]:
    """The names of the procedure's required documents (each gets one file)."""
    procedures = client.get("/api/v1/public/procedures").get_json()
    procedure = next(item for item in procedures if item["code"] == PROCEDURE)
    return [item["name"] for item in procedure["documents"] if item["required"]]


def submit_online(client, names: list[str], index: int) -> dict:
    files = [(f"ban-scan-{index}-{n}.pdf", pdf_of_size(MB, index * 10 + n)) for n in range(2)]
    documents = [{"name": name, "copies": 1, "file": files[n % 2][0]} for n, name in enumerate(names)]
    data = {"procedure_code": PROCEDURE, "unit_code": UNIT, "channel": "online", "applicant": APPLICANT,
            "documents": documents}
    form = {"data": json.dumps(data), "files": [(io.BytesIO(content), name) for name, content in files]}
    answer = client.post("/api/v1/public/dossiers", data=form, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def receive_at_counter(client, headers: dict, names: list[str]) -> dict:
    body = {"procedure_code": PROCEDURE, "applicant": APPLICANT, "documents": [{"name": n} for n in names]}
    answer = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def rate(action, count: int) -> tuple[float, list]:
    """Operations per second of ``action(i)`` run ``count`` times, and what it returned."""
    results, started = [], time.perf_counter()
    for index in range(count):
        results.append(action(index))
    return count / (time.perf_counter() - started), results


def interleaved(first, second, count: int, rounds: int = 5) -> tuple[float, float, list, list]:
    """Both actions in alternating blocks, so that a machine busier at one moment slows both alike."""
    per_block = max(1, count // rounds)
    rates_a, rates_b, out_a, out_b = [], [], [], []
    for block in range(rounds):
        rate_a, got_a = rate(lambda i: first(block * per_block + i), per_block)
        rate_b, got_b = rate(lambda i: second(block * per_block + i), per_block)
        rates_a.append(rate_a)
        rates_b.append(rate_b)
        out_a += got_a
        out_b += got_b
    return statistics.median(rates_a), statistics.median(rates_b), out_a, out_b


# --------------------------------------------------------------------------- the mail


class Sink:
    """An SMTP server on loopback (tests/support/mailbox.py) that keeps what it receives."""

    def __init__(self):
        from tests.support import mailbox

        self.inbox = mailbox.Inbox()
        self.controller, self.port = mailbox.start(self.inbox)

    def stop(self):
        self.controller.stop()


def direct_sends(port: int, count: int, size: int) -> float:
    """The baseline: smtplib sending ``count`` messages of ``size`` bytes over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for index in range(count):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "motcua@localhost", "hong@example.vn", f"Hồ sơ {index}"
            message.set_content("x" * size)
            smtp.send_message(message)
    return count / (time.perf_counter() - started)


def outbox_sends(app) -> tuple[float, int, int]:
    """Drain the outbox with the dispatcher: sends per second, messages sent, average text size."""
    from sqlalchemy import func, select

    from app.db import session
    from app.notifications.dispatch import dispatch
    from app.notifications.models import OutboxMessage

    with app.app_context():
        size = int(session.scalar(select(func.avg(func.length(OutboxMessage.body_text))).where(
            OutboxMessage.state == "pending", OutboxMessage.channel == "email")) or 0)
        session.remove()
        sent, started = 0, time.perf_counter()
        while True:
            result = dispatch()
            session.remove()
            if not result.sent and not result.failed:
                break
            sent += result.sent
        elapsed = time.perf_counter() - started
    return (sent / elapsed if sent else 0.0), sent, size


# --------------------------------------------------------------------------- one database


def measure(url: str, label: str, submissions: int, lookups: int) -> dict:
    sink = Sink()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(url, Path(folder), sink.port)
        client = app.test_client()
        names = documents_of(client)
        headers = token(client, RECEPTIONIST)
        online_rate, counter_rate, submitted, _ = interleaved(
            lambda i: submit_online(client, names, i), lambda i: receive_at_counter(client, headers, names), submissions)
        print(f"[{label}] nộp trực tuyến (2 tệp × 1 MB): {online_rate:.1f} hồ sơ/s; tiếp nhận tại quầy: "
              f"{counter_rate:.1f} hồ sơ/s", flush=True)
        pick = lambda i: submitted[i % len(submitted)]  # noqa: E731
        page_rate, json_rate, pages, answers = interleaved(
            lambda i: client.get(f"/tra-cuu/{pick(i)['code']}?s={pick(i)['lookup_secret']}").status_code,
            lambda i: client.get(f"/api/v1/public/dossiers/{pick(i)['code']}?secret={pick(i)['lookup_secret']}")
            .status_code, lookups)
        assert set(pages) == {200} and set(answers) == {200}, (set(pages), set(answers))
        print(f"[{label}] trang tra cứu: {page_rate:.1f} trang/s; tra cứu JSON: {json_rate:.1f} lần/s", flush=True)
        dispatch_rate, sent, size = outbox_sends(app)
        direct_rate = direct_sends(sink.port, max(sent, 1), max(size, 1))
        print(f"[{label}] hộp thư đi: {dispatch_rate:.1f} thư/s ({sent} thư); smtplib trực tiếp: "
              f"{direct_rate:.1f} thư/s", flush=True)
        app.extensions["db_engine"].dispose()
    sink.stop()
    return {
        "online_submissions_per_s": round(online_rate, 1), "counter_receptions_per_s": round(counter_rate, 1),
        "online_vs_counter": round(online_rate / counter_rate, 2),
        "lookup_pages_per_s": round(page_rate, 1), "lookup_json_per_s": round(json_rate, 1),
        "page_vs_json": round(page_rate / json_rate, 2),
        "outbox_sends_per_s": round(dispatch_rate, 1), "mails_sent": sent, "smtplib_sends_per_s": round(direct_rate, 1),
        "outbox_vs_smtplib": round(dispatch_rate / direct_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=100)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    results = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = measure(f"sqlite:///{folder}/citizens.db", "SQLite", args.submissions, args.lookups)
    if args.only in (None, "postgresql"):
        with postgres_cluster() as url:
            results["postgresql"] = measure(url, "PostgreSQL", args.submissions, args.lookups)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
