"""The citizen's pages: the public portal (catalogue, online submission and its confirmation),
the look-up page behind the receipt's QR code (with the supplement, the apology letter, the
result files and the rating), and the rating kiosk beside the counter.

Mobile first and without a login, except the kiosk, which runs on the receptionist's session.
An unknown code and a wrong secret get the same 404 page, and every page that takes a secret is
rate-limited per client address (``RATE_LIMIT_LOOKUP``), so that codes, easy to guess, reveal nothing.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage, MultiDict

import printing
from app.citizens import catalogue, payments_views, rating, tracking
from app.citizens.models import SCORES
from app.core import limits
from app.core.api import API_PREFIX
from app.core.errors import AppError, Invalid, NotFound, flatten_messages
from app.core.identity import current_user, require
from app.core.web import MenuItem, errors_by_field
from app.dossiers import downloads, online, services
from app.dossiers.models import Dossier
from app.dossiers.schemas import ApplicantInSchema
from app.dossiers.searchtext import mask_name
from app.dossiers.uploads import Upload
from app.procedures.models import Procedure
from app.settings import get_settings
from printing.codes import qr_img

bp = Blueprint("citizens", __name__)
bp.register_blueprint(payments_views.bp)  # online payment (app/citizens/payments_*.py)
MENU = (MenuItem("citizens.kiosk", "Đánh giá tại quầy", ("receptionist",), order=12),)

APPLICANT_FIELDS = ("full_name", "id_number", "phone", "email", "address")
ROW_KEY = re.compile(r"^documents\[(\d+)\]\.(name|file)$")
ROW_ERROR = re.compile(r"^(documents|files)\[(\d+)\]")
MAX_ROWS = 50
BLANK_ROWS = 1
#: a secret is 16 characters (old ones 8); anything longer is wrong anyway and not compared
MAX_SECRET = 64
SUBMITTED = "Đã gửi hồ sơ {code}. Giữ lại mã hồ sơ và mã tra cứu để theo dõi, bổ sung hồ sơ."
RATED = "Cảm ơn bạn đã đánh giá. Ý kiến của bạn giúp cơ quan phục vụ tốt hơn."
SUPPLEMENTED = "Đã gửi giấy tờ bổ sung. Bộ phận Một cửa sẽ kiểm tra và tiếp nhận hồ sơ."
KIOSK_RATED = "Cảm ơn ông/bà đã đánh giá!"
FILES_AGAIN = "Vì lý do an toàn, trình duyệt không giữ lại tệp đã chọn: vui lòng chọn lại các tệp trước khi gửi."


@bp.app_template_global("citizen_score_labels")
def score_labels() -> list[tuple[int, str]]:
    """The four levels of DOMAIN.md, the best first, as the rating forms list them."""
    return sorted(SCORES.items(), reverse=True)


#: pages showing a dossier to the holder of its secret, which no shared cache may keep
PRIVATE_PAGES = frozenset({"citizens.submitted", "citizens.lookup", "citizens.rate", "citizens.supplement"})


@bp.after_request
def _not_cached(response: Response) -> Response:
    if request.endpoint in PRIVATE_PAGES:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    """The portal's 404: the same page for an unknown code and a wrong secret."""
    return render_template("citizens/not_found.html", detail=error.detail), 404


# --- the catalogue -------------------------------------------------------------------------------

@bp.get("/dich-vu-cong")
def catalogue_page():
    everything = catalogue.in_force()
    text, chosen = request.args.get("q", "").strip()[:200], request.args.get("linh_vuc", "")
    found = catalogue.search(everything, text, chosen)
    return render_template("citizens/catalogue.html", procedures=found, fields=catalogue.fields_of(everything),
                           q=text, chosen=chosen, units=_units_of(found))


def _units_of(procedures: list[Procedure]) -> dict[str, list]:
    return {procedure.code: catalogue.receiving_units(procedure) for procedure in procedures}


@bp.get("/dich-vu-cong/<code>")
def procedure_page(code: str):
    procedure = _in_force(code)
    return render_template("citizens/procedure.html", procedure=procedure, units=catalogue.receiving_units(procedure))


