"""REST API: reception, search, supplement, refusal, return and the public
look-up of dossiers ."""
from __future__ import annotations

from flask import Blueprint

from typing import Callable

from marshmallow import Schema

from app.core import limits
from app.core.api import load_json, load_query
from app.core.identity import current_user, require
from app.core.errors import Unauthorized
from app.core.openapi import operation
from app.dossiers import downloads, messages, services
from app.dossiers.schemas import (
    DossierQuerySchema, DossierSchema, DossierSummarySchema, MessageSchema, PublicDossierSchema, PublicQuerySchema,
    ReceiptSchema, ReceiveSchema, RefuseSchema, ReturnSchema, SupplementRequestSchema, SupplementSchema,
)
from app.tasks.schemas import TaskSchema



bp = Blueprint("dossiers", __name__)

@bp.post("/dossiers")
@limits.public("RATE_LIMIT_SUBMIT")
@operation(body=ReceiveSchema, response=ReceiptSchema, status=201, errors=(404, 429), optional_auth=True)
def receive():
    """Receive a dossier: complete, it gets its code, deadline and first steps.

    A document the catalogue marks required and not among ``documents`` is a 422
    (field ``documents``, naming it). With ``"complete": false`` a receptionist records
    the dossier as incomplete instead: status ``awaiting_documents``, a code and form 02
    listing the required documents not brought and ``missing``; no step, no deadline
    until ``POST /dossiers/{code}/documents-complete``.

    A receptionist receives at the counter (or keys in an online dossier) for their
    own unit. Without a token only ``channel: "online"`` is accepted, and
    ``unit_code`` names the receiving unit; such calls are limited per client
    address (``RATE_LIMIT_SUBMIT``, by default 10 an hour): 429 with Retry-After.
    """
    actor = current_user()
    body = load_json(ReceiveSchema())
    if actor is None and body["channel"] != "online":
        raise Unauthorized("Hồ sơ nộp trực tiếp do công chức Một cửa tiếp nhận: cần đăng nhập.")
    dossier = services.receive(actor, body["procedure_code"], services.Applicant(**body["applicant"]),
                               body["documents"], body["channel"], body["unit_code"],
                               None if body["complete"] else body["missing"])
    return ReceiptSchema().dump(dossier), 201


@bp.get("/dossiers")
@require()
@operation(query=DossierQuerySchema, response=DossierSummarySchema, many=True, errors=(404,))
def search():
    """Dossiers the caller's unit received or has a step of (supervisors: all), newest first."""
    query = load_query(DossierQuerySchema())
    dossiers = services.search(current_user(), query.get("status"), query.get("unit"), query.get("late"),
                               query.get("q"), query["limit"], query["offset"])
    return DossierSummarySchema(many=True).dump(dossiers)


@bp.get("/dossiers/<code>")
@require()
@operation(response=DossierSchema, errors=(404,))
def get_dossier(code: str):
    """A dossier with its applicant, documents, open tasks and history."""
    return DossierSchema().dump(services.get_for(current_user(), code))


@bp.get("/dossiers/<code>/tasks")
@require()
@operation(response=TaskSchema, many=True, errors=(404,))
def dossier_tasks(code: str):
    """Every step of a dossier so far, open or done, with its timeliness."""
    return TaskSchema(many=True).dump(services.tasks_of(services.get_for(current_user(), code)))


@bp.get("/dossiers/<code>/forms/<form>")
@require()
@operation(media_type="application/pdf", errors=(404, 409))
def dossier_form(code: str, form: str):
    """A printed form of a dossier, as PDF (A5).

    ``form``: ``receipt`` (01), ``supplement`` (02, once a supplement was asked for), ``refusal``
    (03, once refused), ``apology`` (04), ``control-slip`` (05) or ``fee-receipt``. A form the
    dossier has no reason for yet is a 409.
    """
    user = current_user()
    return downloads.form_response(services.get_for(user, code), form, user)


@bp.post("/dossiers/<code>/messages/<name>")
@require()
@operation(body=MessageSchema, response=DossierSchema, errors=(404, 409))
def deliver_message(code: str, name: str):
    """Deliver the named message a dossier waits for (an inter-agency reply from another system).

    Staff of the receiving unit or of a unit with an open step, and admins, may send it;
    ``payload`` (≤ 50 plain values, texts ≤ 2000 characters) becomes the workflow's data.
    409 if the dossier is not waiting for that message.
    """
    body = load_json(MessageSchema())
    return DossierSchema().dump(messages.deliver(current_user(), code, name, body["payload"]))


def _reception_action(path: str, schema: type[Schema], field: str, action: Callable, summary: str) -> None:
    """Register ``POST /dossiers/<code>/<path>``: a receptionist's action on a dossier
    of their unit, given ``field`` of a ``schema`` body; it answers the dossier."""

    def view(code: str):
        body = load_json(schema())
        return DossierSchema().dump(action(current_user(), code, body[field]))

    view.__name__, view.__doc__ = path.replace("-", "_"), summary
    documented = operation(body=schema, response=DossierSchema, errors=(404, 409))(view)
    bp.post(f"/dossiers/<code>/{path}")(require("receptionist")(documented))


_reception_action("supplement-request", SupplementRequestSchema, "note", services.request_supplement,
                  "Ask the citizen, once and completely, for the missing documents: the clock stops.")
_reception_action("supplement", SupplementSchema, "documents", services.record_supplement,
                  "Record the documents brought: the deadline is counted again from zero.")
_reception_action("documents-complete", SupplementSchema, "documents", services.complete_documents,
                  "Record the documents an incomplete dossier waited for: it is received now, its steps start "
                  "and the legal deadline counts from this moment.")
_reception_action("refuse", RefuseSchema, "reason", services.refuse, "Refuse the dossier, with the reason.")
_reception_action("return", ReturnSchema, "note", services.return_result, "Hand the result back to the citizen.")


@bp.get("/public/dossiers/<code>")
@limits.public("RATE_LIMIT_LOOKUP")
@operation(query=PublicQuerySchema, response=PublicDossierSchema, errors=(404, 429))
def public_lookup(code: str):
    """Where a dossier is, for the citizen holding its code and secret; no login.

    Shows the status, the steps in progress, the appointment and the timeliness;
    of the applicant only a masked name. A wrong secret is a 404, like an unknown code.
    Look-ups are limited per client address (``RATE_LIMIT_LOOKUP``, by default 20 a
    minute), right or wrong: 429 with Retry-After.
    """
    return PublicDossierSchema().dump(services.lookup(code, load_query(PublicQuerySchema())["secret"]))
