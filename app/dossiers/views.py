"""Web pages of dossiers: reception at the counter, the dossier page with the
receptionist's actions, and the staff search."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask import session as browser_session
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User
from app.auth.services import field_errors
from app.core.errors import AppError, Invalid
from app.core.formats import format_datetime
from app.core.web import MenuItem, bpmn_response, errors_by_field
from app.core.identity import current_user, require
from app.dossiers import auditlog, downloads, file_views, forms_print, online, payments, services, uncollected
from app.dossiers.labels import EVENT_LABELS
from app.dossiers.models import Dossier
from app.dossiers.timeliness import LABELS as TIMELINESS_LABELS
from app.notifications import outbox
from app.procedures.models import Procedure
from app.procedures.views import published_procedures
from app.settings import get_settings
from app.tasks.services import form_of

bp = Blueprint("dossiers", __name__)
bp.add_app_template_global(services.STATUS_LABELS, "STATUS_LABELS")
bp.add_app_template_global(TIMELINESS_LABELS, "TIMELINESS_LABELS")
file_views.register(bp)  # the files section of the dossier page
MENU = (MenuItem("dossiers.reception", "Tiếp nhận hồ sơ", ("receptionist",), order=10),
        MenuItem("dossiers.counter", "Việc tại quầy", ("receptionist",), order=11),
        MenuItem("dossiers.uncollected_report", "Kết quả chưa nhận", uncollected.REPORT_ROLES, order=45),
        MenuItem("dossiers.search", "Tra cứu hồ sơ", order=40))

APPLICANT_FIELDS = ("full_name", "id_number", "phone", "email", "address")
ROW_KEY = re.compile(r"^documents\[(\d+)\]\.(name|copies|received)$")
ERROR_ROW = re.compile(r"^documents\[(\d+)\]")
MAX_ROWS = 100
BLANK_ROWS = 2
#: the session key naming the dossier just received, whose page then offers its receipt first
JUST_RECEIVED = "just_received"
#: the page's one note field carries what the service calls ``missing`` or ``reason``
NOTE_FIELDS = ("missing", "reason")
#: the counter's three outcomes (DOMAIN.md, reception): what each records, and what the officer is told
OUTCOMES = {
    "receive": "Đã tiếp nhận hồ sơ {code}. Hẹn trả kết quả: {due}.",
    "supplement": "Đã lập hồ sơ {code} chưa đầy đủ: in phiếu yêu cầu bổ sung (mẫu 02) giao công dân; "
                  "hồ sơ chỉ được tiếp nhận và tính hạn khi nhận đủ giấy tờ.",
    "refuse": "Đã từ chối tiếp nhận, giải quyết hồ sơ {code}.",
}


# --- document rows: the checklist of the procedure plus free lines ---------------------------

def _posted_rows(form: MultiDict) -> dict[int, dict[str, str]]:
    """``documents[i].name|copies|received`` of a form, by row index."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = ROW_KEY.match(key)
        if match and int(match.group(1)) < MAX_ROWS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return rows


def _row(name: str, copies: Any = 1, received: bool = False, required: bool | None = None) -> dict:
    """One line of the document list; ``required`` is None for free lines."""
    return {"name": name, "copies": copies, "received": received, "required": required}


def _document_rows(documents: list[dict], posted: dict[int, dict[str, str]]) -> list[dict]:
    """A checklist (names from the catalogue, never from the form), then free lines."""
    rows = []
    for index, document in enumerate(documents):
        sent = posted.get(index)
        rows.append(_row(document["name"], sent.get("copies", "") if sent else document.get("copies", 1),
                         bool(sent and "received" in sent), bool(document.get("required"))))
    return rows + _free_lines([row for index, row in sorted(posted.items()) if index >= len(documents)])


def _posted_free_lines(form: MultiDict, blank: int = BLANK_ROWS) -> list[dict]:
    return _free_lines([row for _, row in sorted(_posted_rows(form).items())], blank)


