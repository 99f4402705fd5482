"""Benchmark: every dashboard and report query at provincial scale, on PostgreSQL.

A throw-away PostgreSQL cluster gets the demo, then, bulk-loaded with SQL (``generate_series``):
a province of 10 districts and 500 communes, 3,000 officers, 50 procedures, 1,000,000 dossiers
received over the last two years (about 3 % still open, 6 % late, 1 % refused, a fifth online,
most rated) and 6,000,000 steps (six a dossier; 3 % late, with 20,000 escalations), plus the
reports' own rows as the dossier events would have left them: one ``report_facts`` row per
received dossier and the officers' daily and monthly ``report_step_counts``. Then each query of
the dashboards and reports runs ``--runs`` times; it prints each one's median and p95 (target:
under 500 ms each) and, last, one JSON object of them.

Run: .venv/bin/python bench/reports.py [--dossiers N] [--runs R]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sweep import make_app  # noqa: E402  (the migrated, demo-seeded application)
from tests.support.suites import postgres_cluster  # noqa: E402

TARGET_MS = 500
COMMUNES, DISTRICTS, OFFICERS, PROCEDURES = 500, 10, 3000, 50




# --- the province --------------------------------------------------------------------------------

ORGANISATION = [
    """INSERT INTO units (code, name, kind, parent_id)
       SELECT 'B-H' || i, 'Huyện thử ' || i, 'district', (SELECT id FROM units WHERE code = 'TINH-HB')
       FROM generate_series(1, :districts) i""",
    """INSERT INTO units (code, name, kind, parent_id, agency_code)
       SELECT 'B-X' || i, 'Xã thử ' || i, 'commune', h.id, 'B.' || i FROM generate_series(1, :communes) i
       JOIN units h ON h.code = 'B-H' || (1 + i % :districts)""",
    """INSERT INTO users (username, password_hash, full_name, active, unit_id, pin_failures)
       SELECT 'thu.' || i, 'x', 'Cán bộ thử ' || i, true, u.id, 0 FROM generate_series(1, :officers) i
       JOIN units u ON u.code = 'B-X' || (1 + i % :communes)""",
    """INSERT INTO procedures (code, name, field, level, legal_limit, fee_amount, fee_description, documents)
       SELECT 'thu-tuc-' || i, 'Thủ tục thử ' || i, 'Thử', 'commune', (1 + i % 7) || 'd',
              CASE WHEN i % 3 = 0 THEN 50000 ELSE 0 END, '', '[]' FROM generate_series(1, :procedures) i""",
]

# Dossier i: received ``age`` days ago (0..729) in commune 1 + i % 500, of procedure 1 + i % 50. The
# last 3 % of days hold the open ones; one in 17 is late, one in 100 refused, one in 5 online.
DOSSIERS = """
INSERT INTO dossiers (code, procedure_id, procedure_version_id, receiving_unit_id, status, channel,
    applicant_name, applicant_id_number, applicant_phone, applicant_email, applicant_address,
    received_at, clock_started_at, due_at, finished_at, timeliness, lookup_secret, supplement_note,
    refusal_reason, updated_at, version, reappointed_at)
SELECT 'THU-' || i, p.id, :version, u.id,
    CASE WHEN s.open THEN 'in_progress' WHEN i % 100 = 0 THEN 'refused' ELSE 'returned' END,
    CASE WHEN i % 5 = 0 THEN 'online' ELSE 'counter' END, 'Người nộp ' || i, '', '', '', '',
    s.received, s.received, s.received + interval '3 days',
    CASE WHEN s.open THEN NULL ELSE s.received + (CASE WHEN i % 17 = 0 THEN interval '4 days'
                                                       ELSE interval '2 days' END) END,
    CASE WHEN s.open OR i % 100 = 0 THEN NULL WHEN i % 17 = 0 THEN 'late'
         WHEN i % 2 = 0 THEN 'early' ELSE 'on_time' END,
    'x', '', '', s.received, 1, CASE WHEN i % 170 = 0 THEN s.received + interval '3 days' END
FROM (SELECT i, :now - (i % 730) * interval '1 day' - (i % 600) * interval '1 minute' AS received,
             (i % 730) < 22 AS open FROM generate_series(1, :dossiers) i) s
JOIN units u ON u.code = 'B-X' || (1 + s.i % :communes)
JOIN procedures p ON p.code = 'thu-tuc-' || (1 + s.i % :procedures)
"""

# Six steps a dossier; steps of open dossiers: the last one is open. One step in 33 is late.
TASKS = """
INSERT INTO tasks (dossier_id, engine_task_id, element_id, name, role_code, unit_id, state, time_limit,
    ready_at, due_at, completed_at, completed_by_id, assignee_id, timeliness, warn_at)
