"""A dossier's status change as the National Public Service Portal takes it ("DongBoHoSoMC").

Pure mapping: no Flask, no database.  :mod:`app.notifications.sync` reads the dossier into a
:class:`Facts` when an audit event is recorded, asks :func:`status_for` whether the event is a
status change the portal must hear of, and writes :func:`message` to the outbox; the
dispatcher POSTs it as is.  The field names follow the portal's DongBoHoSoMC record; dates
are ``yyyyMMddHHmmss`` in Vietnam time (DOMAIN.md, "Citizens and the national portal"), an
unknown date is ``""``.

Which audit event sends which status (TrangThaiHoSo):

=========================================  ==  ==============================================
event                                      #   note
=========================================  ==  ==============================================
``submitted`` (online)                     1   Mới đăng ký
``received`` (counter, or online accepted) 2   Được tiếp nhận; ``accepted`` is always followed
                                               by ``received`` and sends nothing itself
``refused``                                3   Không được tiếp nhận; GhiChu = the reason
``task_completed``, first of the dossier   4   Đang xử lý (the dossier leaves ``received``)
``supplement_requested``                   5   Yêu cầu bổ sung; GhiChu = what is missing
``supplement_received``                    4   back in progress with the new appointment (the
                                               clock restarts); 1 when the dossier was online
                                               and not accepted yet (back to reception)
(none)                                     6   Chờ thanh toán: fees are taken at reception or
                                               paid online by the citizen's own choice, so no
                                               event asks for a payment
(none)                                     7   Rút hồ sơ: the product has no withdrawal
(none)                                     8   Dừng xử lý: a *blocked* dossier (a step late, no
                                               apology) is the office's internal hard stop and
                                               goes on afterwards; the portal keeps seeing 4
``ready_for_return``                       9   Đã xử lý xong; NgayKetThucXuLy, the result files
``returned``                               10  Đã trả kết quả; NgayTra, KenhThucHien 3 by post
``apology_signed``, ``early_apology_signed``   the current status again, with NgayHenTraCu
                                               (old appointment) and NgayHenTraMoi (new one)
=========================================  ==  ==============================================

KenhThucHien: 1 counter, 2 online, 3 post (the result sent back by post).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app import clock

SERVICE = "DongBoHoSoMC"
NEW, ACCEPTED, NOT_ACCEPTED, IN_PROGRESS, SUPPLEMENT, PAYMENT, WITHDRAWN, STOPPED, FINISHED, RETURNED = range(1, 11)
STATUS_NAMES = {
    NEW: "Mới đăng ký", ACCEPTED: "Được tiếp nhận", NOT_ACCEPTED: "Không được tiếp nhận", IN_PROGRESS: "Đang xử lý",
    SUPPLEMENT: "Yêu cầu bổ sung", PAYMENT: "Chờ thanh toán", WITHDRAWN: "Rút hồ sơ", STOPPED: "Dừng xử lý",
    FINISHED: "Đã xử lý xong", RETURNED: "Đã trả kết quả",
}
COUNTER, ONLINE, POST = 1, 2, 3
#: the portal's status of a dossier in each of this product's statuses (``blocked``: see above)
STATUS_OF_DOSSIER = {
    "submitted": NEW, "received": ACCEPTED, "in_progress": IN_PROGRESS, "blocked": IN_PROGRESS,
    "awaiting_supplement": SUPPLEMENT, "awaiting_documents": SUPPLEMENT, "ready_for_return": FINISHED,
    "returned": RETURNED, "refused": NOT_ACCEPTED,
}
#: events whose status does not depend on the dossier
FIXED = {"submitted": NEW, "received": ACCEPTED, "refused": NOT_ACCEPTED, "supplement_requested": SUPPLEMENT,
         "ready_for_return": FINISHED, "returned": RETURNED}
REAPPOINTMENTS = ("apology_signed", "early_apology_signed")
#: every event that may send a message: the receiver looks no further for the others
EVENTS = frozenset(FIXED) | {"task_completed", "supplement_received", *REAPPOINTMENTS}
STAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class ResultFile:
    name: str
    sha256: str
    url: str


@dataclass(frozen=True)
class Facts:
    """What the message says of the dossier, read when the event is recorded."""

    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    channel: str
    return_method: str | None
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    applicant_email: str
    applicant_address: str
    submitted_at: datetime | None
    received_at: datetime | None
    #: whether reception has received it (an online one not yet accepted has not)
    accepted: bool
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    result_files: tuple[ResultFile, ...] = ()


@dataclass(frozen=True)
class Change:
    """One status change: the status, when, and what the event adds."""

    status: int
    at: datetime
    note: str = ""
    old_due_at: datetime | None = None
    new_due_at: datetime | None = None


def status_for(kind: str, detail: dict[str, Any], dossier_status: str) -> int | None:
    """The portal status ``kind`` sends, or None; ``dossier_status`` is the dossier's as the event
    is recorded (a step's completion is announced before the dossier's row shows ``in_progress``)."""
    if kind in FIXED:
        return FIXED[kind]
    if kind == "task_completed":
        return IN_PROGRESS if dossier_status == "received" else None
    if kind == "supplement_received":
        return NEW if detail.get("online") else IN_PROGRESS
    if kind in REAPPOINTMENTS:
        return STATUS_OF_DOSSIER.get(dossier_status, IN_PROGRESS)
    return None


def note_of(kind: str, detail: dict[str, Any]) -> str:
    """What the citizen reads beside the status: the refusal's reason, the supplement asked for."""
    return str(detail.get("reason") or detail.get("note") or "") if kind in ("refused", "supplement_requested") else ""