def _free_lines(posted: list[dict[str, str]], blank: int = BLANK_ROWS) -> list[dict]:
    rows = [_row(p.get("name", "").strip(), p.get("copies", "1")) for p in posted if p.get("name", "").strip()]
    return rows + [_row("", 1) for _ in range(blank)]


def _received(rows: list[dict]) -> tuple[list[dict[str, Any]], list[int]]:
    """The documents to record, and the row each came from (for error messages)."""
    picked = [(i, row) for i, row in enumerate(rows) if row["received"] or (row["required"] is None and row["name"])]
    return [{"name": row["name"], "copies": _copies(row["copies"])} for _, row in picked], [i for i, _ in picked]


def _copies(text: Any) -> Any:
    """A number of copies; anything else goes to the service as typed, which refuses it."""
    return int(text) if str(text).strip().isdigit() else text


def _amount(text: str) -> Any:
    """An amount of đồng as a clerk types it ("75.000" or "75 000"); anything else goes to the
    service as typed, which refuses it naming the field."""
    return _copies(re.sub(r"[.\s]", "", text))


@contextmanager
def _rows_of_errors(positions: list[int]):
    """Point ``documents[k]`` errors of the service back at the rows of the page, and its
    ``missing`` or ``reason`` at the page's note."""
    try:
        yield
    except Invalid as error:
        error.errors = [_remap(item, positions) for item in error.errors or []]
        raise


def _remap(item: dict[str, Any], positions: list[int]) -> dict[str, Any]:
    if item.get("field") in NOTE_FIELDS:
        return {**item, "field": "note"}
    match = ERROR_ROW.match(item.get("field", ""))
    if not match or int(match.group(1)) >= len(positions):
        return item
    return {**item, "field": f"documents[{positions[int(match.group(1))]}]" + item["field"][match.end():]}


# --- reception ---------------------------------------------------------------------------------

@bp.route("/tiep-nhan", methods=["GET", "POST"])
@require("receptionist")
def reception():
    procedures = published_procedures()
    code = request.values.get("procedure_code", "")
    procedure = next((p for p in procedures if p.code == code), None)
    rows = _document_rows(procedure.documents if procedure else [], _posted_rows(request.form))
    if request.method == "GET":
        return _reception_page(procedures, procedure, rows)
    try:
        return _submit_reception(procedure, rows)
    except Invalid as error:
        return _reception_page(procedures, procedure, rows, error), 422


def _reception_page(procedures: list[Procedure], procedure: Procedure | None, rows: list[dict],
                    error: AppError | None = None):
    return render_template("dossiers/reception.html", procedure_options=[(p.code, p.name) for p in procedures],
                           procedure=procedure, rows=rows,
                           values=request.form, error=error, errors=errors_by_field(error) if error else {})


def _submit_reception(procedure: Procedure | None, rows: list[dict]):
    """Receive, record as incomplete (form 02 only) or refuse, as the counter decided."""
    user, form = current_user(), request.form
    action = form.get("action") if form.get("action") in OUTCOMES else "receive"
    if procedure is None:
        raise Invalid("Thông tin hồ sơ chưa hợp lệ.", field_errors({"procedure_code": "Chọn thủ tục cần tiếp nhận."}))
    documents, positions = _received(rows)
    applicant = services.Applicant(**{name: form.get(f"applicant.{name}", "") for name in APPLICANT_FIELDS})
    with _rows_of_errors(positions):
        dossier = _record_outcome(user, action, procedure.code, applicant, documents, form.get("note", ""))
    if action != "refuse":
        browser_session[JUST_RECEIVED] = dossier.code
    flash(OUTCOMES[action].format(code=dossier.code, due=format_datetime(dossier.due_at)), "success")
    return redirect(url_for(".detail", code=dossier.code))


def _record_outcome(user: User, action: str, procedure_code: str, applicant: services.Applicant,
                    documents: list[dict[str, Any]], note: str) -> Dossier:
    if action == "refuse":
        return services.refuse_at_counter(user, procedure_code, applicant, documents, note)
    missing = note.splitlines() if action == "supplement" else None
    return services.receive(user, procedure_code, applicant, documents, missing=missing)


