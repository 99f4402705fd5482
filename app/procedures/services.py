"""Procedures: catalogue entries, BPMN versions, publication and import."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import clock, engine
from app.auth.models import Role, User
from app.auth.services import field_errors, unit_value_exists
from app.calendar.workdays import LimitError, OfficeHours, parse_limit
from app.core.errors import Conflict, Invalid, NotFound
from app.db import session
from app.procedures.diff import diff as diff_definitions
from app.procedures.dialect import Problem, ProcedureDefinition, ProcedureError
from app.procedures.models import Procedure, ProcedureVersion

LEVELS = ("commune", "district", "province", "central")
STATUS_LABELS = {"draft": "là bản nháp", "published": "được công bố", "retired": "ngừng áp dụng"}
HOURS_PER_DAY = OfficeHours().hours_per_day
#: Called (uncommitted) with a draft whose diagram is being replaced.  Test runs
#: are dossiers, a domain above this one: ``app.dossiers.testruns`` registers
#: here the discarding of the draft's runs, whose engine state names elements
#: the new diagram may no longer have.
DRAFT_REPLACED: list[Callable[[ProcedureVersion], None]] = []


def list_procedures() -> list[Procedure]:
    return list(session.scalars(select(Procedure).order_by(Procedure.code)))


#: a procedure with its versions, for the reception that picks the published one (one round trip)
WITH_VERSIONS = (joinedload(Procedure.versions),)


def get_procedure(code: str, options: tuple = ()) -> Procedure:
    procedure = session.execute(select(Procedure).where(Procedure.code == code).options(*options)).unique().scalar()
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

    Nothing is stored unless the catalogue data and the whole BPMN are valid;
    the check's warnings are left on ``version.check_warnings``.
    """
    xml = _bytes(bpmn_xml)
    values = _check_catalogue(catalogue)
    report = check_bpmn(xml, forms or {}, values["legal_limit"])
    procedure = session.scalar(select(Procedure).where(Procedure.code == values["code"]))
    if procedure is None:
        procedure = Procedure(code=values["code"])
        session.add(procedure)
    for name, value in values.items():
        setattr(procedure, name, value)
    latest = procedure.latest_version()
    version = ProcedureVersion(
        procedure=procedure, number=(latest.number + 1) if latest else 1, status="draft",
        created_at=clock.now(), created_by_id=actor.id if actor else None,
    )
    _set_diagram(version, xml, forms or {}, report)
    session.add(version)
    session.commit()
    return version


def update_draft(actor: User | None, code: str, number: int, bpmn_xml: bytes | str,
                 forms: dict[str, Any] | None = None) -> ProcedureVersion:
    """Replace a draft's diagram and forms, after the same checks as an upload (409 unless a draft).

    The draft's test runs are deleted with the old diagram they ran on (see ``DRAFT_REPLACED``).
    """
    version = get_version(code, number)
    if version.status != "draft":
        raise Conflict(f"Phiên bản {number} của thủ tục '{code}' đã {STATUS_LABELS[version.status]}, "
                       "không sửa được: hãy tải lên phiên bản mới.")
    xml = _bytes(bpmn_xml)
    report = check_bpmn(xml, forms or {}, version.procedure.legal_limit)
    for discard in DRAFT_REPLACED:
        discard(version)
    _set_diagram(version, xml, forms or {}, report)
    session.commit()
    return version


def _set_diagram(version: ProcedureVersion, xml: bytes, forms: dict[str, Any], report: "CheckReport") -> None:
    version.set_content(xml.decode("utf-8"), forms)
    version.process_id = report.definition.process_id
    version.check_warnings = tuple(report.warnings)


def _bytes(xml: bytes | str) -> bytes:
    return xml.encode() if isinstance(xml, str) else xml


@dataclass
class CheckReport:
    """The outcome of checking a diagram: errors prevent saving, warnings do not."""

    errors: list[Problem]
    warnings: list[Problem]
    definition: ProcedureDefinition | None = None

    def to_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {"errors": [p.to_dict() for p in self.errors], "warnings": [p.to_dict() for p in self.warnings]}


def inspect_bpmn(xml: bytes, forms: dict[str, Any], legal_limit: str | None) -> CheckReport:
    """Every problem of a BPMN against this instance's roles, units and the legal limit,
    as errors and warnings; stores nothing and raises nothing."""
    try:
        definition = engine.compile_procedure(xml, forms)
    except ProcedureError as error:
        return CheckReport(error.problems, error.warnings)
    return CheckReport(_check_against_instance(definition, legal_limit), list(definition.warnings), definition)


def check_bpmn(xml: bytes, forms: dict[str, Any], legal_limit: str) -> CheckReport:
    """:func:`inspect_bpmn`, refusing (422 with the errors) a diagram that has any."""
    report = inspect_bpmn(xml, forms, legal_limit)
    if report.errors:
        raise Invalid("Sơ đồ BPMN không hợp lệ.", [p.to_dict() for p in report.errors])
    return report


def _check_against_instance(definition: ProcedureDefinition, legal_limit: str | None) -> list[Problem]:
    known_roles = set(session.scalars(select(Role.code)))
    problems = []
    for task in definition.user_tasks.values():
        if task.role not in known_roles:
            problems.append(Problem(f"Vai trò '{task.role}' không có trong danh mục vai trò.", task.element_id, task.line))
        if task.unit and not unit_value_exists(task.unit):
            problems.append(Problem(f"Không có đơn vị hay loại đơn vị '{task.unit}'.", task.element_id, task.line))
    if legal_limit:
        problems.extend(_limit_problems(definition, legal_limit))
    return problems


