"""The public, read-only catalogue of administrative procedures (TTHC), and the
analysts' modeler page with the small session-authenticated JSON routes it calls
(the REST API takes bearer tokens; these take the session cookie and a CSRF header).
"""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from app.auth.services import list_roles, list_units
from app.calendar.workdays import LimitError, parse_limit
from app.core.errors import AppError, Conflict, Invalid, NotFound
from app.dossiers.timeliness import LABELS as TIMELINESS_LABELS
from app.core.web import MenuItem, bpmn_response
from app.core.identity import current_user, require
from app.procedures import services, testruns
from app.procedures.models import Procedure, ProcedureVersion
from app.procedures.schemas import TestRunSchema
from app.procedures.services import LEVELS, definition_of, get_procedure, list_procedures

bp = Blueprint("procedures", __name__)
MENU = (MenuItem("procedures.modeler_new", "Soạn quy trình", ("analyst", "admin"), order=60),
        MenuItem("procedures.catalogue", "Thủ tục hành chính", None, order=90))

LEVEL_LABELS = {"commune": "Cấp xã", "district": "Cấp huyện", "province": "Cấp tỉnh", "central": "Cấp trung ương"}
UNIT_KIND_LABELS = {
    "province": "UBND cấp tỉnh", "district": "UBND cấp huyện", "commune": "UBND cấp xã",
    "police": "Công an", "social_insurance": "Bảo hiểm xã hội",
}
RECEIVING_UNIT = "Đơn vị tiếp nhận hồ sơ"


def published_procedures() -> list[Procedure]:
    """The procedures that take dossiers now: those with a published version."""
    return [p for p in list_procedures() if p.published_version() is not None]


def _published_version(code: str) -> ProcedureVersion:
    version = get_procedure(code).published_version()
    if version is None:
        abort(404)
    return version


def _steps(version: ProcedureVersion) -> list[dict]:
    """Who does each step, in how long, in which unit: "rõ người, rõ việc, rõ thời gian"."""
    roles = {role.code: role.name for role in list_roles()}
    units = {unit.code: unit.name for unit in list_units()}
    return [{
        "name": task.name, "role": roles.get(task.role, task.role), "limit": str(task.time_limit),
        "unit": (units.get(task.unit) or UNIT_KIND_LABELS.get(task.unit, task.unit)) if task.unit else RECEIVING_UNIT,
    } for task in definition_of(version).user_tasks.values()]


@bp.app_template_filter("level")
def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


@bp.get("/thu-tuc")
def catalogue():
    procedures = published_procedures()
    flags = {p.code: services.not_in_force_reason(p) for p in procedures}
    return render_template("procedures/list.html", procedures=procedures, not_in_force=flags)


@bp.get("/thu-tuc/<code>")
def detail(code: str):
    version = _published_version(code)
    return render_template("procedures/detail.html", procedure=version.procedure, version=version,
                           steps=_steps(version), not_in_force=services.not_in_force_reason(version.procedure))


VERSION_STATUS = {"draft": ("Bản nháp", "muted"), "published": ("Đang áp dụng", "ok"),
                  "retired": ("Ngừng áp dụng", "warn")}


@bp.app_template_filter("version_status")
def version_status(status: str) -> tuple[str, str]:
    return VERSION_STATUS.get(status, (status, "muted"))


@bp.get("/thu-tuc/<code>/phien-ban/<int:old>/so-sanh/<int:new>")
@require("analyst", "admin")
def version_diff(code: str, old: int, new: int):
    """What changed between two versions, for the analyst who publishes the newer one."""
    try:
        changes = services.diff_versions(code, old, new)
    except NotFound:
        abort(404)
    return render_template("procedures/diff.html", procedure=get_procedure(code), old=old, new=new, changes=changes)


@bp.post("/thu-tuc/<code>/phien-ban/<int:number>/ngung")
@require("analyst", "admin")
def retire_version(code: str, number: int):
    """Retire a published version: no new dossiers; running ones finish on it."""
    try:
        services.retire(current_user(), code, number)
        flash(f"Đã ngừng áp dụng phiên bản {number}; hồ sơ đang chạy vẫn giải quyết tiếp theo phiên bản này.", "success")
    except AppError as error:
        flash(error.detail, "error")
    return redirect(url_for("procedures.detail", code=code) if _has_published(code) else url_for("procedures.catalogue"))


