"""REST API: the procedure catalogue, BPMN upload and publication (registered on app.core.api.api)."""
from __future__ import annotations

from typing import Any

from flask import request

from app.core.api import api, authenticated, check_text, current_user, load_json, parse_json
from app.core.errors import Invalid
from app.core.openapi import operation
from app.procedures import services
from app.procedures.schemas import ProcedureInSchema, ProcedureSchema, ProcedureSummarySchema, VersionSchema

AUTHORS = ("analyst", "admin")
#: multipart fields whose value is JSON text
JSON_PARTS = ("fee", "documents", "forms")


@api.get("/procedures")
@authenticated()
@operation(response=ProcedureSummarySchema, many=True)
def list_procedures():
    """The catalogue, each with its published version (else its newest draft)."""
    return ProcedureSummarySchema(many=True).dump(services.list_procedures())


@api.get("/procedures/<code>")
@authenticated()
@operation(response=ProcedureSchema, errors=(404,))
def get_procedure(code: str):
    """A procedure with its versions, documents, fee and steps."""
    return ProcedureSchema().dump(services.get_procedure(code))


@api.post("/procedures")
@authenticated(*AUTHORS)
@operation(body=ProcedureInSchema, response=VersionSchema, status=201, multipart=True)
def create_procedure():
    """Upload a procedure's BPMN as a new draft version.

    Camunda 7 and SpiffArena BPMN are both accepted (CONTRACT.md §1). A BPMN that
    cannot be accepted is a 422 whose ``errors`` name the element and line at fault;
    nothing is stored then.
    """
    body = ProcedureInSchema().load(_multipart_body()) if _is_multipart() else load_json(ProcedureInSchema())
    xml, forms = body.pop("bpmn_xml"), body.pop("forms")
    version = services.create_version(current_user(), body, xml, forms)
    return VersionSchema().dump(version), 201


@api.post("/procedures/<code>/versions/<int:number>/publish")
@authenticated(*AUTHORS)
@operation(response=VersionSchema, errors=(404, 409))
def publish_version(code: str, number: int):
    """Publish a draft version: new dossiers start on it, the previous published version retires."""
    return VersionSchema().dump(services.publish(current_user(), code, number))


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
