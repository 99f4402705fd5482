"""Results ready and not collected after N calendar days: the counter's list, the reminders, the report."""
from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta

import pytest

from app.db import session
from app.dossiers import uncollected
from scheduler import tick
from tests.support.concurrency import run_together
from tests.support.api import APPLICANT, FRIDAY_10AM, dossier, ok
from tests.support.fees import ready_for_return

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00; results ready then

DAYS = 10   # UNCOLLECTED_AFTER_DAYS by default


def reminders(api, code: str) -> list[dict]:
    return [event for event in dossier(api, code)["history"] if event["kind"] == "uncollected_reminder"]


def counter_codes(client, login) -> str:
    login("motcua.tanhoa")
    page = client.get("/tiep-nhan/danh-sach").text
    return page[page.index('id="chua-nhan"'):page.index('id="cho-bo-sung"')]


def test_the_counter_lists_results_waiting_more_than_n_calendar_days(api, demo, client, login, stopped_clock):
    code = ready_for_return(api)["code"]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS) - timedelta(minutes=1))
    assert code not in counter_codes(client, login)
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS))   # ten days, weekends and all
    section = counter_codes(client, login)
    assert code in section and "Chưa nhắc" in section
    login("motcua.binhan")
    assert code not in client.get("/tiep-nhan/danh-sach").text


def test_the_number_of_days_is_a_setting(api, demo, client, login, stopped_clock, override_settings):
    code = ready_for_return(api)["code"]
    override_settings(uncollected_after_days=3)
    stopped_clock(FRIDAY_10AM + timedelta(days=3))
    assert code in counter_codes(client, login) and "Quá 3 ngày chưa nhận (1)" in client.get("/tiep-nhan/danh-sach").text


def test_the_citizen_is_reminded_once_every_n_days_until_collected(api, demo, stopped_clock):
    code = ready_for_return(api)["code"]
    other = ready_for_return(api)["code"]
    ok(api.post(f"/dossiers/{other}/return", "motcua.tanhoa", json={}))
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS - 1))
    assert uncollected.remind() == 0
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 1))
    assert uncollected.remind() == 1
    assert uncollected.remind() == 0                     # the same sweep again: nothing
    (first,) = reminders(api, code)
    assert first["detail"]["days_waiting"] == DAYS + 1 and first["actor"] is None
    stopped_clock(FRIDAY_10AM + timedelta(days=2 * DAYS))
    assert uncollected.remind() == 0                     # reminded less than N days ago
    stopped_clock(FRIDAY_10AM + timedelta(days=2 * DAYS + 1))
    assert uncollected.remind() == 1
    assert [r["detail"]["days_waiting"] for r in reminders(api, code)] == [DAYS + 1, 2 * DAYS + 1]
    assert reminders(api, other) == []                   # collected: never reminded


def test_the_scheduler_tick_sends_the_reminders(app, api, demo, stopped_clock):
    code = ready_for_return(api)["code"]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 1))
    tick(app)
    assert len(reminders(api, code)) == 1


def test_a_reminder_does_not_make_a_return_fail(api, demo, stopped_clock):
    """The reminder's date is written without the dossier's version: a receptionist who loaded the
    dossier before the sweep still hands the result back."""
    code = ready_for_return(api)["code"]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 1))
    before = dossier(api, code)
    assert uncollected.remind() == 1
    assert dossier(api, code)["history"][:-1] == before["history"]
    ok(api.post(f"/dossiers/{code}/return", "motcua.tanhoa", json={}))


@pytest.mark.commits  # two schedulers, each on its own connection
def test_two_schedulers_remind_a_dossier_once(app, api, demo, stopped_clock):
    codes = [ready_for_return(api)["code"] for _ in range(3)]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 1))
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def scheduler():
        with app.app_context():
            try:
                barrier.wait()
                counts.append(uncollected.remind())
            except Exception as error:  # collected and asserted on below
                errors.append(repr(error))
            finally:
                session.remove()

    run_together(scheduler, 2)
    assert errors == [] and sum(counts) == 3
    assert [len(reminders(api, code)) for code in codes] == [1, 1, 1]


# --- the report -------------------------------------------------------------------------------------


def report(client, login, user: str, **query):
    login(user)
    return client.get("/bao-cao/chua-nhan-ket-qua", query_string=query)


def test_the_report_groups_by_unit_for_those_who_oversee_it(api, demo, client, login, stopped_clock):
    code = ready_for_return(api)["code"]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 2))
    for user in ("motcua.tanhoa", "lanhdao.tanhoa", "giamsat"):
        page = report(client, login, user)
        assert page.status_code == 200 and code in page.text, user
        assert "UBND xã Tân Hòa (demo): 1 hồ sơ" in page.text
    assert code not in report(client, login, "motcua.binhan").text
    assert code not in report(client, login, "lanhdao.binhan").text
    assert report(client, login, "chuyenvien.tanhoa").status_code == 403


def test_the_report_as_csv_with_days_waiting(api, demo, client, login, stopped_clock):
    code = ready_for_return(api, applicant={**APPLICANT, "full_name": "=HYPERLINK(\"http://x\")"})["code"]
    stopped_clock(FRIDAY_10AM + timedelta(days=DAYS + 2))
    response = report(client, login, "giamsat", format="csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ket-qua-chua-nhan.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(uncollected.CSV_HEADER)
    (row,) = [row for row in rows[1:] if row[1] == code]
    assert row[0] == "UBND xã Tân Hòa (demo)" and row[3] == "'=HYPERLINK(\"http://x\")"
    assert (row[5], row[6], row[7]) == ("03/10/2025 10:00", str(DAYS + 2), "")
