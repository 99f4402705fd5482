"""``flask simulate`` as an operator runs it, and the data it will not touch."""
from __future__ import annotations

import json
import os
import sqlite3
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


def test_the_same_seed_gives_the_same_run(tmp_path):
    """Two runs of one seed, side by side and with different string hashing, agree on every figure
    and on every dossier's code, state and timeliness: the clock reads the simulated moment exactly."""
    runs = [_start(tmp_path / name, hash_seed) for name, hash_seed in (("mot", "1"), ("hai", "2"))]
    figures = [_finish(process) for process in runs]
    assert figures[0]["tally"] == figures[1]["tally"] and figures[0]["report"] == figures[1]["report"]
    assert figures[0]["tally"]["escalated"] > 0
    assert _dossiers(tmp_path / "mot" / "db") == _dossiers(tmp_path / "hai" / "db")


def _start(directory: Path, hash_seed: str) -> subprocess.Popen:
    directory.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "--days", "2", "--per-day", "60", "--seed", "5",
         "--late-rate", "0.1", "--database", f"sqlite:///{directory / 'db'}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "STORAGE_PATH": str(directory / "files"), "PYTHONHASHSEED": hash_seed})


def _finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def _dossiers(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT code, status, timeliness, received_at, due_at FROM dossiers ORDER BY code").fetchall()


@pytest.mark.parametrize("database, said", [
    ("không-phải-địa-chỉ", "Không dùng được địa chỉ cơ sở dữ liệu này"),
    ("mysql://máy/csdl", "Không dùng được địa chỉ cơ sở dữ liệu này"),
    ("sqlite:////khong/co/thu/muc/nay.db", "Không mở được cơ sở dữ liệu sqlite:////khong/co/thu/muc/nay.db"),
    ("postgresql://ai@127.0.0.1:1/csdl", "Không mở được cơ sở dữ liệu postgresql://ai@127.0.0.1:1/csdl"),
])
def test_a_database_that_cannot_be_used_is_said_so_without_a_traceback(database, said):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "simulate", "--days", "1",
                           "--database", database], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and said in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
