"""Helpers for the REST API tests: reading responses, receiving and walking dossiers.

``FRIDAY_10AM`` is where the ``stopped_clock`` fixture stops the application
clock (no holiday near it), so that expected deadlines can be worked out by
hand from the working-day rules rather than asked of the code under test.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
FRIDAY_10AM = datetime(2025, 10, 3, 10, 0, tzinfo=HANOI)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"
APPLICANT = {
    "full_name": "Nguyễn Văn An", "id_number": "001099012345", "phone": "0912345678",
    "email": "an.nguyen@example.vn", "address": "Thôn Đông, xã Tân Hòa",
}
#: a birth registration's required documents, as a caller may name them (the catalogue's remark in
#: brackets left out)
DOCUMENTS = [{"name": "Tờ khai đăng ký khai sinh", "copies": 1}, {"name": "Giấy chứng sinh", "copies": 2},
             {"name": "Giấy tờ tùy thân của người đi đăng ký khai sinh", "copies": 1}]


def at(text: str) -> datetime:
    """A local time written "2025-10-03 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=HANOI)


def iso(text: str) -> str:
    """The API's spelling of a local time written "2025-10-03 17:00"."""
    return at(text).isoformat()


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def problem(response, status: int) -> dict:
    """The problem+json body of an error response with ``status``."""
    assert response.status_code == status, (response.status_code, response.get_json())
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


def error_fields(response) -> set[str]:
    """The field names of a 422 problem's errors."""
    return {item["field"] for item in problem(response, 422)["errors"]}


def receive(api, procedure_code: str, user: str | None = "motcua.tanhoa", **body: Any) -> dict:
    """Receive a complete dossier: DOCUMENTS plus whatever else the procedure's catalogue requires."""
    payload = {"procedure_code": procedure_code, "applicant": APPLICANT,
               "documents": complete_documents(procedure_code, DOCUMENTS), **body}
    return ok(api.post("/dossiers", user, json=payload), 201)


def complete_documents(procedure_code: str, documents: list[dict]) -> list[dict]:
    """``documents`` and the catalogue's required documents not among them (read from the database)."""
    from app.dossiers.services import missing_required
    from app.procedures.services import get_procedure

    missing = missing_required(get_procedure(procedure_code), documents)
    return [*documents, *({"name": name, "copies": 1} for name in missing)]


def dossier(api, code: str, user: str = "giamsat") -> dict:
    return ok(api.get(f"/dossiers/{code}", user))


def open_task(api, code: str, element_id: str) -> dict:
    """The open task of ``element_id`` in a dossier (as the supervisor sees it)."""
    tasks = [t for t in dossier(api, code)["open_tasks"] if t["element_id"] == element_id]
    assert len(tasks) == 1, dossier(api, code)["open_tasks"]
    return tasks[0]


def complete(api, code: str, element_id: str, user: str, data: dict[str, Any]) -> dict:
    """Complete the open task of ``element_id`` as ``user``; the task JSON."""
    task = open_task(api, code, element_id)
    return ok(api.post(f"/tasks/{task['id']}/complete", user, json={"data": data}))


def open_steps(api, code: str) -> set[str]:
    return {task["element_id"] for task in dossier(api, code)["open_tasks"]}