def _limit_problems(definition: ProcedureDefinition, legal_limit: str) -> list[Problem]:
    """The longest path's limits must fit within the legal limit."""
    longest = definition.longest_path_hours(HOURS_PER_DAY)
    if longest <= _legal_hours(legal_limit):
        return []
    return [Problem(f"Tổng thời hạn các bước trên nhánh dài nhất là {_days(longest)} ngày làm việc, "
                    f"vượt thời hạn giải quyết {legal_limit}.", definition.process_id)]


def _legal_hours(legal_limit: str) -> Fraction:
    """A same-day procedure ("0d") has one office day for all its steps."""
    limit = parse_limit(legal_limit)
    return limit.hours(HOURS_PER_DAY) or HOURS_PER_DAY


def _days(hours: Fraction) -> str:
    return f"{float(hours / HOURS_PER_DAY):g}"


#: codes that name an operation of the API under /procedures/, not a procedure
RESERVED_CODES = frozenset({"check"})


def _check_catalogue(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    code = str(data.get("code") or "").strip()
    if not code or len(code) > 64 or not all(c.isalnum() or c in "._-" for c in code):
        errors["code"] = "Mã thủ tục gồm chữ, số, dấu chấm, gạch (tối đa 64 ký tự)."
    elif code.lower() in RESERVED_CODES:
        errors["code"] = f"Mã '{code}' là một địa chỉ của hệ thống (/api/v1/procedures/{code}): hãy chọn mã khác."
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
    if dates["effective_from"] and dates["effective_to"] and dates["effective_to"] < dates["effective_from"]:
        errors["effective_to"] = "Ngày hết hiệu lực phải sau ngày có hiệu lực."
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
    now = clock.now()
    for other in version.procedure.versions:
        if other.status == "published":
            other.retire(actor, now)
    version.status = "published"
    version.published_at = now
    version.published_by_id = actor.id if actor else None
    session.commit()
    return version


def retire(actor: User | None, code: str, number: int) -> ProcedureVersion:
    """Retire a published version: it takes no new dossiers; those running on it go on."""
    version = get_version(code, number)
    if version.status != "published":
        raise Conflict(f"Chỉ ngừng áp dụng được phiên bản đang công bố; phiên bản {number} "
                       f"{STATUS_LABELS[version.status]}.")
    version.retire(actor, clock.now())
    session.commit()
    return version


def update_catalogue(code: str, changes: dict[str, Any]) -> Procedure:
    """Change catalogue fields (not the code), validated as on upload.

    A shorter legal limit is refused while the version in use does not fit in it.
    """
    procedure = _apply_catalogue(get_procedure(code), changes)
    session.commit()
    return procedure


def save_draft(actor: User | None, code: str, number: int, changes: dict[str, Any], bpmn_xml: bytes | str,
               forms: dict[str, Any] | None = None) -> ProcedureVersion:
    """The modeler's save over a draft: catalogue, then diagram, in one transaction.

    The catalogue goes first (a longer legal limit may be what lets the diagram
    pass); a refused diagram leaves the catalogue as it was.
    """
    try:
        _apply_catalogue(get_procedure(code), changes)
        return update_draft(actor, code, number, bpmn_xml, forms)
    except Exception:
        session.rollback()
        raise


def _apply_catalogue(procedure: Procedure, changes: dict[str, Any]) -> Procedure:
    values = _check_catalogue({**_catalogue_of(procedure), **changes, "code": procedure.code})
    current = procedure.published_version() or procedure.latest_version()
    if current is not None and values["legal_limit"] != procedure.legal_limit:
        problems = _limit_problems(definition_of(current), values["legal_limit"])
        if problems:
            raise Invalid("Thời hạn giải quyết ngắn hơn tổng thời hạn các bước.",
                          field_errors({"legal_limit": f"Phiên bản {current.number}: {problems[0].message}."}))
    for name, value in values.items():
        setattr(procedure, name, value)
    return procedure


def _catalogue_of(procedure: Procedure) -> dict[str, Any]:
    """The catalogue entry as an upload would give it."""
    return {
        "code": procedure.code, "name": procedure.name, "field": procedure.field, "level": procedure.level,
        "legal_limit": procedure.legal_limit, "documents": procedure.documents,
        "fee": {"amount": procedure.fee_amount, "description": procedure.fee_description},
        "effective_from": procedure.effective_from, "effective_to": procedure.effective_to,
    }


def diff_versions(code: str, old: int, new: int) -> dict[str, list[dict[str, Any]]]:
    """What changed from version ``old`` to version ``new`` of a procedure."""
    return diff_definitions(definition_of(get_version(code, old)), definition_of(get_version(code, new)))


def not_in_force_reason(procedure: Procedure, today: date | None = None) -> str | None:
    """Why the procedure takes no new dossier today (None: it does)."""
    today = today or clock.now().date()
    if procedure.published_version() is None:
        return "Thủ tục chưa có phiên bản được công bố."
    if procedure.effective_from and today < procedure.effective_from:
        return f"Thủ tục có hiệu lực từ {procedure.effective_from:%d/%m/%Y}."
    if procedure.effective_to and today > procedure.effective_to:
        return f"Thủ tục hết hiệu lực từ {procedure.effective_to:%d/%m/%Y}."
    return None


_definitions: dict[tuple[int, int], ProcedureDefinition] = {}
_definitions_lock = threading.Lock()


def definition_of(version: ProcedureVersion) -> ProcedureDefinition:
    """The parsed definition of a version, read once per process."""
    key = (version.id, version.digest)
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

