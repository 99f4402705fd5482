"""The configuration is read once into settings that services reach without Flask,
a wrong value stops the start naming its variable, and TIMEZONE is the one zone."""
from __future__ import annotations

import threading
from datetime import datetime, time
from zoneinfo import ZoneInfo

import flask
import pytest
from sqlalchemy import select

from app import clock, create_app
from app.admin.api import ClockSchema
from app.auth.models import User
from app.calendar.services import work_calendar
from app.config import ConfigError, load_settings
from app.db import session
from app.dossiers import forms_print, services
from app.settings import configure
from tests.printing.readback import flat, pdf_text
from tests.support.api import APPLICANT, DOCUMENTS, HANOI, ok

TOKYO = ZoneInfo("Asia/Tokyo")
BIRTH = "dang-ky-khai-sinh"  # a same-day procedure


@pytest.mark.unit
@pytest.mark.parametrize("name, value", [
    ("OFFICE_HOURS", "7h30-11h30"), ("OFFICE_HOURS", "13:00-17:00,07:30-11:30"), ("SAME_DAY_CUTOFF", "18:00"),
    ("SMTP_PORT", "smtp"), ("SMTP_PORT", "70000"), ("API_TOKEN_HOURS", "0"), ("TRUSTED_PROXIES", "-1"),
    ("TIMEZONE", "Asia/Sai_Gon"), ("CLOCK_TRAVEL", "yes"), ("PUBLIC_BASE_URL", "motcua.example.vn"),
])
def test_a_wrong_value_stops_the_start_naming_its_variable(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"^{name} không hợp lệ"):
        load_settings(tmp_path)


@pytest.mark.unit
def test_values_are_typed_whether_from_the_environment_or_given(tmp_path, monkeypatch):
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("OFFICE_HOURS", "08:00-12:00")
    monkeypatch.setenv("SAME_DAY_CUTOFF", "09:00")
    monkeypatch.setenv("TIMEZONE", "Asia/Tokyo")
    settings = load_settings(tmp_path, {"CLOCK_TRAVEL": True, "API_TOKEN_HOURS": 3})
    assert (settings.smtp_port, settings.clock_travel, settings.api_token_hours) == (2525, True, 3)
    assert settings.office_hours.periods == ((time(8), time(12)),) and settings.office_hours.same_day_cutoff == time(9)
    assert settings.timezone == TOKYO


def test_create_app_refuses_a_wrong_setting_before_anything_starts():
    with pytest.raises(ConfigError, match="^OFFICE_HOURS"):
        create_app({"OFFICE_HOURS": "8-12", "DATABASE_URL": "sqlite://"})


def test_services_and_print_models_need_no_flask(app, demo, stopped_clock, override_settings, tmp_path):
    """Settings built and configured as create_app does, then a dossier received, its deadline
    counted and its receipt built and rendered in a plain thread, where there is no app context."""
    configure(load_settings(tmp_path, {"OFFICE_HOURS": "08:00-12:00", "SAME_DAY_CUTOFF": "09:00",
                                       "PUBLIC_BASE_URL": "https://motcua.example.vn"}))
    seen = _in_plain_thread(_receive_and_print)
    assert seen["app context"] is False
    assert seen["closing"] == time(12)
    # received on Friday at 10:00, after the 09:00 cut-off: due when the office closes on Monday
    assert seen["due"] == datetime(2025, 10, 6, 12, 0, tzinfo=HANOI)
    assert seen["lookup"].startswith("https://motcua.example.vn/")
    assert seen["pdf"].startswith(b"%PDF")


def _receive_and_print() -> dict:
    officer = session.scalar(select(User).where(User.username == "motcua.tanhoa"))
    dossier = services.receive(officer, BIRTH, services.Applicant(**APPLICANT), DOCUMENTS)
    receipt = forms_print.FORMS["receipt"].build(dossier, officer)
    return {"app context": flask.has_app_context(), "closing": work_calendar().office.closing_time,
            "due": dossier.due_at, "lookup": receipt.lookup_url, "pdf": forms_print.render("receipt", receipt)}


def _in_plain_thread(work) -> dict:
    """``work()`` in a new thread: no Flask context there, only the settings and the database."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except Exception as error:  # noqa: BLE001 - handed to the test's thread
            outcome["error"] = error
        finally:
            session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_the_time_zone_setting_is_the_zone_of_deadlines_answers_and_forms(
        api, demo, stopped_clock, override_settings, tmp_path):
    """Friday 10:00 in Hà Nội is 12:00 in Tokyo: a same-day dossier received then is due at
    17:00 Tokyo time, and is shown and printed in Tokyo time."""
    override_settings(timezone=TOKYO)
    assert clock.local(clock.now()) == datetime(2025, 10, 3, 12, 0, tzinfo=TOKYO)
    receipt = ok(api.post("/dossiers", "motcua.tanhoa", json={
        "procedure_code": BIRTH, "applicant": APPLICANT, "documents": DOCUMENTS}), 201)
    assert receipt["received_at"] == "2025-10-03T12:00:00+09:00"
    assert receipt["due_at"] == "2025-10-03T17:00:00+09:00"
    response = api.get(f"/dossiers/{receipt['code']}/forms/receipt", "motcua.tanhoa")
    assert "Thời gian nhận hồ sơ: 12 giờ 00 phút, ngày 03/10/2025" in flat(pdf_text(response.data, tmp_path))
    # naive input is local time, in schemas built at import, before the settings were
    assert ClockSchema().load({"now": "2025-10-03T12:00"})["now"].tzinfo is TOKYO
