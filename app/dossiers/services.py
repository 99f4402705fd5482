"""Reception, supplement, refusal, return, look-up and search of dossiers."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.auth.models import Unit, User
from app.auth.services import field_errors, get_unit
from app.calendar.services import due_at
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.db import session
from app.dossiers import codes, searchtext, workflow
from app.dossiers.models import OPEN_STATUSES, RETURN_METHODS, Dossier, DossierDocument, DossierSequence
from app.procedures.models import Procedure, ProcedureVersion
from app.procedures.services import WITH_VERSIONS, definition_of, get_procedure, not_in_force_reason
from app.tasks.models import Task

CHANNELS = ("counter", "online")
#: test runs are numbered ``THU-<YYMMDD>-<NNNN>`` on a counter of their own; no
#: agency code can be "THU" (they have dots), so real numbers are never taken
SANDBOX_PREFIX = "THU"
REAL = Dossier.sandbox.is_(False)
OVERSEERS = ("supervisor", "admin")
#: Crockford's base32: digits and capitals without I, L, O and U, so that a secret
#: read off a receipt is typed without mixing up 1/I/L or 0/O
SECRET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: 16 characters of 5 bits: 80 bits, out of reach of guessing even without the rate limit
SECRET_LENGTH = 16
#: what a person may type differently: the look-alikes, and the spaces or dashes of a grouped secret
_AS_TYPED = str.maketrans("OIL", "011", " -")
_REMARK = re.compile(r"\s*\([^()]*\)$")


@dataclass
class Applicant:
    full_name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


def receive(actor: User | None, procedure_code: str, applicant: Applicant,
            documents: list[dict[str, Any]], channel: str = "counter",
            unit_code: str | None = None, missing: list[str] | None = None) -> Dossier:
    """Receive a dossier: give it a code; complete, also a deadline and its workflow.

    At the counter the receiving unit is the officer's; online, the applicant
    names it, and without a login it is only ``submitted`` (:func:`await_acceptance`).
    A dossier lacking a document the catalogue requires is refused (422 naming it)
    unless ``missing`` is given: then, at the counter only, it is recorded as
    incomplete (form 02) and nothing runs until the documents arrive
    (:func:`complete_documents`).  Nothing is written unless every step can be
    assigned a unit.  The dossier, its documents, tasks, events and messages are
    written in one flush when the reception commits (nothing reads them before).
    """
    version, unit = intake(actor, procedure_code, applicant, documents, channel, unit_code)
    asked = None if missing is None else _asked_for(actor, version.procedure, documents, missing)
    if asked is None:
        require_documents(version.procedure, documents)
    now = clock.now()
    with session.no_autoflush:
        dossier = file_dossier(actor, version, unit, applicant, documents, channel, now)
        if actor is None:
            await_acceptance(dossier, now)
        elif asked is None:
            start_processing(dossier, actor, now)
        else:
            _await_documents(dossier, asked, actor, now)
    workflow.commit_new()
    return dossier


def refuse_at_counter(actor: User, procedure_code: str, applicant: Applicant, documents: list[dict[str, Any]],
                      reason: str) -> Dossier:
    """Not eligible, seen at the counter: the dossier is recorded (a code, form 03) and refused
    at once; no step, no appointment, whatever documents it has."""
    version, unit = intake(actor, procedure_code, applicant, documents, "counter", None)
    _require_reason(reason)
    now = clock.now()
    dossier = file_dossier(actor, version, unit, applicant, documents, "counter", now)
    dossier.clock_started_at = dossier.due_at = None
    _mark_refused(dossier, reason, actor, now)
    workflow.commit()
    return dossier


def intake(actor: User | None, procedure_code: str, applicant: Applicant, documents: list, channel: str,
            unit_code: str | None) -> tuple[ProcedureVersion, Unit]:
    """The version and the receiving unit of a dossier being handed in, once who and what are checked."""
    if actor is not None:
        _require_role(actor, "receptionist")
    version = _version_taking_dossiers(get_procedure(procedure_code, WITH_VERSIONS))
    unit = actor.unit if actor is not None else _online_unit(unit_code)
    check_reception(applicant, documents, channel, unit)
    return version, unit


def file_dossier(actor: User | None, version: ProcedureVersion, unit: Unit, applicant: Applicant,
          documents: list[dict[str, Any]], channel: str, now: datetime) -> Dossier:
    """The new dossier's row with its code and documents; 422 before anything is kept when a
    step of its workflow has no unit to do it."""
    dossier = new_dossier(
        _next_code(unit.agency_code, now.date()), version, unit, actor, now, channel=channel,
        applicant_name=applicant.full_name.strip(), applicant_id_number=applicant.id_number.strip(),
        applicant_phone=applicant.phone.strip(), applicant_email=applicant.email.strip(),
        applicant_address=applicant.address.strip(),
    )
    workflow.step_units(dossier, definition_of(version))
    dossier.documents = [document_row(d, now) for d in documents]
    session.add(dossier)
    return dossier


def start_processing(dossier: Dossier, actor: User | None, now: datetime) -> None:
    """The dossier is received for real: its legal deadline counts from ``now`` and its workflow starts."""
    dossier.status, dossier.received_at, dossier.clock_started_at = "received", now, now
    dossier.due_at, dossier.updated_at = due_at(now, dossier.procedure.legal_limit), now
    workflow.record(dossier, "received", actor, now, channel=dossier.channel, due_at=dossier.due_at.isoformat())
    workflow.save(dossier, workflow.start(dossier), actor, now)


def await_acceptance(dossier: Dossier, now: datetime) -> None:
    """Sent online without a login: ``submitted``, waiting for reception to accept it (app/dossiers/online.py);
    until then no deadline, no clock and no workflow, so nothing counts it as late."""
    dossier.status, dossier.submitted_at, dossier.clock_started_at, dossier.due_at = "submitted", now, None, None
    workflow.record(dossier, "submitted", None, now, channel="online",
                    documents=[document.name for document in dossier.documents])


def before_acceptance(dossier: Dossier) -> bool:
    """Whether the dossier was never received: submitted online (or asked to supplement before
    acceptance), incomplete or refused at the counter; its ``awaiting_supplement`` has no workflow."""
    return dossier.clock_started_at is None


def _await_documents(dossier: Dossier, asked: list[str], actor: User, now: datetime) -> None:
    """Incomplete at the counter: the law's form 02 and nothing else, no step, no appointment, no clock."""
    dossier.status, dossier.clock_started_at, dossier.due_at = "awaiting_documents", None, None
    dossier.supplement_note = "\n".join(asked)
    workflow.record(dossier, "supplement_requested", actor, now, note="; ".join(asked), at_counter=True)