SELECT d.id, 't-' || d.id || '-' || k, 'Buoc_' || k, 'Bước ' || k, 'officer', d.receiving_unit_id,
    CASE WHEN d.finished_at IS NULL AND k = 6 THEN 'open' ELSE 'completed' END, '4h',
    d.received_at + (k - 1) * interval '4 hours', d.received_at + k * interval '4 hours',
    CASE WHEN d.finished_at IS NULL AND k = 6 THEN NULL
         ELSE d.received_at + k * interval '4 hours' + CASE WHEN (d.id + k) % 33 = 0 THEN interval '2 hours'
                                                            ELSE interval '-1 hour' END END,
    CASE WHEN d.finished_at IS NULL AND k = 6 THEN NULL ELSE o.id END,
    CASE WHEN d.finished_at IS NULL AND k = 6 THEN NULL ELSE o.id END,
    CASE WHEN d.finished_at IS NULL AND k = 6 THEN NULL WHEN (d.id + k) % 33 = 0 THEN 'late' ELSE 'on_time' END,
    d.received_at + k * interval '4 hours' - interval '1 hour'
FROM dossiers d CROSS JOIN generate_series(1, 6) k
JOIN users o ON o.username = 'thu.' || (1 + (d.id * 7 + k) % :officers)
WHERE d.code LIKE 'THU-%'
"""

ESCALATIONS = """
INSERT INTO escalations (dossier_id, task_id, level, state, responsible_unit_id, created_at, early, reason,
    note, engine_state, version)
SELECT t.dossier_id, t.id, 1, CASE WHEN t.state = 'open' THEN 'awaiting_signature' ELSE 'signed' END, t.unit_id,
    t.due_at, false, 'Lý do thử', '', '{}', 1
FROM tasks t WHERE t.timeliness = 'late' OR (t.state = 'open' AND t.due_at < :now) LIMIT 20000
"""

# What the dossier events would have left: a row of facts per received dossier, the officers' counters.
FACTS = """
INSERT INTO report_facts (dossier_id, unit_id, procedure_id, received_on, received_month, due_at, paused,
    reappointed_at, finished_on, finished_month, outcome, online, fee, paid_online, e_result, digitised, rating,
    days_taken, legal_days, days_saved)
SELECT d.id, d.receiving_unit_id, d.procedure_id, l.received_on,
    extract(year FROM l.received_on) * 100 + extract(month FROM l.received_on), d.due_at, false, d.reappointed_at,
    l.finished_on, extract(year FROM l.finished_on) * 100 + extract(month FROM l.finished_on),
    CASE WHEN d.status = 'refused' THEN 'refused' ELSE d.timeliness END, d.channel = 'online', p.fee_amount > 0,
    d.channel = 'online' AND p.fee_amount > 0 AND d.id % 2 = 0, d.id % 3 = 0, d.channel = 'online' OR d.id % 4 = 0,
    CASE WHEN d.finished_at IS NOT NULL AND d.id % 10 <> 0 THEN 1 + d.id % 4 END,
    CASE WHEN d.finished_at IS NOT NULL THEN 1.5 END, 3, CASE WHEN d.timeliness = 'early' THEN 1.5 ELSE 0 END