def _in_force(code: str) -> Procedure:
    """A procedure taking dossiers today; any other code is the portal's 404."""
    procedure = catalogue.get_in_force(code)
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục '{code}' đang tiếp nhận hồ sơ.")
    return procedure


# --- document rows with their files (submission and supplement) ----------------------------------

@dataclass
class Rows:
    """Lines of documents as the page shows them, and what the service is given from them."""

    rows: list[dict]
    documents: list[dict] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    #: the page row of each document, and of each upload, given to the service
    document_rows: list[int] = field(default_factory=list)
    upload_rows: list[int] = field(default_factory=list)


def _row(name: str, required: bool | None = None) -> dict:
    """One line: a catalogue document (``required`` true or false) or a free line (None)."""
    return {"name": name, "required": required}


def _posted_names(form: MultiDict) -> dict[int, str]:
    """``documents[i].name`` of a form, by row index."""
    names = {}
    for key, value in form.items():
        match = ROW_KEY.match(key)
        if match and match.group(2) == "name" and int(match.group(1)) < MAX_ROWS:
            names[int(match.group(1))] = value.strip()
    return names


def _page_rows(fixed: list[dict], form: MultiDict, suggested: list[str] = ()) -> list[dict]:
    """The fixed lines (names never from the form), then the free lines typed, suggested or blank."""
    posted = [name for index, name in sorted(_posted_names(form).items()) if index >= len(fixed) and name]
    free = posted if form else [name for name in suggested if name]
    return fixed + [_row(name) for name in free] + [_row("") for _ in range(BLANK_ROWS)]


def _collect(rows: list[dict], files: dict[int, FileStorage]) -> Rows:
    """The documents to send (a line with a file, or a named free line) and their uploads; a
    required document without its file is the service's to name."""
    collected = Rows(rows)
    for index, row in enumerate(rows):
        upload = files.get(index)
        name = _add_upload(collected, index, upload) if upload is not None else None
        if name or (row["required"] is None and row["name"]):
            collected.documents.append({"name": row["name"], "copies": 1, "file": name})
            collected.document_rows.append(index)
    return collected


def _add_upload(collected: Rows, index: int, upload: FileStorage) -> str:
    """Keep the line's file; two files of one name are told apart by their line's number."""
    taken = {kept.name for kept in collected.uploads}
    name = upload.filename if upload.filename not in taken else f"{index + 1}-{upload.filename}"
    collected.uploads.append(Upload(name, upload.read()))
    collected.upload_rows.append(index)
    return name


def _posted_files() -> dict[int, FileStorage]:
    """The files chosen, by row; an input left empty sends a part without a name, which is no file."""
    chosen = {}
    for key, upload in request.files.items(multi=True):
        match = ROW_KEY.match(key)
        if match and match.group(2) == "file" and upload.filename and int(match.group(1)) < MAX_ROWS:
            chosen[int(match.group(1))] = upload
    return chosen


@contextmanager
def _errors_on_rows(collected: Rows):
    """Point the service's ``documents[k]`` and ``files[k]`` at the page's lines."""
    try:
        yield
    except AppError as error:
        error.errors = [_on_row(item, collected) for item in error.errors or []]
        raise


def _on_row(item: dict, collected: Rows) -> dict:
    match = ROW_ERROR.match(item.get("field", ""))
    if not match:
        return item
    positions = collected.document_rows if match.group(1) == "documents" else collected.upload_rows
    index = int(match.group(2))
    if index >= len(positions):
        return item
    rest = item["field"][match.end():] if match.group(1) == "documents" else ".file"
    return {**item, "field": f"documents[{positions[index]}]{rest or '.file'}"}


# --- online submission ---------------------------------------------------------------------------

def _fixed_rows(procedure: Procedure) -> list[dict]:
    return [_row(document["name"], bool(document.get("required", True))) for document in procedure.documents]


@bp.get("/dich-vu-cong/<code>/nop")
def submission_form(code: str):
    procedure = _in_force(code)
    return _submission_page(procedure, _page_rows(_fixed_rows(procedure), MultiDict()))