def _asked_for(actor: User | None, procedure: Procedure, documents: list, missing: list[str]) -> list[str]:
    """What an incomplete dossier waits for: the required documents not brought, then what the
    receptionist named; only the counter asks (an online submission is complete or refused)."""
    if actor is None:
        raise Invalid("Hồ sơ nộp trực tuyến phải đủ giấy tờ bắt buộc.", field_errors(
            {"complete": "Chỉ Bộ phận Một cửa lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."}))
    named = [item.strip() for item in missing if item and item.strip()]
    asked = list(dict.fromkeys([*missing_required(procedure, documents), *named]))
    if not asked:
        raise Invalid("Cần ghi rõ giấy tờ cần bổ sung.",
                      field_errors({"missing": "Ghi rõ, đầy đủ một lần các giấy tờ cần bổ sung."}))
    return asked


def complete_documents(actor: User, code: str, documents: list[dict[str, Any]]) -> Dossier:
    """The citizen brought what the counter asked for: the dossier is received now, its
    workflow starts and the legal deadline counts from this moment (form 01 from then on)."""
    dossier = at_counter_of(actor, code)
    require_status(dossier, "awaiting_documents", action="nhận đủ giấy tờ")
    check_reception(Applicant(dossier.applicant_name), documents, dossier.channel, dossier.receiving_unit)
    require_documents(dossier.procedure, [*({"name": d.name} for d in dossier.documents), *documents])
    now = clock.now()
    dossier.documents.extend(document_row(d, now, as_supplement=True) for d in documents)
    start_processing(dossier, actor, now)
    workflow.commit()
    return dossier


def _document_key(name: str) -> str:
    """A document's name as compared with the catalogue's: case, spacing and a trailing
    remark in brackets ("(theo mẫu)") do not matter."""
    return _REMARK.sub("", " ".join(str(name or "").split())).casefold()


def missing_required(procedure: Procedure, documents: list[dict[str, Any]]) -> list[str]:
    """The documents the catalogue marks required that are not among ``documents``."""
    brought = {_document_key(document.get("name")) for document in documents}
    return [item["name"] for item in procedure.documents
            if item.get("required", True) and _document_key(item["name"]) not in brought]


