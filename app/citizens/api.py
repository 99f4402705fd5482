"""REST API for other front ends of citizens: the public catalogue and online submission."""
from __future__ import annotations

from flask import Blueprint, request
from marshmallow import Schema
from werkzeug.exceptions import UnsupportedMediaType

from app.auth.services import field_errors
from app.citizens import catalogue, payments_api, rating
from app.citizens.schemas import (
    PublicProcedureSchema, RatingInSchema, RatingSchema, SubmissionSchema, SubmittedSchema, SupplementUploadSchema,
    upload_parts,
)
from app.core import limits
from app.core.api import load_json, parse_json
from app.core.bodies import MULTIPART
from app.core.errors import Invalid
from app.core.openapi import operation
from app.dossiers import online
from app.dossiers.schemas import PublicDossierSchema
from app.dossiers.services import Applicant
from app.dossiers.uploads import Upload

bp = Blueprint("citizens", __name__)
bp.register_blueprint(payments_api.bp)  # online payment (app/citizens/payments_api.py)


@bp.get("/public/procedures")
@operation(response=PublicProcedureSchema, many=True)
def public_procedures():
    """The procedures taking dossiers today (published, in force), with where and whether online; no login."""
    return PublicProcedureSchema(many=True).dump(catalogue.in_force())


@bp.post("/public/dossiers")
@limits.public("RATE_LIMIT_SUBMIT")
@operation(multipart=upload_parts("SubmissionSchema"), response=SubmittedSchema, status=201,
           errors=(404, 413, 415, 422, 429))
def submit():
    """Submit a dossier online with its files: status ``submitted``, until reception accepts it.

    ``multipart/form-data``: a part ``data`` holding the JSON of ``POST /dossiers`` with
    ``unit_code``, whose ``documents`` name their file (``{name, copies, file}``), and one part
    ``files`` per file (PDF, JPEG, PNG: the content decides, not the name). 413 too large,
    415 a file of another type, 422 a required document or its file missing (naming the
    field); nothing is kept on an error. Limited per client address (``RATE_LIMIT_SUBMIT``).
    """
    body, uploads = _load_upload(SubmissionSchema())
    dossier = online.submit(body["procedure_code"], Applicant(**body["applicant"]), body["documents"],
                            body["unit_code"], uploads)
    return SubmittedSchema().dump(dossier), 201


@bp.post("/public/dossiers/<code>/supplement")
@limits.public("RATE_LIMIT_SUBMIT")
@operation(multipart=upload_parts("SupplementUploadSchema"), response=PublicDossierSchema,
           errors=(404, 409, 413, 415, 422, 429))
def submit_supplement(code: str):
    """Send the documents reception asked for before accepting an online dossier.

    ``data`` = ``{secret, documents: [{name, copies, file}]}`` and the ``files``. A wrong
    secret is a 404, like an unknown code; 409 when the dossier does not wait for a supplement.
    """
    body, uploads = _load_upload(SupplementUploadSchema())
    return PublicDossierSchema().dump(online.supplement(code, body["secret"], body["documents"], uploads))


def _load_upload(schema: Schema) -> tuple[dict, list[Upload]]:
    """The ``data`` part validated by ``schema`` (422 naming the field), and the ``files`` parts."""
    if request.mimetype != MULTIPART:
        raise UnsupportedMediaType(f"Gửi hồ sơ dạng {MULTIPART}: phần 'data' (JSON) và các phần 'files'.")
    text = request.form.get("data")
    if not text:
        raise Invalid("Thiếu phần 'data' (JSON của hồ sơ).", field_errors({"data": "Cần phần 'data' dạng JSON."}))
    body = parse_json(text, "data")
    if not isinstance(body, dict):
        raise Invalid("Phần 'data' phải là một đối tượng JSON.", field_errors({"data": "Cần một đối tượng JSON."}))
    files = request.files.getlist("files")
    return schema.load(body), [Upload(part.filename or "", part.read()) for part in files]


@bp.post("/public/dossiers/<code>/rating")
@limits.public("RATE_LIMIT_LOOKUP")
@operation(body=RatingInSchema, response=RatingSchema, status=201, errors=(404, 409, 422, 429))
def rate(code: str):
    """Rate a finished dossier (result ready, returned or refused), once: 409 before the end or again.

    A wrong secret is a 404, like an unknown code. Limited per client address like the look-up.
    """
    body = load_json(RatingInSchema())
    return RatingSchema().dump(rating.rate(code, body["secret"], body["score"], body["comment"], "api")), 201