FROM dossiers d JOIN procedures p ON p.id = d.procedure_id,
LATERAL (SELECT (d.received_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS received_on,
                (d.finished_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS finished_on) l
WHERE d.code LIKE 'THU-%'
"""

STEP_COUNTS = """
INSERT INTO report_step_counts (grain, start, user_id, unit_id, early, on_time, late)
SELECT grain, start, t.completed_by_id, u.unit_id, 0, sum((t.timeliness = 'on_time')::int),
    sum((t.timeliness = 'late')::int)
FROM tasks t JOIN users u ON u.id = t.completed_by_id,
LATERAL (VALUES ('d', (t.completed_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date),
                ('m', date_trunc('month', t.completed_at AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Ho_Chi_Minh')::date))
    AS b(grain, start)
WHERE t.state = 'completed' AND t.timeliness IS NOT NULL
GROUP BY grain, start, t.completed_by_id, u.unit_id
"""


def load(app, dossiers: int) -> None:
    """The province and its two years, in one transaction per table; then VACUUM ANALYZE."""
    from app import clock

    engine = app.extensions["db_engine"]
    now = clock.now().astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)   # stored as naive UTC
    params = {"districts": DISTRICTS, "communes": COMMUNES, "officers": OFFICERS, "procedures": PROCEDURES,
              "dossiers": dossiers, "now": now}
    with engine.begin() as connection:
        params["version"] = connection.execute(text("SELECT min(id) FROM procedure_versions")).scalar_one()
    for label, statement in [("đơn vị, cán bộ, thủ tục", ORGANISATION), ("hồ sơ", DOSSIERS), ("bước xử lý", TASKS),
                             ("giải trình", ESCALATIONS), ("số liệu báo cáo", FACTS),
                             ("bộ đếm của cán bộ", STEP_COUNTS)]:
        started = time.perf_counter()
        with engine.begin() as connection:
            for sql in statement if isinstance(statement, list) else [statement]:
                connection.execute(text(sql), params)
        print(f"  nạp {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


# --- the queries ---------------------------------------------------------------------------------


def queries(app) -> dict:
    """Each dashboard and report query, as the pages and the API call them."""
    from app import clock
    from app.auth.models import Unit, User
    from app.db import session
    from app.reports import dashboard, index766, services
    from app.reports.scope import Period, Scope, subtree_ids

    today = clock.local(clock.now()).date()
    year, month = Period(today - timedelta(days=364), today), Period(today.replace(day=1), today)
    last_month = Period(*_previous_month(today))
    province = Scope(None, None)
    commune = session.scalar(select(Unit).where(Unit.code == "B-X7"))
    district = session.scalar(select(Unit).where(Unit.code == "B-H3"))
    leader_scope = Scope(commune, subtree_ids(commune))
    district_scope = Scope(district, subtree_ids(district))
    supervisor = session.scalar(select(User).where(User.username == "giamsat"))
    officer = session.scalar(select(User).where(User.username == "thu.7"))
    moment = dashboard.Moment(clock.now())
    return {
        "timeliness_unit_province_year": lambda: services.timeliness(province, year, "unit"),
        "timeliness_procedure_province_month": lambda: services.timeliness(province, month, "procedure"),
        "timeliness_month_province_year": lambda: services.timeliness(province, year, "month"),
        "timeliness_officer_province_year": lambda: services.timeliness(province, year, "officer"),
        "timeliness_unit_district_year": lambda: services.timeliness(district_scope, year, "unit"),
        "timeliness_unit_commune_year": lambda: services.timeliness(leader_scope, year, "unit"),
        "timeliness_unit_province_last_month": lambda: services.timeliness(province, last_month, "unit"),
        "late_list_province_month": lambda: services.late_steps(province, month),
        "late_list_commune_year": lambda: services.late_steps(leader_scope, year),
        "days_saved_unit_province_year": lambda: services.days_saved(province, year, "unit"),
        "satisfaction_unit_province_year": lambda: services.satisfaction(province, year, "unit"),
        "index_766_province_year": lambda: index766.indicators(province, year),
        "index_766_commune_year": lambda: index766.indicators(leader_scope, year),
        "dashboard_supervisor_units": lambda: dashboard.unit_lines(supervisor, moment),
        "dashboard_officer": lambda: dashboard.sections(officer, moment),
        "dashboard_leader_counts": lambda: [dashboard.count(kind, dashboard.Reach((commune.id,)), moment)
                                           for kind in dashboard.SECTIONS["leader"]],
        "dashboard_reception_counts": lambda: [dashboard.count(kind, dashboard.Reach((commune.id,)), moment)
                                               for kind in dashboard.SECTIONS["receptionist"]],
    }


def _previous_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def measure(app, runs: int) -> dict:
    from app.db import session

    figures = {}
    with app.app_context():
        for name, run in queries(app).items():
            run()   # warm the caches once, as a running server has them
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                run()
                times.append((time.perf_counter() - started) * 1000)
                session.rollback()
            times.sort()
            figures[name] = {"median_ms": round(statistics.median(times), 1),
                             "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1)}
            mark = "" if figures[name]["p95_ms"] < TARGET_MS else "  (trên 500 ms)"
            print(f"{name:42} trung vị {figures[name]['median_ms']:8.1f} ms   p95 {figures[name]['p95_ms']:8.1f} ms{mark}",
                  flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with postgres_cluster() as url:
        app = make_app(url)
        started = time.perf_counter()
        with app.app_context():
            load(app, args.dossiers)
        print(f"PostgreSQL: {args.dossiers:,} hồ sơ, {args.dossiers * 6:,} bước nạp trong "
              f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        figures = measure(app, args.runs)
        app.extensions["db_engine"].dispose()
    worst = max(value["p95_ms"] for value in figures.values())
    print(json.dumps({"dossiers": args.dossiers, "tasks": args.dossiers * 6, "worst_p95_ms": worst,
                      "target_ms": TARGET_MS, "queries": figures}))


if __name__ == "__main__":
    main()