def _has_published(code: str) -> bool:
    return get_procedure(code).published_version() is not None


@bp.get("/thu-tuc/<code>/so-do.bpmn")
def diagram(code: str):
    return bpmn_response(_published_version(code).bpmn_xml)


# --- The modeler (Soạn quy trình) -------------------------------------------------

AUTHORS = ("analyst", "admin")
CATALOGUE_KEYS = ("code", "name", "field", "level", "legal_limit", "effective_from", "effective_to")


def json_answer(view):
    """Answer a service's refusal as JSON ``{detail, errors}`` with its status, not as an HTML page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except AppError as error:
            return jsonify(detail=error.detail, errors=error.errors or []), error.status

    return wrapper


def _catalogue_fields(procedure: Procedure | None) -> dict[str, Any]:
    """The catalogue fields as the modeler page edits them."""
    if procedure is None:
        return {"level": "commune", "fee": {"amount": 0, "description": ""}, "documents": []}
    values = {key: getattr(procedure, key) for key in CATALOGUE_KEYS}
    for key in ("effective_from", "effective_to"):
        values[key] = values[key].isoformat() if values[key] else ""
    return {**values, "fee": {"amount": procedure.fee_amount, "description": procedure.fee_description},
            "documents": procedure.documents}


def _editor(procedure: Procedure | None):
    """The modeler page; a procedure opens its latest version (a published one is saved as a new draft)."""
    latest = procedure.latest_version() if procedure else None
    data = {
        "catalogue": _catalogue_fields(procedure),
        "bpmn_xml": latest.bpmn_xml if latest else render_template("procedures/new-diagram.bpmn"),
        "version": _version_answer(latest) if latest else None,
        "timeliness_labels": TIMELINESS_LABELS,
        "urls": {"roles": url_for("procedures.modeler_roles"), "check": url_for("procedures.modeler_check"),
                 "save": url_for("procedures.modeler_save")},
    }
    unit_choices = [(unit.code, unit.name) for unit in list_units()] + list(UNIT_KIND_LABELS.items())
    return render_template("procedures/modeler.html", procedure=procedure, version=latest, data=data,
                           levels=[(level, LEVEL_LABELS[level]) for level in LEVELS], unit_choices=unit_choices)


@bp.get("/thu-tuc/soan")
@require(*AUTHORS)
def modeler_new():
    return _editor(None)


@bp.get("/thu-tuc/<code>/soan")
@require(*AUTHORS)
def modeler_edit(code: str):
    return _editor(get_procedure(code))


@bp.get("/thu-tuc/soan/vai-tro")
@require(*AUTHORS)
def modeler_roles():
    """The role table, for the modeler's role dropdown."""
    return jsonify([{"code": role.code, "name": role.name} for role in list_roles()])


def _posted() -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The page's JSON body: ``{catalogue, bpmn_xml, forms}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("bpmn_xml"), str):
        raise Invalid("Cần gửi sơ đồ BPMN.", [{"field": "bpmn_xml", "message": "Thiếu sơ đồ BPMN."}])
    catalogue = body.get("catalogue") if isinstance(body.get("catalogue"), dict) else {}
    forms = body.get("forms") if isinstance(body.get("forms"), dict) else {}
    return catalogue, body["bpmn_xml"], forms


