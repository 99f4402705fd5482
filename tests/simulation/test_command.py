"""``flask simulate`` as an operator runs it, and the data it will not touch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from app.auth.services import get_user
from app.dossiers.services import Applicant, receive
from app.procedures.services import get_procedure
from app.simulation.command import run_in
from app.simulation.run import Options

ROOT = Path(__file__).resolve().parents[2]


def test_a_database_with_real_dossiers_is_refused_in_vietnamese(app):
    documents = [{"name": d["name"]} for d in get_procedure("dang-ky-khai-sinh").documents if d["required"]]
    receive(get_user("motcua.tanhoa"), "dang-ky-khai-sinh", Applicant("Nguyễn Văn Thật"), documents)
    with pytest.raises(click.ClickException) as refused:
        run_in(app, Options(days=1, per_day=5), "sqlite:///thật.db")
    assert "1 hồ sơ không phải của mô phỏng" in refused.value.message and "thật.db" in refused.value.message


def test_the_command_migrates_a_new_database_runs_and_ends_with_the_figures(tmp_path):
    database = tmp_path / "mo-phong.db"
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "--days", "1", "--per-day", "8", "--seed", "2",
         "--database", f"sqlite:///{database}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "STORAGE_PATH": str(tmp_path / "files")})
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["dossiers"] == 8 and figures["report"]["total"]["received"] == figures["tally"]["received"]
    assert "Ngày 1/1" in done.stderr and database.exists()
