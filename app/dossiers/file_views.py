"""The files section of the staff dossier page: the list, the downloads, and the two
upload forms (a scan of a paper component at the counter; the electronic result).

Registered on the dossiers' blueprint by :func:`register` (app/dossiers/views.py), so
that these routes sit beside the dossier page without a module of pages of their own.
An upload refused (type, size, content) is flashed with each file's problem and the
page shown again: nothing was kept.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, url_for

from app.auth.models import User
from app.core.errors import AppError
from app.core.identity import current_user, require
from app.dossiers import filehttp, files, services
from app.dossiers.models import Dossier, DossierDocument, DossierFile

KIND_LABELS = {"submitted": "Thành phần hồ sơ", "result": "Kết quả"}
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "Ảnh JPEG", "image/png": "Ảnh PNG"}


@dataclass(frozen=True)
class FileSection:
    """What the section shows to one user."""

    rows: list[DossierFile]
    documents: list[DossierDocument]
    can_scan: bool
    can_attach_results: bool


def file_section(dossier: Dossier) -> FileSection:
    """The template's view of the dossier's files (a template global: the page's own
    context stays the dossier page's)."""
    user: User = current_user()
    return FileSection(
        rows=files.files_of(dossier), documents=list(dossier.documents),
        can_scan=files.may_scan(user, dossier) and dossier.status not in files.FINISHED,
        can_attach_results=files.may_attach_results(user, dossier) and dossier.status in files.RESULT_STATUSES,
    )


@require()
def download(code: str, file_id: int):
    """A file of a dossier the user sees, as a download."""
    return filehttp.file_response(files.one(current_user(), code, file_id, None))


@require("receptionist")
def upload_scan(code: str):
    return _uploaded(code, lambda: files.scan(current_user(), code, filehttp.request_uploads(),
                                              filehttp.document_choice()), "bản quét")


@require()
def upload_results(code: str):
    return _uploaded(code, lambda: files.attach_results(current_user(), code, filehttp.request_uploads()),
                     "kết quả")


def _uploaded(code: str, action, what: str):
    """Run the upload; a refusal is flashed file by file (the dossier page is shown again)."""
    services.get_for(current_user(), code)  # an unseen dossier is a 404 before anything else
    try:
        rows = action()
    except AppError as error:
        if error.status in (403, 404):
            raise
        flash(" ".join([error.detail, *(item["message"] for item in error.errors or [] if item["message"]
                                         not in error.detail)]), "error")
    else:
        flash(f"Đã lưu {len(rows)} tệp {what}: " + ", ".join(row.name for row in rows) + ".", "success")
    return redirect(url_for(".detail", code=code) + "#tep-ho-so")


def register(bp: Blueprint) -> None:
    """The files' routes and template globals, on the dossiers' blueprint."""
    bp.add_url_rule("/ho-so/<code>/tep/<int:file_id>", "file_download", download)
    bp.add_url_rule("/ho-so/<code>/tep", "file_scan", upload_scan, methods=["POST"])
    bp.add_url_rule("/ho-so/<code>/ket-qua", "file_results", upload_results, methods=["POST"])
    bp.add_app_template_global(file_section, "file_section")
    bp.add_app_template_global(KIND_LABELS, "FILE_KIND_LABELS")
    bp.add_app_template_global(TYPE_LABELS, "FILE_TYPE_LABELS")