@bp.post("/dich-vu-cong/<code>/nop")
@limits.public("RATE_LIMIT_SUBMIT")
def submit(code: str):
    """Send the dossier; on an error the form comes back with the messages by the fields, filled in
    again (but for the files, which a browser never lets a page fill in)."""
    procedure = _in_force(code)
    collected = _collect(_page_rows(_fixed_rows(procedure), request.form), _posted_files())
    try:
        catalogue.check_receiving_unit(procedure, request.form.get("unit_code", ""))
        with _errors_on_rows(collected):
            dossier = online.submit(procedure.code, _applicant(request.form), collected.documents,
                                    request.form.get("unit_code", ""), collected.uploads)
    except AppError as error:
        if not _beside_form(error):
            raise
        return _submission_page(procedure, collected.rows, error), error.status
    flash(SUBMITTED.format(code=dossier.code), "success")
    return redirect(url_for(".submitted", code=dossier.code, s=dossier.lookup_secret))


def _applicant(form: MultiDict) -> services.Applicant:
    """The applicant as typed; lengths checked as the API checks them (422 naming the field)."""
    typed = {name: form.get(f"applicant.{name}", "") for name in APPLICANT_FIELDS}
    try:  # a blank name is the service's to refuse, with its own words
        loaded = ApplicantInSchema(partial=("full_name",)).load({k: v for k, v in typed.items() if v.strip()})
    except ValidationError as error:
        raise Invalid("Thông tin người nộp chưa hợp lệ.", flatten_messages(error.messages, "applicant")) from None
    return services.Applicant(**{"full_name": "", **loaded})


def _submission_page(procedure: Procedure, rows: list[dict], error: AppError | None = None):
    units = [(unit.code, unit.name) for unit in catalogue.receiving_units(procedure)]
    return render_template("citizens/submit.html", procedure=procedure, rows=rows, units=units,
                           values=request.form, error=error, errors=errors_by_field(error) if error else {},
                           files_again=FILES_AGAIN if error else None, **_file_limits())


def _file_limits() -> dict[str, int]:
    """What the file inputs' hint says: the installer's limits per file and per dossier."""
    settings = get_settings()
    return {"max_file": settings.max_file_bytes, "max_total": settings.max_dossier_bytes}


# --- after sending: the confirmation, and the look-up ----------------------------------------------

def _secret() -> str:
    return request.values.get("s", "")[:MAX_SECRET]


def _looked_up(code: str) -> Dossier:
    """The dossier of ``code`` for the holder of its secret (``?s=``); the same 404 otherwise."""
    return services.lookup(code, _secret())


def lookup_link(dossier: Dossier) -> str:
    """The address printed as QR on the receipt: the same function, so the two never differ."""
    return printing.lookup_url(get_settings().public_base_url, dossier.code, dossier.lookup_secret)


@bp.get("/dich-vu-cong/da-nop/<code>")
@limits.public("RATE_LIMIT_LOOKUP")
def submitted(code: str):
    """What was sent, the code and the secret link (with its QR code), on a page made to be printed."""
    dossier = _looked_up(code)
    link = lookup_link(dossier)
    return render_template("citizens/submitted.html", dossier=dossier, link=link, qr=Markup(qr_img(link)),
                           masked_name=mask_name(dossier.applicant_name))


@bp.get("/tra-cuu")
def lookup_form():
    """The citizen's look-up by code and secret (the receipt's QR code leads past this form)."""
    code, secret = request.args.get("ma", "").strip().upper()[:64], _secret().strip()
    if not request.args:
        return render_template("citizens/lookup_form.html", values={}, errors={})
    if code and secret:
        return redirect(url_for(".lookup", code=code, s=secret))
    errors = {name: message for name, message in (("ma", "Nhập mã hồ sơ in trên giấy tiếp nhận."),
                                                   ("s", "Nhập mã tra cứu in trên giấy tiếp nhận."))
              if not request.args.get(name, "").strip()}
    return render_template("citizens/lookup_form.html", values=request.args, errors=errors), 422


@bp.get("/tra-cuu/<code>")
@limits.public("RATE_LIMIT_LOOKUP")
def lookup(code: str):
    return _lookup_page(_looked_up(code))


def _supplement_rows(dossier: Dossier, form: MultiDict) -> list[dict]:
    """Free lines: what reception asked for (one per line of its note), then a blank one."""
    return _page_rows([], form, dossier.supplement_note.splitlines())