def require_documents(procedure: Procedure, documents: list[dict[str, Any]]) -> None:
    """422 naming every required document missing: a dossier is never silently received without one."""
    missing = missing_required(procedure, documents)
    if missing:
        raise Invalid("Hồ sơ chưa đủ giấy tờ bắt buộc.", field_errors({
            "documents": "Chưa đủ giấy tờ bắt buộc: " + "; ".join(missing) + "."}))


def new_dossier(code: str, version: ProcedureVersion, unit: Unit, actor: User | None, now: datetime,
                **fields: Any) -> Dossier:
    """A dossier just received (a real one or a test run): its legal deadline counted from
    ``now`` and the secret a citizen looks it up with, made here only."""
    procedure = version.procedure
    dossier = Dossier(code=code, procedure=procedure, procedure_version=version, receiving_unit=unit,
                      status="received", received_at=now, clock_started_at=now,
                      due_at=due_at(now, procedure.legal_limit), lookup_secret=new_lookup_secret(),
                      received_by=actor, updated_at=now, **fields)
    dossier.index_for_search()
    return dossier


def _version_taking_dossiers(procedure: Procedure):
    """The published version new dossiers start on; 422 if the procedure takes none today."""
    reason = not_in_force_reason(procedure)
    if reason:
        raise Invalid(f"Thủ tục '{procedure.code}' không nhận hồ sơ mới: {reason}",
                      field_errors({"procedure_code": reason}))
    version = procedure.published_version()
    # Loading the collection does not set each version's way back; without it the procedure,
    # held by nothing else, could be collected and read again by the next `version.procedure`.
    workflow.mirror(version, {"procedure": procedure})
    return version


def _online_unit(unit_code: str | None) -> Unit:
    if not unit_code:
        raise Invalid("Hồ sơ nộp trực tuyến cần chọn nơi tiếp nhận.",
                      field_errors({"unit_code": "Chọn đơn vị tiếp nhận hồ sơ."}))
    return get_unit(unit_code)


def check_reception(applicant: Applicant, documents: list, channel: str, unit: Unit) -> None:
    errors = {}
    if not applicant.full_name.strip():
        errors["applicant.full_name"] = "Cần nhập họ tên người nộp."
    if channel not in CHANNELS:
        errors["channel"] = "Kênh nộp là 'counter' (trực tiếp) hoặc 'online' (trực tuyến)."
    for index, document in enumerate(documents):
        if not str(document.get("name") or "").strip():
            errors[f"documents[{index}].name"] = "Cần tên giấy tờ."
        copies = document.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 1000:
            errors[f"documents[{index}].copies"] = "Số bản là số nguyên từ 1 đến 1000."
    if not unit.agency_code:
        errors["unit"] = f"Đơn vị {unit.name} chưa có mã định danh cơ quan nên không tiếp nhận hồ sơ được."
    if errors:
        raise Invalid("Thông tin hồ sơ chưa hợp lệ.", field_errors(errors))


def document_row(item: dict[str, Any], now: datetime, as_supplement: bool = False) -> DossierDocument:
    return DossierDocument(name=str(item["name"]).strip(), copies=item.get("copies", 1),
                           received_at=now, as_supplement=as_supplement)


def next_sandbox_code(day: date) -> str:
    """The code of a new test-run dossier, from the sandbox counter."""
    return _next_code(SANDBOX_PREFIX, day)


def _next_code(agency_code: str, day: date) -> str:
    """Take the next number of the agency's day (see :func:`take_number`)."""
    return codes.format_code(agency_code, day, take_number(DossierSequence, agency_code=agency_code, day=day))


def take_number(counter: type, **key: Any) -> int:
    """The next number of a counter that may skip but never repeat (dossier codes).

    On PostgreSQL, when the session draws on the engine's pool, the number is taken and
    committed at once on a connection of its own: taking it in the reception's transaction
    would lock the counter row until that commits, and every reception at the same counter
    would wait for the one before it to finish.  A reception that fails afterwards leaves a
    gap in the day's numbers, never a number used twice.  On SQLite the write transaction is
    exclusive anyway, and a session bound to a caller's connection (tests) stays in it.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or not isinstance(bind, Engine):
        return next_number(counter, **key)
    with bind.connect() as connection:
        number = connection.execute(_number_upsert(counter, key, postgresql.insert)).scalar_one()
        connection.commit()
    return number


def next_number(counter: type, **key: Any) -> int:
    """Take the next number of the ``counter`` row (a table with ``last_number``) at ``key``, in
    this transaction: an upsert that locks the row until commit, so that concurrent takers queue
    on it and never share a number, nor skip one (receipt books)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return session.execute(_number_upsert(counter, key, insert)).scalar_one()


