"""bench/throughput.py works: a quick run on SQLite with gunicorn measures every phase, and what
its clients were told happened is what the database holds (no figure from requests that failed)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quick_run() -> dict:
    """One ``--quick`` run (about 15 s: gunicorn, two clients, three two-second phases)."""
    run = subprocess.Popen([sys.executable, str(ROOT / "bench" / "throughput.py"), "--quick", "--databases",
                            "sqlite"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = run.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        run.terminate()  # SIGTERM: the benchmark stops its gunicorn and its clients
        stdout, stderr = run.communicate()
    assert run.returncode == 0, stderr[-3000:] + stdout[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


def test_every_phase_has_a_positive_rate_and_cost(quick_run):
    rows = {row["phase"]: row for row in quick_run["rows"]}
    assert set(rows) == {"receptions", "completions", "lifecycles"}
    for row in rows.values():
        assert row["operations"] > 0 and row["per_second"] > 0, row
        assert row["app_cpu_ms"] > 0 and row["cpu_bound_per_s"] > 0 and row["p95_ms"] >= row["p50_ms"] > 0, row
    assert quick_run["engine"]["ceiling_per_s"] > 0
    assert 0 < rows["completions"]["of_ceiling"]


def test_the_operations_really_happened_in_the_database(quick_run):
    check = quick_run["database_check"]["sqlite"]
    assert check["database"] == check["clients"]
    assert check["database"]["dossiers"] > 0
    assert check["database"]["returned"] > 0
    assert check["database"]["tasks_completed"] > 0


def test_the_targets_are_judged_on_postgresql_only(quick_run):
    """A run without PostgreSQL never claims the issue's targets."""
    assert quick_run["targets"]["completions"] == {"target_per_s": 300.0, "measured_per_s": None,
                                                   "server": None, "met": False, "cpu_bound_per_s": None}