def stamp(moment: datetime | None) -> str:
    """``yyyyMMddHHmmss`` in Vietnam time (the instance's zone), ``""`` for no date."""
    return clock.local(moment).strftime(STAMP) if moment is not None else ""


def channel_code(facts: Facts) -> int:
    """Post when the result goes back by post, else how the dossier came in."""
    if facts.return_method == "post":
        return POST
    return ONLINE if facts.channel == "online" else COUNTER


def message(facts: Facts, change: Change, sequence: int) -> dict[str, Any]:
    """The request body: the portal's envelope around one record; ``isUpdating`` from the second on."""
    return {"service": SERVICE, "isUpdating": sequence > 1, "data": [record(facts, change, sequence)]}


def record(facts: Facts, change: Change, sequence: int) -> dict[str, Any]:
    return {
        "MaHoSo": facts.code, "SoThuTuDongBo": sequence, "ThoiDiemDongBo": stamp(change.at),
        "MaTTHC": facts.procedure_code, "TenTTHC": facts.procedure_name,
        "MaCoQuanTiepNhan": facts.agency_code, "TenCoQuanTiepNhan": facts.agency_name,
        "KenhThucHien": channel_code(facts), **applicant(facts), **dates(facts, change),
        "TrangThaiHoSo": change.status, "TenTrangThaiHoSo": STATUS_NAMES[change.status], "GhiChu": change.note,
        "DanhSachGiayToKetQua": results(facts, change.status),
    }


def applicant(facts: Facts) -> dict[str, str]:
    return {"ChuHoSo": facts.applicant_name, "SoGiayToChuHoSo": facts.applicant_id_number,
            "SoDienThoai": facts.applicant_phone, "Email": facts.applicant_email,
            "DiaChiChuHoSo": facts.applicant_address}


def dates(facts: Facts, change: Change) -> dict[str, str]:
    """The dossier's dates; the old and new appointment only on a re-appointment, the end of
    processing from status 9 and the return from status 10."""
    finished = change.status in (FINISHED, RETURNED)
    values = {"NgayNopHoSo": stamp(facts.submitted_at or facts.received_at),
              "NgayTiepNhan": stamp(facts.received_at if facts.accepted else None), "NgayHenTra": stamp(facts.due_at),
              "NgayKetThucXuLy": stamp((facts.finished_at or change.at) if finished else None),
              "NgayTra": stamp((facts.returned_at or change.at) if change.status == RETURNED else None)}
    if change.new_due_at is not None:
        values.update(NgayHenTraCu=stamp(change.old_due_at), NgayHenTraMoi=stamp(change.new_due_at),
                      NgayHenTra=stamp(change.new_due_at))
    return values


def results(facts: Facts, status: int) -> list[dict[str, str]]:
    """The electronic result, once processing is finished: name, SHA-256 and where to download it."""
    if status not in (FINISHED, RETURNED):
        return []
    return [{"TenGiayTo": item.name, "MaBam": item.sha256, "DuongDanTaiTepTin": item.url} for item in facts.result_files]
