"""REST API: the procedure catalogue, BPMN upload and publication ."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request
from marshmallow import Schema
from werkzeug.routing import BaseConverter

from app.core.api import check_text, load_json, parse_json
from app.core.identity import current_user, require
from app.core.errors import Conflict, Invalid, NotFound
from app.core.openapi import operation
from app.dossiers import testruns
from app.procedures import services
from app.procedures.schemas import (
    CataloguePatchSchema, CheckInSchema, CheckResultSchema, DiffSchema, DraftInSchema, ProcedureInSchema,
    ProcedureSchema, ProcedureSummarySchema, SavedVersionSchema, TestRunSchema, VersionSchema,
)
from app.tasks.schemas import CompleteSchema

AUTHORS = ("analyst", "admin")
#: multipart fields whose value is JSON text
JSON_PARTS = ("fee", "documents", "forms")


class ProcedureCode(BaseConverter):
    """A procedure's code in a path: any segment but the words the API uses there
    itself, so that ``/procedures/check`` is one resource with one set of methods
    (its ``Allow`` header then lists POST alone, as the document says)."""

    regex = r"(?!(?:%s)(?![^/]))[^/]+" % "|".join(map(re.escape, sorted(services.RESERVED_CODES)))


bp = Blueprint("procedures", __name__)
bp.record_once(lambda state: state.app.url_map.converters.setdefault("procedure_code", ProcedureCode))


@bp.get("/procedures")
@require()
@operation(response=ProcedureSummarySchema, many=True)
def list_procedures():
    """The catalogue, each with its published version (else its newest draft)."""
    return ProcedureSummarySchema(many=True).dump(services.list_procedures())


@bp.get("/procedures/<procedure_code:code>")
@require()
@operation(response=ProcedureSchema, errors=(404,))
def get_procedure(code: str):
    """A procedure with its versions, documents, fee and steps."""
    return ProcedureSchema().dump(services.get_procedure(code))


@bp.post("/procedures")
@require(*AUTHORS)
@operation(body=ProcedureInSchema, response=SavedVersionSchema, status=201, errors=(409, 413), multipart=True)
def create_procedure():
    """Upload a procedure's BPMN as a new draft version.

    Camunda 7 and SpiffArena BPMN are both accepted (CONTRACT.md §1). A BPMN that
    cannot be accepted is a 422 whose ``errors`` name the element and line at fault;
    nothing is stored then. On success the answer carries the check's ``warnings``.
    An existing code gets a new version, unless ``new_procedure`` is true (then 409).
    """
    body = _load_diagram_body(ProcedureInSchema())
    xml, forms = body.pop("bpmn_xml"), body.pop("forms")
    if body.pop("new_procedure"):
        _refuse_taken(body["code"])
    version = services.create_version(current_user(), body, xml, forms)
    return SavedVersionSchema().dump(version), 201


def _refuse_taken(code: str) -> None:
    """A "new procedure" (the modeler's blank page) must never add a version to,
    and rewrite the catalogue entry of, a procedure that already has this code."""
    try:
        services.get_procedure(code.strip())
    except NotFound:
        return
    raise Conflict(f"Đã có thủ tục mã '{code.strip()}'.",
                   [{"field": "code", "message": "Mã này đã được dùng; hãy mở trang soạn của thủ tục đó."}])


@bp.post("/procedures/check")
@require(*AUTHORS)
@operation(body=CheckInSchema, response=CheckResultSchema, errors=(413,))
def check_procedure():
    """Check a diagram without storing anything: errors and warnings, each on its element and line.

    Errors would make saving fail (422); warnings would not. With ``legal_limit`` the
    longest path's step limits are compared with it.
    """
    body = load_json(CheckInSchema())
    return services.inspect_bpmn(body["bpmn_xml"].encode(), body["forms"], body["legal_limit"]).to_dict()


@bp.patch("/procedures/<procedure_code:code>")
@require(*AUTHORS)
@operation(body=CataloguePatchSchema, response=ProcedureSchema, errors=(404,))
def update_procedure(code: str):
    """Change catalogue fields (name, field, level, legal limit, fee, documents, effective dates).

    Fields left out stay as they are; the code cannot change. A legal limit shorter than
    the steps of the version in use is a 422.
    """
    return ProcedureSchema().dump(services.update_catalogue(code, load_json(CataloguePatchSchema())))


@bp.get("/procedures/<code>/versions")
@require()
@operation(response=VersionSchema, many=True, errors=(404,))
def list_versions(code: str):
    """The versions of a procedure with their status, who created, published and retired each, and when."""
    return VersionSchema(many=True).dump(services.get_procedure(code).versions)


@bp.put("/procedures/<code>/versions/<int:number>")
@require(*AUTHORS)
@operation(body=DraftInSchema, response=SavedVersionSchema, errors=(404, 409, 413), multipart=True)
def update_version(code: str, number: int):
    """Replace a draft's diagram and forms, checked as on upload (409 once published or retired).

    Catalogue fields sent along (as in ``PATCH /procedures/{code}``) change in the same
    transaction: the catalogue first, so a longer legal limit can let the diagram pass;
    if anything is refused, nothing changes.
    """
    body = _load_diagram_body(DraftInSchema())
    xml, forms = body.pop("bpmn_xml"), body.pop("forms")
    return SavedVersionSchema().dump(services.save_draft(current_user(), code, number, body, xml, forms))


@bp.post("/procedures/<code>/versions/<int:number>/publish")
@require(*AUTHORS)
@operation(response=VersionSchema, errors=(404, 409))
def publish_version(code: str, number: int):
    """Publish a draft version: new dossiers start on it, the previous published version retires."""
    return VersionSchema().dump(services.publish(current_user(), code, number))


@bp.post("/procedures/<code>/versions/<int:number>/retire")
@require(*AUTHORS)
@operation(response=VersionSchema, errors=(404, 409))
def retire_version(code: str, number: int):
    """Retire the published version: it takes no new dossiers; dossiers running on it go on (409 unless published)."""
    return VersionSchema().dump(services.retire(current_user(), code, number))


@bp.get("/procedures/<code>/versions/<int:old>/diff/<int:new>")
@require()
@operation(response=DiffSchema, errors=(404,))
def diff_versions(code: str, old: int, new: int):
    """What changed from version ``old`` to version ``new``: elements added, removed and changed.

    Changed fields are among type, name, source, target, condition, role, time_limit, unit
    and form (a line per field: ``id: type, bắt buộc, min–max, options``).
    """
    return services.diff_versions(code, old, new)


@bp.post("/procedures/<code>/versions/<int:number>/test-runs")
@require(*AUTHORS)
@operation(response=TestRunSchema, status=201, errors=(404,))
def start_test_run(code: str, number: int):
    """Start a test run (sandbox dossier) on a draft or published version, received by the caller's unit.

    Its code is ``THU-<YYMMDD>-<NNNN>`` from a counter of its own; it appears in no search,
    inbox, deadline sweep, register or public look-up.
    """
    return TestRunSchema().dump(testruns.start(current_user(), code, number)), 201


@bp.get("/test-runs/<code>")
@require(*AUTHORS)
@operation(response=TestRunSchema, errors=(404,))
def get_test_run(code: str):
    """A test run of the caller's: the path taken (done steps with data and timeliness) and the open steps."""
    return TestRunSchema().dump(testruns.get(current_user(), code))


@bp.post("/test-runs/<code>/tasks/<int:task_id>/complete")
@require(*AUTHORS)
@operation(body=CompleteSchema, response=TestRunSchema, errors=(404, 409))
def complete_test_step(code: str, task_id: int):
    """Complete any open step of one's own test run (no role check; the form is validated as usual)."""
    body = load_json(CompleteSchema())
    task = testruns.complete(current_user(), code, task_id, body["data"])
    return TestRunSchema().dump(task.dossier)


@bp.delete("/test-runs/<code>")
@require(*AUTHORS)
@operation(status=204, errors=(404,))
def delete_test_run(code: str):
    """Delete a test run with its steps and history."""
    testruns.remove(current_user(), code)
    return "", 204


def _load_diagram_body(schema: Schema) -> dict[str, Any]:
    """The JSON body, or the multipart upload read as one."""
    return schema.load(_multipart_body()) if _is_multipart() else load_json(schema)


def _is_multipart() -> bool:
    return request.mimetype == "multipart/form-data"


def _multipart_body() -> dict[str, Any]:
    """The multipart upload as the JSON body would be: the BPMN from the ``file`` part,
    form schema files from ``forms`` parts, object-valued fields as JSON text."""
    body: dict[str, Any] = {key: value for key, value in request.form.items() if value != ""}
    for key in JSON_PARTS:
        if key in body:
            body[key] = parse_json(body[key], key)
    uploaded = request.files.get("file")
    if uploaded is None:
        raise Invalid("Cần gửi tệp BPMN ở phần 'file'.", [{"field": "file", "message": "Thiếu tệp BPMN."}])
    body["bpmn_xml"] = _utf8(uploaded.read(), "file")
    forms = body.setdefault("forms", {})
    if isinstance(forms, dict):
        for part in request.files.getlist("forms"):
            forms[part.filename or ""] = parse_json(_utf8(part.read(), "forms"), f"forms.{part.filename}")
    check_text(body, "_body")
    return body


def _utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("Tệp phải được mã hóa UTF-8.", [{"field": name, "message": "not UTF-8"}]) from None