def _number_upsert(counter: type, key: dict[str, Any], insert: Callable):
    return (insert(counter).values(**key, last_number=1)
            .on_conflict_do_update(index_elements=list(key), set_={"last_number": counter.last_number + 1})
            .returning(counter.last_number))


def not_found(code: str) -> NotFound:
    """The one answer for a dossier that does not exist, or that the caller may not know of."""
    return NotFound(f"Không tìm thấy hồ sơ '{code}'.")


#: a dossier by code, with what every change of it names (its national portal message, its page)
_BY_CODE = (select(Dossier).where(Dossier.code == bindparam("code"), REAL)
            .options(joinedload(Dossier.procedure), joinedload(Dossier.receiving_unit)))


def get(code: str) -> Dossier:
    """A real dossier by code; test runs are not dossiers to anyone but their analyst."""
    dossier = session.scalar(_BY_CODE, {"code": code})
    if dossier is None:
        raise not_found(code)
    return dossier


def new_lookup_secret() -> str:
    """The look-up secret of a new dossier (dossiers from before keep their 8 hex digits, 32 bits)."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def lookup(code: str, secret: str) -> Dossier:
    """The dossier a citizen asks about with the secret printed on the receipt.

    A wrong secret is answered exactly like an unknown code, so that the
    codes, which are easy to guess, reveal nothing.
    """
    dossier = session.scalar(select(Dossier).where(Dossier.code == code, REAL))
    if dossier is None or not secrets.compare_digest(_as_typed(dossier.lookup_secret), _as_typed(secret)):
        raise not_found(code)
    return dossier


def _as_typed(secret: str) -> bytes:
    """A secret as compared: case, grouping and look-alike letters do not matter (old hex ones too)."""
    return secret.upper().translate(_AS_TYPED).encode()


def can_view(user: User, dossier: Dossier) -> bool:
    """Staff see the dossiers their unit received or has a step of; overseers see all."""
    if user.has_role(*OVERSEERS) or dossier.receiving_unit_id == user.unit_id:
        return True
    return session.scalar(select(Task.id).where(Task.dossier_id == dossier.id, Task.unit_id == user.unit_id)
                          .limit(1)) is not None


def get_for(user: User, code: str) -> Dossier:
    """The dossier if ``user`` may see it; one they may not is answered as an unknown code,
    so that its existence (codes are easy to guess) is never confirmed."""
    dossier = get(code)
    if not can_view(user, dossier):
        raise not_found(code)
    return dossier


def search(user: User, status: str | None = None, unit_code: str | None = None, late: bool | None = None,
           text: str | None = None, limit: int = 50, offset: int = 0) -> list[Dossier]:
    query = select(Dossier).where(REAL)
    if not user.has_role(*OVERSEERS):
        has_step = select(Task.id).where(Task.dossier_id == Dossier.id, Task.unit_id == user.unit_id).exists()
        query = query.where(or_(Dossier.receiving_unit_id == user.unit_id, has_step))
    if status:
        query = query.where(Dossier.status == status)
    if unit_code:
        query = query.where(Dossier.receiving_unit_id == get_unit(unit_code).id)
    if late is not None:
        query = query.where(_late_clause() if late else ~_late_clause())
    if text and searchtext.query_words(text):
        query = query.where(Dossier.id.in_(_matching_ids(text)))
    return list(session.scalars(query.order_by(Dossier.received_at.desc()).limit(limit).offset(offset)))


def _matching_ids(text: str):
    """Ids of the dossiers whose ``search_text`` holds every word typed, or the digits of a
    typed phone number; asked of the column's index alone (see app/dossiers/searchtext.py)."""
    words = and_(*(_contains(word) for word in searchtext.query_words(text)))
    phone = searchtext.query_phone(text)
    return select(Dossier.id).where(or_(words, _contains(phone)) if phone else words)


def _contains(word: str):
    return Dossier.search_text.like(searchtext.contains_pattern(word), escape=searchtext.LIKE_ESCAPE)