@bp.get("/tiep-nhan/danh-sach")
@require("receptionist")
def counter():
    """The counter's own lists: results to hand back, documents awaited, online dossiers."""
    return render_template("dossiers/counter.html", lists=services.counter_lists(current_user()),
                           uncollected=uncollected.at_counter(current_user()),
                           uncollected_days=get_settings().uncollected_after_days)


@bp.get("/bao-cao/chua-nhan-ket-qua")
@require(*uncollected.REPORT_ROLES)
def uncollected_report():
    """Results ready and not collected after N days, by receiving unit; ``?format=csv`` for a spreadsheet."""
    rows = uncollected.report(current_user())
    if request.args.get("format") == "csv":
        response = Response(uncollected.report_csv(rows), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="ket-qua-chua-nhan.csv"'
        return response
    return render_template("dossiers/uncollected.html", rows=rows, days=uncollected.days_waiting,
                           uncollected_days=get_settings().uncollected_after_days)


# --- the dossier page and the receptionist's actions -------------------------------------------

def _record_supplement(user: User, code: str, form: MultiDict) -> Dossier:
    documents, positions = _received(_posted_free_lines(form, blank=0))
    with _rows_of_errors(positions):
        return services.record_supplement(user, code, documents)


def _awaited_rows(dossier: Dossier, form: MultiDict) -> list[dict]:
    """The required documents an incomplete dossier still lacks, to tick, then free lines."""
    still = services.missing_required(dossier.procedure, [{"name": d.name} for d in dossier.documents])
    return _document_rows([{"name": name, "required": True} for name in still], _posted_rows(form))


def _complete_documents(user: User, code: str, form: MultiDict) -> Dossier:
    documents, positions = _received(_awaited_rows(services.get_for(user, code), form))
    with _rows_of_errors(positions):
        return services.complete_documents(user, code, documents)


@dataclass(frozen=True)
class Action:
    statuses: tuple[str, ...]
    run: Callable[[User, str, MultiDict], Dossier]
    done: str
    #: the dossier is received by this action, so its page then offers the receipt first
    receives: bool = False
    #: offered only when this holds too (e.g. a supplement asked once only before acceptance)
    when: Callable[[Dossier], bool] = lambda dossier: True


ACTIONS = {
    "tiep-nhan-truc-tuyen": Action(("submitted",), lambda user, code, form: online.accept(user, code),
                                   "Đã tiếp nhận hồ sơ nộp trực tuyến; thời hạn giải quyết tính từ lúc này.",
                                   receives=True),
    "bo-sung-truoc-tiep-nhan": Action(("submitted",),
                                      lambda user, code, form: online.ask_supplement(user, code, form.get("note", "")),
                                      "Đã yêu cầu công dân bổ sung hồ sơ (một lần, trước khi tiếp nhận); "
                                      "công dân gửi bổ sung qua đường dẫn tra cứu.",
                                      when=lambda dossier: dossier.supplement_asked_at is None),
    "yeu-cau-bo-sung": Action(("received", "in_progress"),
                              lambda user, code, form: services.request_supplement(user, code, form.get("note", "")),
                              "Đã yêu cầu bổ sung hồ sơ; thời hạn giải quyết tạm dừng đến khi nhận đủ giấy tờ."),
    "nhan-bo-sung": Action(("awaiting_supplement",), _record_supplement,
                           "Đã nhận giấy tờ bổ sung; thời hạn giải quyết được tính lại từ đầu.",
                           when=lambda dossier: not services.before_acceptance(dossier)),
    "nhan-du-giay-to": Action(("awaiting_documents",), _complete_documents,
                              "Đã nhận đủ giấy tờ và tiếp nhận hồ sơ; thời hạn giải quyết tính từ lúc này.",
                              receives=True),
    "tu-choi": Action(("submitted", "received", "in_progress", "awaiting_supplement", "awaiting_documents"),
                      lambda user, code, form: services.refuse(user, code, form.get("reason", "")),
                      "Đã từ chối hồ sơ."),
    "tra-ket-qua": Action(("ready_for_return",),
                          lambda user, code, form: services.return_result(
                              user, code, form.get("note", ""), form.get("method", "counter"),
                              form.get("tracking_number", "")),
                          "Đã trả kết quả cho công dân."),
    "thu-phi": Action(payments.PAYABLE,
                      lambda user, code, form: payments.record_payment(
                          user, code, _amount(form.get("amount", "")),
                          form.get("method", ""), form.get("payer", "")),
                      "Đã ghi nhận khoản thu; in biên lai thu phí, lệ phí trong mục In phiếu."),
}


def _available_actions(user: User, dossier: Dossier) -> list[str]:
    if not user.has_role("receptionist") or dossier.receiving_unit_id != user.unit_id:
        return []
    return [slug for slug, action in ACTIONS.items() if dossier.status in action.statuses and action.when(dossier)]


def _detail_page(dossier: Dossier, failed: str | None = None, error: AppError | None = None,
                 just_received: bool = False):
    steps = services.tasks_of(dossier)
    current = [task.element_id for task in steps if task.state == "open"]
    return render_template(
        "dossiers/detail.html", dossier=dossier, steps=steps, step_forms={task.id: form_of(task) for task in steps},
        completed=[task.element_id for task in steps if task.state == "completed"], current=current,
        actions=_available_actions(current_user(), dossier), event_labels=EVENT_LABELS, failed=failed, error=error,
        errors=errors_by_field(error) if error else {}, values=request.form,
        supplement_rows=_posted_free_lines(request.form), print_forms=forms_print.applicable_forms(dossier),
        awaited_rows=_awaited_rows(dossier, request.form) if dossier.status == "awaiting_documents" else [],
        just_received=just_received, payments=payments.payments_of(current_user(), dossier.code),
        payment_methods=payments.METHOD_LABELS, outbox=outbox.listing(dossier),
        audit_findings=auditlog.verify_dossier(dossier),
    )


@bp.get("/ho-so/<code>")
@require()
def detail(code: str):
    dossier = services.get_for(current_user(), code)
    return _detail_page(dossier, just_received=browser_session.pop(JUST_RECEIVED, None) == code)


@bp.get("/ho-so/<code>/in/<form>")
@require()
def print_form(code: str, form: str):
    """A form of the dossier as PDF, opened in the browser to print."""
    user = current_user()
    return downloads.form_response(services.get_for(user, code), form, user)


@bp.post("/ho-so/<code>/<action>")
@require("receptionist")
def act(code: str, action: str):
    if action not in ACTIONS:
        abort(404)
    user = current_user()
    dossier = services.get_for(user, code)
    try:
        ACTIONS[action].run(user, code, request.form)
    except Invalid as error:
        return _detail_page(dossier, action, error), 422
    except AppError as error:
        flash(error.detail, "error")
    else:
        flash(ACTIONS[action].done, "success")
        if ACTIONS[action].receives:
            browser_session[JUST_RECEIVED] = code
    return redirect(url_for(".detail", code=code))


@bp.get("/ho-so/<code>/so-do.bpmn")
@require()
def diagram(code: str):
    dossier = services.get_for(current_user(), code)
    return bpmn_response(dossier.procedure_version.bpmn_xml)


# --- the register of the user's unit -----------------------------------------------------------

@bp.get("/don-vi/so-theo-doi")
@require()
def unit_register():
    """Choose the days, then get the register (form 06) of one's own unit as PDF."""
    if not request.args:
        today = clock.now().date()
        return _register_page({"from": today.replace(day=1).isoformat(), "to": today.isoformat()})
    try:
        return downloads.register_response(current_user().unit, *downloads.load_period(request.args))
    except Invalid as error:
        return _register_page(request.args, error), 422


def _register_page(values, error: Invalid | None = None):
    return render_template("dossiers/register.html", values=values, error=error,
                           errors=errors_by_field(error) if error else {})


# --- search ------------------------------------------------------------------------------------

@bp.get("/ho-so")
@require()
def search():
    text = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    status = status if status in services.STATUS_LABELS else ""
    results = services.search(current_user(), status=status or None, text=text or None)
    return render_template("dossiers/search.html", results=results, q=text, status=status)
