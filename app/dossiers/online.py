"""Online submission and its reception: the citizen sends, reception accepts, asks once, or refuses.

An online dossier arrives ``submitted``: it has a code and a look-up secret, its documents and
their files, but it is not received yet, so it has no deadline, no clock and no workflow, and no
sweep, inbox or report counts it.  Reception then either accepts it (``received``: the legal
deadline counts from that moment and the workflow starts, exactly as at the counter), asks the
citizen once for a supplement (``awaiting_supplement`` before acceptance: still no clock; the
citizen uploads through the secret link and the dossier is ``submitted`` again), or refuses it
(``services.refuse``, form 03).

The two ``awaiting_supplement`` are kept apart by :func:`services.before_acceptance`: one asked
during processing has a deadline and a running workflow, one asked before acceptance has neither.
"""
from __future__ import annotations

from typing import Any

from app import clock
from app.auth.models import User
from app.auth.services import field_errors
from app.core.errors import Conflict, Invalid
from app.dossiers import files, searchtext, services, workflow
from app.dossiers.models import Dossier, DossierDocument
from app.dossiers.services import Applicant
from app.dossiers.uploads import Upload, check_files
from app.procedures.models import Procedure
from app.settings import get_settings


def submit(procedure_code: str, applicant: Applicant, documents: list[dict[str, Any]], unit_code: str,
           uploads: list[Upload]) -> Dossier:
    """File a dossier sent online with its files: ``submitted``, waiting for reception.

    Every check runs before anything is written (who, what, which files, their content), and
    the rows and the stored files are kept together or not at all: :func:`files.attach` takes
    back what it stored when the transaction does not commit.
    """
    _refuse_markup(applicant, documents)
    version, unit = services.intake(None, procedure_code, applicant, documents, "online", unit_code)
    _check_named_files(documents, uploads, version.procedure)
    settings = get_settings()
    checked = check_files(uploads, settings.max_file_bytes, settings.max_dossier_bytes)
    now = clock.now()
    dossier = services.file_dossier(None, version, unit, applicant, documents, "online", now)
    services.await_acceptance(dossier, now)
    files.attach(dossier, checked, "submitted", None, documents=_linked(dossier.documents, documents, uploads))
    workflow.commit()
    return dossier


def accept(actor: User, code: str) -> Dossier:
    """Reception accepts a submitted dossier: it is received now, its legal deadline counts from
    this moment and its workflow starts; the usual ``received`` line follows ``accepted``, so what
    follows a reception (receipt, notification, register) follows an acceptance too."""
    dossier = services.at_counter_of(actor, code)
    services.require_status(dossier, "submitted", action="tiếp nhận")
    now = clock.now()
    workflow.record(dossier, "accepted", actor, now, submitted_at=dossier.submitted_at.isoformat())
    dossier.received_by = actor
    services.start_processing(dossier, actor, now)
    workflow.commit()
    return dossier


def ask_supplement(actor: User, code: str, note: str) -> Dossier:
    """Ask the citizen for what is missing: before acceptance once only (the law's form 02, the
    citizen answers through the secret link, no clock runs); a dossier already received is asked
    as at the counter (:func:`services.request_supplement`, the clock stops)."""
    dossier = services.at_counter_of(actor, code)
    if dossier.status != "submitted":
        return services.request_supplement(actor, code, note)
    if dossier.supplement_asked_at is not None:
        raise Conflict(f"Hồ sơ {code} đã được yêu cầu bổ sung một lần; chỉ được yêu cầu bổ sung một lần "
                       "trước khi tiếp nhận: hãy tiếp nhận hoặc từ chối hồ sơ.")
    note = services.require_note(note)
    now = clock.now()
    dossier.status, dossier.supplement_note = "awaiting_supplement", note
    dossier.supplement_asked_at = dossier.updated_at = now
    workflow.record(dossier, "supplement_requested", actor, now, note=note, online=True)
    workflow.commit()
    return dossier