def _late_clause():
    now = clock.now()
    return or_(Dossier.timeliness == "late",
               (Dossier.finished_at.is_(None)) & (Dossier.status.in_(OPEN_STATUSES)) & (Dossier.due_at < now))


def _require_role(actor: User, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise Forbidden("Bạn không có quyền thực hiện thao tác này.")


def at_counter_of(actor: User, code: str) -> Dossier:
    """The dossier, for a receptionist of the unit that received it: who may act is checked
    before anything about its state is said (404 unseen, 403 seen but another unit's)."""
    _require_role(actor, "receptionist")
    dossier = get_for(actor, code)
    if dossier.receiving_unit_id != actor.unit_id:
        raise Forbidden("Hồ sơ do đơn vị khác tiếp nhận.")
    return dossier


def require_status(dossier: Dossier, *statuses: str, action: str) -> None:
    if dossier.status not in statuses:
        raise Conflict(f"Hồ sơ {dossier.code} đang ở trạng thái '{STATUS_LABELS[dossier.status]}', không thể {action}.")


def request_supplement(actor: User, code: str, note: str) -> Dossier:
    """Ask the citizen for missing documents, all at once; the clock stops."""
    dossier = at_counter_of(actor, code)
    require_status(dossier, "received", "in_progress", action="yêu cầu bổ sung")
    note = require_note(note)
    now = clock.now()
    dossier.status, dossier.supplement_note, dossier.updated_at = "awaiting_supplement", note, now
    workflow.record(dossier, "supplement_requested", actor, now, note=note)
    workflow.commit()
    return dossier


def require_note(note: str) -> str:
    """The note of a supplement request, stripped; 422 on field ``note`` when empty."""
    if not (note or "").strip():
        raise Invalid("Cần ghi rõ giấy tờ cần bổ sung.", field_errors({"note": "Ghi rõ, đầy đủ một lần các giấy tờ cần bổ sung."}))
    return note.strip()


def record_supplement(actor: User, code: str, documents: list[dict[str, Any]]) -> Dossier:
    """The citizen brought what was missing: the deadline is counted again from zero."""
    dossier = at_counter_of(actor, code)
    require_status(dossier, "awaiting_supplement", action="nhận bổ sung")
    if before_acceptance(dossier):
        raise Conflict(f"Hồ sơ {code} nộp trực tuyến chưa được tiếp nhận: người nộp gửi bổ sung qua đường dẫn "
                       "tra cứu, sau đó Bộ phận Một cửa tiếp nhận hồ sơ.")
    check_reception(Applicant(dossier.applicant_name), documents, dossier.channel, dossier.receiving_unit)
    now = clock.now()
    dossier.documents.extend(document_row(d, now, as_supplement=True) for d in documents)
    dossier.clock_started_at = now
    dossier.due_at = due_at(now, dossier.procedure.legal_limit)
    for task in workflow.open_tasks(dossier):
        task.ready_at, task.due_at = now, due_at(now, task.time_limit)
    dossier.status = "in_progress"
    workflow.record(dossier, "supplement_received", actor, now, due_at=dossier.due_at.isoformat(),
                    documents=[d.get("name") for d in documents])
    run = workflow.load(dossier)
    if workflow.SUPPLEMENT_MESSAGE in run.waiting_messages():
        workflow.send_supplement_message(run)
    workflow.save(dossier, run, actor, now)
    workflow.commit()
    return dossier


def refuse(actor: User, code: str, reason: str) -> Dossier:
    dossier = at_counter_of(actor, code)
    require_status(dossier, "submitted", "received", "in_progress", "awaiting_supplement", "awaiting_documents",
                    action="từ chối")
    _require_reason(reason)
    now = clock.now()
    for task in workflow.open_tasks(dossier):
        task.state = "cancelled"
    _mark_refused(dossier, reason, actor, now)
    workflow.commit()
    return dossier


def _require_reason(reason: str) -> None:
    if not (reason or "").strip():
        raise Invalid("Cần ghi rõ lý do từ chối.", field_errors({"reason": "Ghi rõ lý do từ chối tiếp nhận, giải quyết."}))


def _mark_refused(dossier: Dossier, reason: str, actor: User, now: datetime) -> None:
    dossier.status, dossier.refusal_reason = "refused", reason.strip()
    dossier.finished_at = dossier.updated_at = now
    workflow.record(dossier, "refused", actor, now, reason=reason.strip())


def return_result(actor: User, code: str, note: str = "", method: str = "counter",
                  tracking_number: str = "") -> Dossier:
    """Hand the result back at the counter, or send it by post with the postal tracking number
    (DOMAIN.md: results go back either way); how is kept on the dossier and in the event."""
    dossier = at_counter_of(actor, code)
    tracking_number = _return_way(method, tracking_number)
    require_status(dossier, "ready_for_return", action="trả kết quả")
    now = clock.now()
    dossier.status, dossier.returned_at, dossier.updated_at = "returned", now, now
    dossier.return_method, dossier.tracking_number = method, tracking_number
    workflow.record(dossier, "returned", actor, now, note=(note or "").strip(), method=method,
                    tracking_number=tracking_number)
    workflow.commit()
    return dossier


#: a postal tracking number as Vietnam Post and couriers print it (e.g. EB123456789VN)
_TRACKING_NUMBER = re.compile(r"^[A-Z0-9-]{4,64}$")


def _return_way(method: str, tracking_number: str) -> str:
    """The tracking number to keep, written in capitals without spaces; 422 naming the field at
    fault: an unknown method, a post without a tracking number, or one given for the counter."""
    number = re.sub(r"\s+", "", tracking_number or "").upper()
    if method not in RETURN_METHODS:
        problem = {"method": "Hình thức trả kết quả là 'counter' (tại quầy) hoặc 'post' (qua bưu chính)."}
    elif method == "post" and not _TRACKING_NUMBER.match(number):
        problem = {"tracking_number": "Nhập mã vận đơn bưu chính (4–64 chữ cái không dấu, chữ số hoặc dấu -)."}
    elif method == "counter" and number:
        problem = {"tracking_number": "Trả kết quả tại quầy thì không có mã vận đơn."}
    else:
        return number
    raise Invalid("Thông tin trả kết quả chưa hợp lệ.", field_errors(problem))


#: waiting on the citizen: incomplete at the counter, or asked to supplement during processing
AWAITING_CITIZEN = ("awaiting_documents", "awaiting_supplement")
#: how many dossiers each list of the counter shows (the oldest first where waiting matters)
COUNTER_LIST_LIMIT = 200


@dataclass
class CounterLists:
    """What the counter has to act on, for its own unit."""

    ready: list[Dossier]       #: results ready to hand back, the longest waiting first
    awaiting: list[Dossier]    #: received, or incomplete at the counter, waiting on the citizen's documents
    #: sent online and not accepted yet: submitted, or asked to supplement first; the oldest first
    online: list[Dossier]


def counter_lists(actor: User) -> CounterLists:
    """The reception's own lists: what to hand back, what the citizen owes, what came in online."""
    _require_role(actor, "receptionist")
    mine = select(Dossier).where(REAL, Dossier.receiving_unit_id == actor.unit_id)
    online = awaiting_acceptance()
    return CounterLists(
        ready=_listed(mine.where(Dossier.status == "ready_for_return").order_by(Dossier.finished_at)),
        awaiting=_listed(mine.where(Dossier.status.in_(AWAITING_CITIZEN), ~online).order_by(Dossier.updated_at)),
        online=_listed(mine.where(online).order_by(Dossier.submitted_at, Dossier.id)),
    )


def awaiting_acceptance():
    """SQL: sent online and not accepted yet (submitted, or asked to supplement before acceptance):
    not received, so on no register, list of late dossiers or report."""
    return Dossier.status.in_(("submitted", "awaiting_supplement")) & Dossier.clock_started_at.is_(None)


def _listed(query) -> list[Dossier]:
    return list(session.scalars(query.options(selectinload(Dossier.procedure)).limit(COUNTER_LIST_LIMIT)))


def tasks_of(dossier: Dossier) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.dossier_id == dossier.id).order_by(Task.ready_at, Task.id)))


STATUS_LABELS = {
    "submitted": "Chờ tiếp nhận (nộp trực tuyến)",
    "received": "Đã tiếp nhận", "in_progress": "Đang giải quyết", "awaiting_supplement": "Chờ bổ sung",
    "blocked": "Tạm dừng do quá hạn", "ready_for_return": "Chờ trả kết quả", "returned": "Đã trả kết quả",
    "refused": "Từ chối", "awaiting_documents": "Chờ bổ sung (chưa tiếp nhận)",
}
