"""Procedures: catalogue entries, BPMN versions, publication and import."""
from __future__ import annotations

import json
import threading
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app import clock, engine
from app.auth.models import Role, User
from app.auth.services import field_errors, unit_value_exists
from app.calendar.workdays import LimitError, OfficeHours, parse_limit
from app.core.errors import Conflict, Invalid, NotFound
from app.db import session
from app.procedures.dialect import Problem, ProcedureDefinition, ProcedureError
from app.procedures.models import Procedure, ProcedureVersion

LEVELS = ("commune", "district", "province", "central")
HOURS_PER_DAY = OfficeHours().hours_per_day


def list_procedures() -> list[Procedure]:
    return list(session.scalars(select(Procedure).order_by(Procedure.code)))


def get_procedure(code: str) -> Procedure:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục '{code}'.")
    return procedure


def get_version(code: str, number: int) -> ProcedureVersion:
    procedure = get_procedure(code)
    version = next((v for v in procedure.versions if v.number == number), None)
    if version is None:
        raise NotFound(f"Thủ tục '{code}' không có phiên bản {number}.")
    return version


def create_version(actor: User | None, catalogue: dict[str, Any], bpmn_xml: bytes | str,
                   forms: dict[str, Any] | None = None) -> ProcedureVersion:
    """Store a new draft version (and the catalogue entry on first upload).

    Nothing is stored unless the catalogue data and the whole BPMN are valid.
    """
    xml = bpmn_xml.encode() if isinstance(bpmn_xml, str) else bpmn_xml
    values = _check_catalogue(catalogue)
    definition = check_bpmn(xml, forms or {}, values["legal_limit"])
    procedure = session.scalar(select(Procedure).where(Procedure.code == values["code"]))
    if procedure is None:
        procedure = Procedure(code=values["code"])
        session.add(procedure)
    for name, value in values.items():
        setattr(procedure, name, value)
    latest = procedure.latest_version()
    version = ProcedureVersion(
        procedure=procedure, number=(latest.number + 1) if latest else 1, status="draft",
        bpmn_xml=xml.decode("utf-8"), forms=forms or {}, process_id=definition.process_id,
        created_at=clock.now(), created_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.commit()
    return version


def check_bpmn(xml: bytes, forms: dict[str, Any], legal_limit: str) -> ProcedureDefinition:
    """Every problem of a BPMN against this instance's roles, units and the legal limit."""
    try:
        definition = engine.compile_procedure(xml, forms)
    except ProcedureError as error:
        raise Invalid("Sơ đồ BPMN không hợp lệ.", [p.to_dict() for p in error.problems]) from None
    problems = _check_against_instance(definition, legal_limit)
    if problems:
        raise Invalid("Sơ đồ BPMN không hợp lệ.", [p.to_dict() for p in problems])
    return definition


def _check_against_instance(definition: ProcedureDefinition, legal_limit: str) -> list[Problem]:
    known_roles = set(session.scalars(select(Role.code)))
    problems = []
    for task in definition.user_tasks.values():
        if task.role not in known_roles:
            problems.append(Problem(f"unknown role '{task.role}'", task.element_id, task.line))
        if task.unit and not unit_value_exists(task.unit):
            problems.append(Problem(f"unknown unit or unit kind '{task.unit}'", task.element_id, task.line))
    budget = _legal_hours(legal_limit)
    longest = definition.longest_path_hours(HOURS_PER_DAY)
    if longest > budget:
        problems.append(Problem(
            f"the time limits along the longest path add up to {_days(longest)} working days, "
            f"more than the legal limit {legal_limit}", definition.process_id))
    return problems


def _legal_hours(legal_limit: str) -> Fraction:
    """A same-day procedure ("0d") has one office day for all its steps."""
    limit = parse_limit(legal_limit)
    return limit.hours(HOURS_PER_DAY) or HOURS_PER_DAY


def _days(hours: Fraction) -> str:
    return f"{float(hours / HOURS_PER_DAY):g}"


def _check_catalogue(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = str(data.get("code") or "").strip()
    if not code or len(code) > 64 or not all(c.isalnum() or c in "._-" for c in code):
        errors["code"] = "Mã thủ tục gồm chữ, số, dấu chấm, gạch (tối đa 64 ký tự)."
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "Cần nhập tên thủ tục."
    legal_limit = str(data.get("legal_limit") or "").strip()
    try:
        parse_limit(legal_limit)
    except LimitError:
        errors["legal_limit"] = "Thời hạn giải quyết có dạng 3d (ngày làm việc), 4h (giờ) hoặc 0d (trong ngày)."
    level = data.get("level") or "commune"
    if level not in LEVELS:
        errors["level"] = f"Cấp thực hiện là một trong: {', '.join(LEVELS)}."
    fee = data.get("fee") or {}
    fee_amount = fee.get("amount", 0) if isinstance(fee, dict) else fee
    if not isinstance(fee_amount, int) or isinstance(fee_amount, bool) or fee_amount < 0:
        errors["fee"] = "Lệ phí là số tiền (đồng) không âm."
    documents = data.get("documents") or []
    if not isinstance(documents, list) or not all(_is_document(d) for d in documents):
        errors["documents"] = "Thành phần hồ sơ là danh sách {name, copies}."
    dates = {key: _date(data.get(key), key, errors) for key in ("effective_from", "effective_to")}
    if errors:
        raise Invalid("Thông tin thủ tục không hợp lệ.", field_errors(errors))
    return {
        "code": code, "name": name, "field": str(data.get("field") or ""), "level": level,
        "legal_limit": str(parse_limit(legal_limit)), "fee_amount": fee_amount,
        "fee_description": fee.get("description", "") if isinstance(fee, dict) else "",
        "documents": [_document(d) for d in documents], **dates,
    }


def _is_document(item: Any) -> bool:
    return isinstance(item, str) or (isinstance(item, dict) and str(item.get("name") or "").strip() != "")


def _document(item: Any) -> dict[str, Any]:
    if isinstance(item, str):
        return {"name": item, "copies": 1, "required": True}
    return {"name": str(item["name"]).strip(), "copies": int(item.get("copies") or 1),
            "required": bool(item.get("required", True))}


def _date(value: Any, key: str, errors: dict[str, str]) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[key] = "Ngày có dạng YYYY-MM-DD."
        return None


def publish(actor: User | None, code: str, number: int) -> ProcedureVersion:
    """Publish a draft; it takes all new dossiers, older published versions retire.

    Dossiers already running stay on the version they started with.
    """
    version = get_version(code, number)
    if version.status != "draft":
        raise Conflict(f"Phiên bản {number} của thủ tục '{code}' đang ở trạng thái {version.status}, không thể công bố.")
    check_bpmn(version.bpmn_xml.encode(), version.forms, version.procedure.legal_limit)
    for other in version.procedure.versions:
        if other.status == "published":
            other.status = "retired"
    version.status = "published"
    version.published_at = clock.now()
    version.published_by_id = actor.id if actor else None
    session.commit()
    return version


_definitions: dict[tuple[int, int], ProcedureDefinition] = {}
_definitions_lock = threading.Lock()


def definition_of(version: ProcedureVersion) -> ProcedureDefinition:
    """The parsed definition of a version, read once per process."""
    key = (version.id, hash(version.bpmn_xml))
    definition = _definitions.get(key)
    if definition is None:
        definition = engine.compile_procedure(version.bpmn_xml.encode(), version.forms)
        with _definitions_lock:
            _definitions[key] = definition
    return definition


def import_file(actor: User | None, path: Path, publish_it: bool = False) -> ProcedureVersion:
    """Import ``<code>.bpmn`` with its catalogue sidecar ``<code>.json`` and form files beside it."""
    xml = path.read_bytes()
    sidecar = path.with_suffix(".json")
    catalogue = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    catalogue.setdefault("code", path.stem)
    catalogue.setdefault("name", path.stem)
    forms = {form.name: json.loads(form.read_text(encoding="utf-8"))
             for form in path.parent.glob("*.schema.json") if form.name.encode() in xml}
    version = create_version(actor, catalogue, xml, forms)
    return publish(actor, version.procedure.code, version.number) if publish_it else version

