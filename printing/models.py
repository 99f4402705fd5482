"""The data of each form, as plain dataclasses.

Callers fill these from whatever they hold (a dossier row, an API payload);
nothing here knows about the database.  Every text field is printed escaped,
so any string is safe.  Empty optional fields print as a dotted line to be
filled in by hand, as on the paper forms.

Datetimes should be aware; they are printed in the zone given to ``render_pdf``.  A naive
datetime is taken as already being local time (never an error).

Shared pieces:

* :class:`Issuer` – the unit that issues the form, its parent authority and the
  place name of the date line;
* :class:`Applicant` – the citizen or organisation;
* :class:`Person` – an officer who signs (name, title, "KT."/"TL." line);
* :class:`Document` – one paper received, with its number of copies.

Forms 01–05 and the fee receipt derive from :class:`DossierForm`, whose
``dossier_code`` and ``lookup_url`` are printed as a Code 128 barcode and a
QR code (see :func:`printing.codes.lookup_url` to build the URL).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence, Union


@dataclass
class Issuer:
    """The issuing unit (upper-left block) and the place of the date line."""

    unit_name: str                      #: e.g. "Bộ phận Một cửa UBND xã Tân Lạc"
    parent_name: str = ""               #: the authority above it, e.g. "UBND tỉnh Hòa Bình"
    place: str = ""                     #: e.g. "Hòa Bình" → "Hòa Bình, ngày 05 tháng 3 năm 2026"


@dataclass
class Applicant:
    """The person or organisation the dossier belongs to."""

    name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""                 #: CCCD / passport / tax code


@dataclass
class Person:
    """An officer in a signature block.

    ``title`` is printed as the block's heading when the form has no fixed one
    (e.g. "PHÓ CHỦ TỊCH"); ``on_behalf`` is the line above it ("KT. CHỦ TỊCH").
    """

    name: str = ""
    title: str = ""
    on_behalf: str = ""


@dataclass
class Document:
    """A paper received with the dossier."""

    name: str
    copies: int = 1
    kind: str = ""                      #: "Bản chính", "Bản sao", "Bản chụp"…; optional


DocumentLike = Union[Document, Sequence, str]


def _documents(items: Sequence[DocumentLike]) -> list[Document]:
    """Accept ``Document`` objects, ``(name, copies[, kind])`` tuples or bare names."""
    return [item if isinstance(item, Document) else Document(item) if isinstance(item, str) else Document(*item)
            for item in items or ()]


@dataclass(kw_only=True)
class FormBase:
    """What every form has: issuer, number ("Số: …") and date of issue."""

    issuer: Issuer
    issued_at: datetime | date | None = None   #: None → a blank date line
    number: str = ""                           #: e.g. "15/TNHS"; empty → dotted


@dataclass(kw_only=True)
class DossierForm(FormBase):
    """A form about one dossier: code (barcode), lookup URL (QR), applicant, procedure."""

    dossier_code: str = ""
    lookup_url: str = ""                       #: ``<base>/tra-cuu/<code>?s=<secret>``
    applicant: Applicant = field(default_factory=Applicant)
    procedure_name: str = ""


@dataclass(kw_only=True)
class Receipt(DossierForm):
    """Form 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả."""

    documents: list[DocumentLike] = field(default_factory=list)
    dossier_sets: int = 1                      #: "Số lượng hồ sơ: 01 (bộ)"
    legal_deadline: str = ""                   #: e.g. "03 ngày làm việc"
    received_at: datetime | None = None
    due_at: datetime | None = None
    return_place: str = ""
    receiver: Person = field(default_factory=Person)
    submitter_name: str = ""                   #: who handed it in; empty → the applicant
    register_book: str = ""                    #: "Vào Sổ theo dõi hồ sơ, Quyển số: …"
    register_entry: str = ""                   #: "… Số thứ tự: …"
    copy_label: str = ""                       #: "Liên: …", e.g. "1 (giao người nộp hồ sơ)"

    def __post_init__(self) -> None:
        self.documents = _documents(self.documents)


@dataclass(kw_only=True)
class Supplement(DossierForm):
    """Form 02 – Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (asked once, completely)."""

    requirements: list[str] = field(default_factory=list)   #: one line per item to add or fix
    reason: str = ""
    contact_phone: str = ""                    #: whom to call if anything is unclear
    officer: Person = field(default_factory=Person)


@dataclass(kw_only=True)
class Refusal(DossierForm):
    """Form 03 – Phiếu từ chối tiếp nhận giải quyết hồ sơ."""

    reason: str = ""
    received_at: datetime | None = None
    receiver: Person = field(default_factory=Person)


@dataclass(kw_only=True)
class Apology(DossierForm):
    """Form 04 – Phiếu xin lỗi và hẹn lại ngày trả kết quả.

    ``responsible_unit`` is the unit that caused the delay (defaults to the
    issuer); ``apology`` replaces the standard apology sentence when given.
    """

    received_at: datetime | None = None
    due_at: datetime | None = None             #: the appointment that was missed
    new_due_at: datetime | None = None
    reason: str = ""
    apology: str = ""
    responsible_unit: str = ""
    signer: Person = field(default_factory=Person)


#: Results of a step, as the application names them, and how they are printed.
STEP_RESULTS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}


@dataclass
class Step:
    """One hand-over on the process control slip."""

    unit: str
    handed_by: str = ""
    handed_at: datetime | None = None
    received_by: str = ""
    received_at: datetime | None = None
    result: str = ""                           #: "early" / "on_time" / "late" or any text
    note: str = ""

    @property
    def result_text(self) -> str:
        return STEP_RESULTS.get(self.result, self.result)


@dataclass(kw_only=True)
class ControlSlip(DossierForm):
    """Form 05 – Phiếu kiểm soát quá trình giải quyết hồ sơ."""

    receipt_number: str = ""                   #: number of the form 01 it goes with
    handling_unit: str = ""                    #: "Cơ quan (bộ phận) giải quyết hồ sơ"
    coordinating_units: str = ""               #: "Cơ quan phối hợp giải quyết hồ sơ"
    steps: list[Step] = field(default_factory=list)


@dataclass
class RegisterRow:
    """One dossier in the register (form 06)."""

    dossier_code: str
    procedure_name: str = ""
    dossier_sets: int = 1
    applicant_name: str = ""
    applicant_contact: str = ""                #: address and phone
    handling_unit: str = ""
    received_at: datetime | None = None
    due_at: datetime | None = None
    transferred_at: datetime | None = None     #: sent to the handling unit
    result_received_at: datetime | None = None  #: result back from the handling unit
    returned_at: datetime | None = None        #: result handed to the applicant
    note: str = ""


@dataclass(kw_only=True)
class Register(FormBase):
    """Form 06 – Sổ theo dõi hồ sơ of a unit over a date range (A4 landscape)."""

    period_from: date | None = None
    period_to: date | None = None
    rows: list[RegisterRow] = field(default_factory=list)


@dataclass
class FeeItem:
    """A line of a fee receipt: what is paid for and how much (whole đồng)."""

    name: str
    amount: int


@dataclass(kw_only=True)
class FeeReceipt(DossierForm):
    """Biên lai thu phí, lệ phí; the total is the sum of ``items``.

    ``form_code`` / ``series`` are the "Mẫu số" and "Ký hiệu" of the receipt
    book registered with the tax office; ``number`` is its "Số".
    """

    items: list[FeeItem] = field(default_factory=list)
    payment_method: str = "Tiền mặt"
    form_code: str = ""
    series: str = ""
    tax_code: str = ""                         #: the collecting unit's tax code
    collector: Person = field(default_factory=Person)
    payer_name: str = ""                       #: empty → the applicant

    @property
    def total(self) -> int:
        return sum(int(item.amount) for item in self.items)
