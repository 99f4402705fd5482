"""Benchmark: a deadline sweep over 1,000,000 open tasks, 1 % of them late.

On SQLite and on a throw-away PostgreSQL cluster, the tasks (each with its
dossier) are bulk-inserted with SQL, not through the API. Then it measures
one sweep that escalates every late task, and one sweep with nothing due.
The last line is one JSON object with, per database, ``sweep_nothing_due_ms``,
``sweep_escalate_ms`` and ``per_escalation_ms``.

Run: .venv/bin/python bench/sweep.py [--tasks N] [--late-percent P]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta, timezone
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.suites import postgres_cluster  # noqa: E402

PROCEDURE = ROOT / "bpmn" / "procedures" / "chung-thuc-ban-sao.bpmn"


def make_app(url: str):
    from alembic import command

    from app import create_app
    from app.cli import _alembic
    from app.demo import seed

    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_FAST": True, "SECRET_KEY": "bench"})
    with app.app_context():
        _alembic(command.upgrade, "head")
        seed()
    return app


def bulk_insert(app, tasks: int, late: int) -> None:
    """``tasks`` dossiers with one open task each; the first ``late`` are past due."""
    from app import clock

    now = clock.now()
    utc = lambda moment: moment.astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731  (stored as naive UTC)
    params = {"n": tasks, "late": late, "now": utc(now), "past": utc(now - timedelta(hours=2)),
              "future": utc(now + timedelta(days=30))}
    engine = app.extensions["db_engine"]
    series = ("SELECT generate_series(1, :n) AS i" if engine.dialect.name == "postgresql" else
              "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s")
    with engine.begin() as connection:
        ids = connection.execute(text(
            "SELECT u.id AS unit, p.id AS procedure, v.id AS version FROM units u, procedures p, procedure_versions v "
            "WHERE u.code = 'XA-TAN-HOA' AND p.code = 'chung-thuc-ban-sao' AND v.procedure_id = p.id")).one()
        connection.execute(text(f"""
            INSERT INTO dossiers (code, procedure_id, procedure_version_id, receiving_unit_id, status, channel,
                applicant_name, applicant_id_number, applicant_phone, applicant_email, applicant_address,
                received_at, clock_started_at, due_at, lookup_secret, supplement_note, refusal_reason,
                updated_at, version)
            SELECT 'BENCH-' || i, :procedure, :version, :unit, 'in_progress', 'counter', 'Người thử ' || i,
                '', '', '', '', :now, :now, CASE WHEN i <= :late THEN :past ELSE :future END, 'x', '', '',
                :now, 1
            FROM ({series}) AS s"""), {**params, **ids._mapping})
        connection.execute(text("""
            INSERT INTO tasks (dossier_id, engine_task_id, element_id, name, role_code, unit_id, state, time_limit,
                ready_at, due_at, warn_at, warned_at)
            SELECT d.id, 'bench-' || d.id, 'Task_kiem_tra_doi_chieu', 'Kiểm tra, đối chiếu', 'officer', :unit,
                'open', '2h', :now, d.due_at, d.due_at, :now
            FROM dossiers d WHERE d.code LIKE 'BENCH-%'"""), {**params, "unit": ids.unit})
        connection.execute(text("ANALYZE"))


def timed_sweep(app) -> tuple[float, dict]:
    from app.escalation.sweep import sweep

    with app.app_context():
        started = time.perf_counter()
        result = sweep()
        return (time.perf_counter() - started) * 1000, result.as_dict()


def measure(url: str, tasks: int, late: int, label: str) -> dict:
    app = make_app(url)
    started = time.perf_counter()
    with app.app_context():
        bulk_insert(app, tasks, late)
    print(f"[{label}] {tasks:,} việc mở ({late:,} quá hạn) chèn trong {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)
    escalate_ms, first = timed_sweep(app)
    nothing_due = [timed_sweep(app)[0] for _ in range(5)]
    figures = {
        "sweep_escalate_ms": round(escalate_ms, 1),
        "escalated": first["escalated"],
        "per_escalation_ms": round(escalate_ms / max(first["escalated"], 1), 3),
        "sweep_nothing_due_ms": round(sorted(nothing_due)[len(nothing_due) // 2], 2),
    }
    print(f"[{label}] quét chuyển xử lý: {figures['sweep_escalate_ms']} ms cho {first['escalated']} việc "
          f"({figures['per_escalation_ms']} ms/việc); quét khi không có gì đến hạn: {figures['sweep_nothing_due_ms']} ms",
          flush=True)
    app.extensions["db_engine"].dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--late-percent", type=float, default=1.0)
    args = parser.parse_args()
    late = int(args.tasks * args.late_percent / 100)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = measure(f"sqlite:///{folder}/sweep.db", args.tasks, late, "SQLite")
    with postgres_cluster() as url:
        results["postgresql"] = measure(url, args.tasks, late, "PostgreSQL")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