def _check_report(legal_limit: str, xml: str, forms: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The diagram's errors and warnings against this instance; a wrong legal limit is an error
    of its field (and the path is then not measured against it)."""
    field_errors = []
    try:
        parse_limit(legal_limit)
    except LimitError:
        field_errors = [{"field": "legal_limit", "message": "Thời hạn giải quyết có dạng 3d, 4h hoặc 0d."}]
    report = services.inspect_bpmn(xml.encode("utf-8"), forms, None if field_errors else legal_limit).to_dict()
    return {"errors": field_errors + report["errors"], "warnings": report["warnings"]}


@bp.post("/thu-tuc/soan/kiem-tra")
@require(*AUTHORS)
@json_answer
def modeler_check():
    """Check a diagram without storing it → ``{errors: [{element_id, line, message}], warnings: [..]}``."""
    catalogue, xml, forms = _posted()
    return jsonify(_check_report(str(catalogue.get("legal_limit") or ""), xml, forms))


@bp.post("/thu-tuc/soan/luu")
@require(*AUTHORS)
@json_answer
def modeler_save():
    """Store a new procedure with its first draft; an existing code is refused, so that a
    "new procedure" page never overwrites another procedure's catalogue entry."""
    catalogue, xml, forms = _posted()
    code = str(catalogue.get("code") or "").strip()
    if code and _exists(code):
        raise Conflict(f"Đã có thủ tục mã '{code}'.",
                       [{"field": "code", "message": "Mã này đã được dùng; hãy mở trang soạn của thủ tục đó."}])
    return jsonify(_version_answer(services.create_version(current_user(), catalogue, xml, forms))), 201


@bp.post("/thu-tuc/<code>/luu")
@require(*AUTHORS)
@json_answer
def modeler_new_draft(code: str):
    """Store the page as a new draft of an existing procedure (its latest version is not a draft)."""
    catalogue, xml, forms = _posted()
    get_procedure(code)
    version = services.create_version(current_user(), {**catalogue, "code": code}, xml, forms)
    return jsonify(_version_answer(version)), 201


def _exists(code: str) -> bool:
    try:
        get_procedure(code)
    except NotFound:
        return False
    return True


@bp.post("/thu-tuc/<code>/phien-ban/<int:number>/luu")
@require(*AUTHORS)
@json_answer
def modeler_update(code: str, number: int):
    """Save over a draft, catalogue and diagram together; the code never changes."""
    catalogue, xml, forms = _posted()
    changes = {key: value for key, value in catalogue.items() if key != "code"}
    return jsonify(_version_answer(services.save_draft(current_user(), code, number, changes, xml, forms)))


@bp.post("/thu-tuc/<code>/phien-ban/<int:number>/cong-bo")
@require(*AUTHORS)
@json_answer
def modeler_publish(code: str, number: int):
    """Publish a draft: new dossiers start on it."""
    return jsonify(_version_answer(services.publish(current_user(), code, number)))


def _version_answer(version: ProcedureVersion) -> dict[str, Any]:
    """A version as the page keeps it: its state and the URLs of what can be done with it."""
    code, number = version.procedure.code, version.number
    return {"code": code, "version": number, "status": version.status,
            "warnings": [warning.to_dict() for warning in version.check_warnings],
            "edit_url": url_for("procedures.modeler_edit", code=code),
            "save_url": url_for("procedures.modeler_update", code=code, number=number),
            "new_draft_url": url_for("procedures.modeler_new_draft", code=code),
            "publish_url": url_for("procedures.modeler_publish", code=code, number=number),
            "test_run_url": url_for("procedures.test_run_start", code=code, number=number),
            "detail_url": url_for("procedures.detail", code=code)}


# --- Test runs: a sandbox dossier clicked through from the modeler ---------------------

def _run_answer(dossier) -> dict[str, Any]:
    """The path taken, the open steps with their forms and due dates (the API's TestRunSchema)."""
    answer = TestRunSchema().dump(dossier)
    for step in answer["open_steps"]:
        step["complete_url"] = url_for("procedures.test_run_step", run=dossier.code, task_id=step["task_id"])
    return {**answer, "delete_url": url_for("procedures.test_run_delete", run=dossier.code)}


@bp.post("/thu-tuc/<code>/phien-ban/<int:number>/chay-thu")
@require(*AUTHORS)
@json_answer
def test_run_start(code: str, number: int):
    return jsonify(_run_answer(testruns.start(current_user(), code, number))), 201


@bp.post("/thu-tuc/chay-thu/<run>/buoc/<int:task_id>")
@require(*AUTHORS)
@json_answer
def test_run_step(run: str, task_id: int):
    """Complete an open step of one's test run with ``{data}``."""
    body = request.get_json(silent=True)
    data = body.get("data") if isinstance(body, dict) else None
    return jsonify(_run_answer(testruns.complete(current_user(), run, task_id, data or {}).dossier))


@bp.post("/thu-tuc/chay-thu/<run>/xoa")
@require(*AUTHORS)
@json_answer
def test_run_delete(run: str):
    testruns.remove(current_user(), run)
    return jsonify(deleted=run)
