"""A week of dossiers with known outcomes, built through the API by moving the application clock.

Certified copies (``chung-thuc-ban-sao``: same day, next day after 15:00; a fee; an officer's step
of 2 office hours, then the leader's of 1 hour) at Tân Hòa unless said, week of Monday 6 October 2025:

====  ==================================================================  =====================
 A    received Mon 15:30 (due Tue 17:00), done Mon 16:00                  early, rated 4
 B    received Tue 09:00 (due Tue 17:00), done Tue 10:00                  on time, rated 3
 C    received Wed 09:00, step late at 11:00, apology signed; done Thu    late, rated 1
      08:00 (open on Wednesday evening, after its apology)
 E    received Thu 09:00 (due Thu 17:00), nothing done                    open, past its time
 F    received Thu 10:00, refused 10:30                                   refused
 G    sent online Thu 13:00 with a file, accepted 14:00, paid online,     on time, rated 2
      done 14:30, result file attached, returned
 D    received Fri 15:30 (due Mon 13 17:00)                               open, within time
 H    Bình An: received Fri 09:00, done Fri 10:00                         on time, rated 4
====  ==================================================================  =====================

The reports are then read on Friday 10 October at 16:00, over Monday 6 to Friday 10.

The demo leaders' signing certificates start when the test makes them, on the real clock, so the
week is not October 2025 but the first full working week (and the Monday after) at least a week
ahead of today; its days keep the names above (``day("Wed")``).
"""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

from app.calendar.workdays import WorkCalendar
from tests.support import files as made
from tests.support.api import APPLICANT, at, complete, ok, receive
from tests.support.fees import CERTIFIED_COPY, CHECKED, SIGNED

def _monday() -> date:
    """The Monday of the first week ahead, within one month, whose five days and next Monday are working days."""
    calendar, day = WorkCalendar(), date.today() + timedelta(days=7)
    day += timedelta(days=-day.weekday() + 7)
    while (day + timedelta(days=4)).month != day.month or not all(
            calendar.is_working_day(day + timedelta(days=n)) for n in (0, 1, 2, 3, 4, 7)):
        day += timedelta(days=7)
    return day


MONDAY = _monday()
NAMES = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Mon2": 7}


def day(name: str) -> str:
    return (MONDAY + timedelta(days=NAMES[name])).isoformat()


def moment(text: str) -> str:
    """ "Wed 11:30" as "2026-12-09 11:30" in the week."""
    name, clock_time = text.split()
    return f"{day(name)} {clock_time}"


FIRST, LAST = day("Mon"), day("Fri")
ORIGINAL = "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao"
REASON = "Cán bộ đi tập huấn, chưa bàn giao việc."


class Week:
    """Builds the week; ``codes`` maps each letter to its dossier code."""

    def __init__(self, api, move):
        self.api, self.move, self.codes, self.secrets = api, move, {}, {}

    def at(self, text: str) -> None:
        self.move(at(moment(text)))

    def receive(self, letter: str, when: str, user: str = "motcua.tanhoa") -> str:
        self.at(when)
        receipt = receive(self.api, CERTIFIED_COPY, user=user)
        self.codes[letter], self.secrets[letter] = receipt["code"], receipt["lookup_secret"]
        return receipt["code"]

    def finish(self, letter: str, when: str, officer: str = "chuyenvien.tanhoa", leader: str = "lanhdao.tanhoa"):
        self.at(when)
        complete(self.api, self.codes[letter], "Task_kiem_tra_doi_chieu", officer, CHECKED)
        complete(self.api, self.codes[letter], "Task_ky_chung_thuc", leader, SIGNED)

    def rate(self, letter: str, score: int) -> None:
        ok(self.api.post(f"/public/dossiers/{self.codes[letter]}/rating",
                         json={"secret": self.secrets[letter], "score": score, "comment": ""}), 201)

    def late_with_apology(self, letter: str) -> None:
        """C: the officer's step goes late at 11:00, is swept, explained, and the leader signs; done the next morning."""
        self.receive(letter, "Wed 09:00")
        self.at("Wed 11:30")
        assert ok(self.api.post("/admin/scheduler/run", "admin"))["escalated"] == 1
        (escalation,) = [e for e in ok(self.api.get("/escalations", "chuyenvien.tanhoa"))
                         if e["dossier_code"] == self.codes[letter]]
        ok(self.api.post(f"/escalations/{escalation['id']}/explanation", "chuyenvien.tanhoa",
                         json={"reason": REASON, "new_due_date": day("Fri")}))
        ok(self.api.post(f"/escalations/{escalation['id']}/signature", "lanhdao.tanhoa", json={"pin": "123456"}))
        self.finish(letter, "Thu 08:00")

    def online(self, letter: str) -> None:
        """G: sent online with its file, accepted, paid online, done, its result attached, returned."""
        self.at("Thu 13:00")
        data = {"procedure_code": CERTIFIED_COPY, "applicant": APPLICANT, "unit_code": "XA-TAN-HOA",
                "documents": [{"name": ORIGINAL, "copies": 1, "file": "ban-chinh.pdf"}]}
        sent = ok(self.api.post("/public/dossiers", content_type="multipart/form-data", data={
            "data": json.dumps(data), "files": [(io.BytesIO(made.pdf()), "ban-chinh.pdf")]}), 201)
        self.codes[letter], self.secrets[letter] = sent["code"], sent["lookup_secret"]
        self.at("Thu 14:00")
        ok(self.api.post(f"/dossiers/{sent['code']}/accept", "motcua.tanhoa"))
        self.at("Thu 14:05")
        ok(self.api.post(f"/dossiers/{sent['code']}/payments", "motcua.tanhoa",
                         json={"amount": 2000, "method": "online", "payer": APPLICANT["full_name"]}), 201)
        self.finish(letter, "Thu 14:30")
        self.at("Thu 14:40")
        ok(self.api.post(f"/dossiers/{sent['code']}/results", "chuyenvien.tanhoa", content_type="multipart/form-data",
                         data={"files": (io.BytesIO(made.pdf()), "ket-qua.pdf")}), 201)
        self.at("Thu 14:50")
        ok(self.api.post(f"/dossiers/{sent['code']}/return", "motcua.tanhoa", json={}))

    def build(self) -> "Week":
        self.receive("A", "Mon 15:30")
        self.finish("A", "Mon 16:00")
        self.rate("A", 4)
        self.receive("B", "Tue 09:00")
        self.finish("B", "Tue 10:00")
        self.rate("B", 3)
        self.late_with_apology("C")
        self.rate("C", 1)
        self.receive("E", "Thu 09:00")
        self.receive("F", "Thu 10:00")
        self.at("Thu 10:30")
        ok(self.api.post(f"/dossiers/{self.codes['F']}/refuse", "motcua.tanhoa", json={"reason": "Bản chính bị tẩy xóa."}))
        self.online("G")
        self.rate("G", 2)
        self.receive("H", "Fri 09:00", user="motcua.binhan")
        self.finish("H", "Fri 10:00", officer="chuyenvien.binhan", leader="lanhdao.binhan")
        self.rate("H", 4)
        self.receive("D", "Fri 15:30")
        self.at("Fri 16:00")
        return self

