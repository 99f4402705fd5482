"""The register (form 06) as CSV and XLSX, and printed in the background with its progress."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from app import clock
from app.auth.models import Unit
from app.db import session
from app.dossiers.models import Dossier
from app.procedures.models import Procedure, ProcedureVersion
from app.reports import jobs
from tests.reports.scenario import FIRST, LAST


def test_the_register_as_xlsx_lists_the_units_dossiers_with_dates(client, login, week):
    login("motcua.tanhoa")
    response = client.get(f"/don-vi/so-theo-doi/xuat?from={FIRST}&to={LAST}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("STT", "Mã hồ sơ", "Tên thủ tục")
    codes = [row[1] for row in rows[1:]]
    assert sorted(codes) == sorted(week.codes[letter] for letter in "ABCEFGD")   # not Bình An's H
    assert all(isinstance(row[7], datetime) for row in rows[1:])                 # received at, a date
    csv_lines = client.get(f"/don-vi/so-theo-doi/xuat?from={FIRST}&to={LAST}&format=csv").data.decode("utf-8-sig")
    assert len(csv_lines.strip().splitlines()) == 8


def test_an_empty_register_is_its_headers(client, login, demo):
    login("motcua.tanhoa")
    rows = client.get("/don-vi/so-theo-doi/xuat?from=2001-01-01&to=2001-01-02&format=csv").data.decode("utf-8-sig")
    assert rows.strip().splitlines()[0].startswith("STT,Mã hồ sơ")
    assert len(rows.strip().splitlines()) == 1
    assert client.get("/don-vi/so-theo-doi/xuat?from=2001-01-02&to=2001-01-01&format=csv").status_code == 422


def _bulk_dossiers(count: int, day: datetime) -> None:
    """``count`` dossiers received by Tân Hòa on ``day`` (plain rows, as a long year would leave)."""
    unit = session.scalar(select(Unit).where(Unit.code == "XA-TAN-HOA"))
    procedure = session.scalar(select(Procedure).where(Procedure.code == "chung-thuc-ban-sao"))
    version = session.scalar(select(ProcedureVersion.id).where(ProcedureVersion.procedure_id == procedure.id))
    session.execute(insert(Dossier), [{
        "code": f"BULK-{n:05d}", "procedure_id": procedure.id, "procedure_version_id": version,
        "receiving_unit_id": unit.id, "status": "received", "channel": "counter", "applicant_name": f"Người nộp {n}",
        "received_at": day + timedelta(seconds=n), "clock_started_at": day, "due_at": day + timedelta(hours=7),
        "lookup_secret": "X" * 16, "updated_at": day, "version": 1} for n in range(count)])
    session.commit()


@pytest.mark.parametrize("rows", [3, 3000])
def test_a_long_register_prints_in_the_background(client, login, demo, tmp_path, override_settings, rows):
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    day = datetime(2026, 3, 2, 8, 0, tzinfo=clock.LOCAL_TZ)
    _bulk_dossiers(rows, day)
    login("motcua.tanhoa")
    queued = client.post("/don-vi/so-theo-doi/in-nen", data={"from": "2026-03-01", "to": "2026-03-31"})
    assert queued.status_code == 302
    page = client.get(queued.location)
    assert page.status_code == 200 and "report-job.js" in page.text and "<progress" in page.text
    status_url = queued.location + "/trang-thai"
    assert client.get(status_url).get_json()["state"] == "queued"
    assert client.get(status_url).get_json()["download"] is None
    assert jobs.run_pending() == 1
    status = client.get(status_url).get_json()
    assert (status["state"], status["percent"], status["rows"]) == ("done", 100, rows)
    pdf = client.get(status["download"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    login("motcua.binhan")
    assert client.get(status_url).status_code == 404   # another user's job is unknown to them


def test_a_background_print_with_a_bad_period_says_which_field(client, login, demo):
    login("motcua.tanhoa")
    response = client.post("/don-vi/so-theo-doi/in-nen", data={"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 422 and "Từ ngày phải trước" in response.text
    response = client.post("/don-vi/so-theo-doi/in-nen", data={"from": "2025-01-01", "to": "2026-03-01"})
    assert response.status_code == 422 and "tối đa 366 ngày" in response.text


def test_a_failed_print_is_recorded_not_raised(client, login, demo, monkeypatch):
    login("motcua.tanhoa")
    queued = client.post("/don-vi/so-theo-doi/in-nen", data={"from": "2026-03-01", "to": "2026-03-31"})

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(jobs.forms_print, "render", broken)
    assert jobs.run_pending() == 0
    status = client.get(queued.location + "/trang-thai").get_json()
    assert status["state"] == "failed" and "disk full" not in status["error"] and status["error"]
