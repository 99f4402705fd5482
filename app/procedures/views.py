"""The public, read-only catalogue of administrative procedures (TTHC)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from app.auth.services import list_roles, list_units
from app.core.web import bpmn_response
from app.procedures.models import Procedure, ProcedureVersion
from app.procedures.services import definition_of, get_procedure, list_procedures

bp = Blueprint("procedures", __name__)

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
    return render_template("procedures/list.html", procedures=published_procedures())


@bp.get("/thu-tuc/<code>")
def detail(code: str):
    version = _published_version(code)
    return render_template("procedures/detail.html", procedure=version.procedure, version=version,
                           steps=_steps(version))


@bp.get("/thu-tuc/<code>/so-do.bpmn")
def diagram(code: str):
    return bpmn_response(_published_version(code).bpmn_xml)