def _lookup_page(dossier: Dossier, failed: str | None = None, error: AppError | None = None):
    return render_template(
        "citizens/lookup.html", dossier=dossier, secret=_secret(), masked_name=mask_name(dossier.applicant_name),
        says=tracking.says(dossier), stages=tracking.STAGES, stage=tracking.stage(dossier),
        steps=tracking.steps(dossier), letters=tracking.signed_letters(dossier),
        results=tracking.result_files(dossier), api=API_PREFIX, rating=rating.rating_of(dossier),
        can_rate=rating.can_rate(dossier), awaits_supplement=tracking.awaits_online_supplement(dossier),
        supplement_rows=_supplement_rows(dossier, request.form if failed == "supplement" else MultiDict()),
        failed=failed, error=error, errors=errors_by_field(error) if error else {},
        values=request.form if failed else {}, files_again=FILES_AGAIN if failed == "supplement" else None,
        **_file_limits(),
    )


def _beside_form(error: AppError) -> bool:
    """A refusal the citizen can act on (409, 413, 415, 422) is shown beside the form; an unknown
    dossier, a rate limit or a crash keeps its own page."""
    return error.status not in (404, 429) and error.status < 500


def _refusal(dossier: Dossier, form: str, action: Callable[[], object]) -> Response | None:
    """Run ``action``; a refusal comes back as the look-up page with the message beside ``form``."""
    try:
        action()
    except AppError as error:
        if not _beside_form(error):
            raise
        return make_response(_lookup_page(dossier, form, error), error.status)
    return None


@bp.post("/tra-cuu/<code>/danh-gia")
@limits.public("RATE_LIMIT_LOOKUP")
def rate(code: str):
    form = request.form
    refused = _refusal(_looked_up(code), "rating",
                       lambda: rating.rate(code, _secret(), form.get("score", ""), form.get("comment", ""), "lookup"))
    if refused is not None:
        return refused
    flash(RATED, "success")
    return redirect(url_for(".lookup", code=code, s=_secret()))


@bp.post("/tra-cuu/<code>/bo-sung")
@limits.public("RATE_LIMIT_LOOKUP")
def supplement(code: str):
    """The files reception asked for before accepting an online dossier."""
    dossier = _looked_up(code)
    collected = _collect(_supplement_rows(dossier, request.form), _posted_files())
    refused = _refusal(dossier, "supplement", lambda: _send_supplement(code, collected))
    if refused is not None:
        return refused
    flash(SUPPLEMENTED, "success")
    return redirect(url_for(".lookup", code=code, s=_secret()))


def _send_supplement(code: str, collected: Rows) -> None:
    with _errors_on_rows(collected):
        online.supplement(code, _secret(), collected.documents, collected.uploads)


@bp.get("/tra-cuu/<code>/thu-xin-loi/<int:escalation_id>")
@limits.public("RATE_LIMIT_LOOKUP")
def apology_letter(code: str, escalation_id: int):
    """The signed apology letter, as the leader signed it (the signature stays verifiable)."""
    dossier = _looked_up(code)
    pdf = tracking.signed_letter(dossier, escalation_id)
    if pdf is None:
        raise NotFound("Không tìm thấy thư xin lỗi của hồ sơ.")
    return downloads.pdf_response(pdf, f"{dossier.code}-thu-xin-loi")


# --- the kiosk beside the counter -----------------------------------------------------------------

@bp.get("/quay/danh-gia")
@require("receptionist")
def kiosk():
    """Turned towards the citizen: the dossier just handed back, and four big buttons."""
    return render_template("citizens/kiosk.html", dossier=rating.kiosk_dossier(current_user()),
                           thanks=KIOSK_RATED if request.args.get("cam-on") else None)


@bp.post("/quay/danh-gia")
@require("receptionist")
def kiosk_rate():
    try:
        rating.rate_at_kiosk(current_user(), request.form.get("code", ""), request.form.get("score", ""))
    except AppError as error:
        flash(error.detail, "error")
        return redirect(url_for(".kiosk"))
    return redirect(url_for(".kiosk", **{"cam-on": 1}))
