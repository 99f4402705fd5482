"""The public, read-only catalogue of administrative procedures (TTHC), and the
analysts' modeler page (which talks to the REST API itself, with the session
cookie and the CSRF header).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.auth.services import list_roles, list_units
from app.core.api import API_PREFIX
from app.core.errors import AppError, NotFound
from app.dossiers.timeliness import LABELS as TIMELINESS_LABELS
from app.core.web import MenuItem, bpmn_response
from app.core.identity import current_user, require
from app.procedures import services
from app.procedures.models import Procedure, ProcedureVersion
from app.procedures.schemas import VersionSchema
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
    """The modeler page; a procedure opens its latest version (a published one is saved as a new draft).

    The page saves, checks, publishes and runs tests through the REST API with the
    session cookie and the page's CSRF token, so it only needs to know where things are.
    """
    latest = procedure.latest_version() if procedure else None
    data = {
        "catalogue": _catalogue_fields(procedure),
        "bpmn_xml": latest.bpmn_xml if latest else render_template("procedures/new-diagram.bpmn"),
        "version": VersionSchema().dump(latest) if latest else None,
        "timeliness_labels": TIMELINESS_LABELS,
        "urls": {"api": request.script_root + API_PREFIX, "pages": url_for("procedures.catalogue")},
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