def supplement(code: str, secret: str, documents: list[dict[str, Any]], uploads: list[Upload]) -> Dossier:
    """The citizen sends what reception asked for, through the secret link: the files are kept
    with the dossier, which is ``submitted`` again for reception to accept (or refuse).

    A wrong secret is answered as an unknown code; a dossier not waiting for an online
    supplement is a 409.
    """
    dossier = services.lookup(code, secret)
    if not services.before_acceptance(dossier) or dossier.status != "awaiting_supplement":
        raise Conflict(f"Hồ sơ {code} không chờ bổ sung trực tuyến.")
    _refuse_markup(None, documents)
    services.check_reception(Applicant(dossier.applicant_name), documents, dossier.channel, dossier.receiving_unit)
    _check_named_files(documents, uploads, None)
    checked = files.check_for(dossier, uploads)
    now = clock.now()
    added = [services.document_row(document, now, as_supplement=True) for document in documents]
    dossier.documents.extend(added)
    files.attach(dossier, checked, "submitted", None, documents=_linked(added, documents, uploads))
    dossier.status, dossier.updated_at = "submitted", now
    workflow.record(dossier, "supplement_received", None, now, online=True,
                    documents=[document["name"] for document in documents], files=len(uploads))
    workflow.commit()
    return dossier


def _refuse_markup(applicant: Applicant | None, documents: list[dict[str, Any]]) -> None:
    """422 naming each field of a public submission that carries HTML markup (see searchtext.has_markup)."""
    typed = {f"applicant.{name}": value for name, value in vars(applicant).items()} if applicant else {}
    typed.update({f"documents[{index}].name": item.get("name") for index, item in enumerate(documents)})
    errors = {field: "Không được chứa thẻ HTML (ký tự < … >)." for field, value in typed.items()
              if isinstance(value, str) and searchtext.has_markup(value)}
    if errors:
        raise Invalid("Thông tin hồ sơ chứa mã HTML.", field_errors(errors))


def _check_named_files(documents: list[dict[str, Any]], uploads: list[Upload],
                       procedure: Procedure | None) -> None:
    """422 naming each field at fault: a document names a file not sent, two files share a
    name, two documents name one file, or (``procedure`` given) a document the catalogue
    requires comes without its file."""
    errors = _file_name_errors(uploads)
    named: dict[str, int] = {}
    for index, document in enumerate(documents):
        name = document.get("file")
        if name and name not in {upload.name for upload in uploads}:
            errors[f"documents[{index}].file"] = f"Không có tệp «{name}» trong các tệp gửi kèm."
        elif name and name in named:
            errors[f"documents[{index}].file"] = f"Tệp «{name}» đã gắn với giấy tờ khác."
        elif name:
            named[name] = index
    if procedure is not None:
        errors.update(_required_without_file(procedure, documents))
    if errors:
        raise Invalid("Giấy tờ hoặc tệp gửi kèm chưa hợp lệ.", field_errors(errors))


def _file_name_errors(uploads: list[Upload]) -> dict[str, str]:
    """Files are told apart by name: two with one name could not be matched to their documents."""
    seen, errors = set(), {}
    for upload in uploads:
        if upload.name in seen:
            errors["files"] = f"Hai tệp cùng tên «{upload.name}»: hãy đặt tên khác nhau."
        seen.add(upload.name)
    return errors


def _required_without_file(procedure: Procedure, documents: list[dict[str, Any]]) -> dict[str, str]:
    """Online, a required document is only there if its file is: the error names them all."""
    with_file = [document for document in documents if document.get("file")]
    missing = services.missing_required(procedure, with_file)
    if not missing:
        return {}
    return {"documents": "Chưa có tệp của giấy tờ bắt buộc: " + "; ".join(missing) + "."}


def _linked(rows: list[DossierDocument], documents: list[dict[str, Any]],
            uploads: list[Upload]) -> list[DossierDocument | None]:
    """For each upload, in order, the document row it is a copy of (None if no document names it);
    ``rows`` are the rows made from ``documents``, in the same order."""
    by_file = {document.get("file"): row for document, row in zip(documents, rows) if document.get("file")}
    return [by_file.get(upload.name) for upload in uploads]
