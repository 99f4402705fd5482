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
from app.dossiers import downloads, filehttp, files, messages, online, payments, services
from app.dossiers.schemas import (
    FILE_UPLOAD_PARTS, DossierFileSchema, DossierQuerySchema, DossierSchema, DossierSummarySchema, FilesQuerySchema,
    MessageSchema, PaymentInSchema, PaymentSchema,
    PublicDossierSchema, PublicQuerySchema,
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
    own unit. Without a token only ``channel: "online"`` is accepted, ``unit_code``
    names the receiving unit, and the dossier is ``submitted`` (no deadline until reception
    accepts it; files come with ``POST /public/dossiers``); such calls are limited per client
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


@bp.get("/dossiers/<code>/files")
@limits.public("RATE_LIMIT_LOOKUP")
@operation(query=FilesQuerySchema, response=DossierFileSchema, many=True, errors=(404, 429), optional_auth=True)
def dossier_files(code: str):
    """The files of a dossier: its components (uploaded or scanned) and its electronic results.

    Staff who see the dossier get them all. Without a token, the citizen sends the
    ``secret`` printed on the receipt and gets the components, and the results once the
    dossier is ready to be returned; a wrong secret is a 404, like an unknown code
    (limited per client address like the public look-up).
    """
    secret = load_query(FilesQuerySchema()).get("secret")
    return DossierFileSchema(many=True).dump(files.listing(current_user(), code, secret))


@bp.get("/dossiers/<code>/files/<int:file_id>")
@limits.public("RATE_LIMIT_LOOKUP")
@operation(query=FilesQuerySchema, media_type="application/octet-stream", errors=(404, 429), optional_auth=True)
def dossier_file(code: str, file_id: int):
    """One file of a dossier, as a download (its type: PDF, JPEG or PNG); who may: as for the list."""
    secret = load_query(FilesQuerySchema()).get("secret")
    return filehttp.file_response(files.one(current_user(), code, file_id, secret))


@bp.post("/dossiers/<code>/files")
@require("receptionist")
@operation(multipart=FILE_UPLOAD_PARTS, response=DossierFileSchema, many=True, status=201,
           errors=(404, 409, 413, 415))
def scan_files(code: str):
    """Attach scans of paper components (digitisation), by a receptionist of the receiving unit.

    ``multipart/form-data``: one part ``files`` per file (PDF, JPEG or PNG: the content decides),
    and ``document``, the id of the component they are a copy of (optional). 413 a file or the
    dossier's files over the limits, 415 another type, 422 an empty, damaged or active file.
    """
    rows = files.scan(current_user(), code, filehttp.request_uploads(), filehttp.document_choice())
    return DossierFileSchema(many=True).dump(rows), 201


@bp.post("/dossiers/<code>/results")
@require()
@operation(multipart=FILE_UPLOAD_PARTS, response=DossierFileSchema, many=True, status=201,
           errors=(404, 409, 413, 415))
def attach_results(code: str):
    """Attach the electronic result, by staff of the receiving unit or of a unit with a step of it.

    ``multipart/form-data``: one part ``files`` per file. The dossier must be received, in
    progress or ready to return (else 409); the citizen sees the result once it is ready.
    """
    rows = files.attach_results(current_user(), code, filehttp.request_uploads())
    return DossierFileSchema(many=True).dump(rows), 201


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


_reception_action("supplement-request", SupplementRequestSchema, "note", online.ask_supplement,
                  "Ask the citizen, once and completely, for the missing documents: the clock stops "
                  "(a dossier submitted online and not accepted yet: asked once only, no clock runs).")
_reception_action("supplement", SupplementSchema, "documents", services.record_supplement,
                  "Record the documents brought: the deadline is counted again from zero.")
_reception_action("documents-complete", SupplementSchema, "documents", services.complete_documents,
                  "Record the documents an incomplete dossier waited for: it is received now, its steps start "
                  "and the legal deadline counts from this moment.")
_reception_action("refuse", RefuseSchema, "reason", services.refuse, "Refuse the dossier, with the reason.")


@bp.post("/dossiers/<code>/return")
@require("receptionist")
@operation(body=ReturnSchema, response=DossierSchema, errors=(404, 409))
def return_result(code: str):
    """Hand the result back: at the counter (``method: "counter"``, the default) or by post
    (``method: "post"`` with the postal ``tracking_number``, else 422 naming it). 409 unless
    the dossier is ``ready_for_return``."""
    body = load_json(ReturnSchema())
    return DossierSchema().dump(services.return_result(current_user(), code, body["note"], body["method"],
                                                       body["tracking_number"]))


@bp.get("/dossiers/<code>/payments")
@require()
@operation(response=PaymentSchema, many=True, errors=(404,))
def dossier_payments(code: str):
    """The fees of a dossier, oldest first: those paid with their receipt number, and online orders."""
    return PaymentSchema(many=True).dump(payments.payments_of(current_user(), code))


@bp.post("/dossiers/<code>/payments")
@require("receptionist")
@operation(body=PaymentInSchema, response=PaymentSchema, status=201, errors=(404, 409))
def record_payment(code: str):
    """Record a fee taken at the counter (cash, transfer, or online by other means), by a receptionist
    of the receiving unit: it is paid at once and takes the next number of the unit's receipt book
    (``<agency code>/<year>/<0000001>``), which the fee receipt (``forms/fee-receipt``) prints.
    ``payer`` defaults to the applicant. 409 for a refused dossier, or one not received."""
    body = load_json(PaymentInSchema())
    payment = payments.record_payment(current_user(), code, body["amount"], body["method"], body["payer"])
    return PaymentSchema().dump(payment), 201


@bp.post("/dossiers/<code>/accept")
@require("receptionist")
@operation(response=DossierSchema, errors=(404, 409))
def accept(code: str):
    """Accept a dossier submitted online: it is received now, its steps start and the legal
    deadline counts from this moment. 409 unless its status is ``submitted``."""
    return DossierSchema().dump(online.accept(current_user(), code))


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
