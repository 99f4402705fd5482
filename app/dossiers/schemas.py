"""Request and response bodies of the dossiers API, and the public look-up."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from app.core.api import LocalDateTime, OutputSchema, PageQuery, QuerySchema, bounded
from app.dossiers import workflow
from app.dossiers.models import PAYMENT_METHODS, RETURN_METHODS, STATUSES
from app.dossiers.payments import MAX_AMOUNT
from app.dossiers.searchtext import mask_name
from app.dossiers.services import CHANNELS, STATUS_LABELS
from app.tasks.schemas import TaskSchema

TIMELINESS = ["early", "on_time", "late", None]


class ApplicantInSchema(Schema):
    full_name = bounded(255, required=True)
    id_number = bounded(32, load_default="")
    phone = bounded(32, load_default="")
    email = bounded(255, load_default="")
    address = bounded(2000, load_default="")


class DocumentInSchema(Schema):
    name = bounded(500, required=True)
    copies = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 1000))


def _documents(required: bool = False) -> fields.List:
    presence = {"required": True} if required else {"load_default": list}
    return fields.List(fields.Nested(DocumentInSchema), validate=validate.Length(int(required), 200), **presence)


class ReceiveSchema(Schema):
    procedure_code = bounded(64, required=True)
    applicant = fields.Nested(ApplicantInSchema, required=True)
    documents = _documents()
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS))
    unit_code = bounded(64, load_default=None, metadata={
        "description": "Nơi tiếp nhận hồ sơ nộp trực tuyến (bắt buộc khi gọi không có token)."})
    complete = fields.Boolean(load_default=True, metadata={
        "description": "false: hồ sơ chưa đầy đủ, tại quầy Một cửa: chỉ cấp mã và phiếu yêu cầu bổ sung (mẫu 02), "
                       "chưa tiếp nhận, chưa tính hạn."})
    missing = fields.List(bounded(500), load_default=list, validate=validate.Length(0, 100), metadata={
        "description": "Khi complete = false: các giấy tờ cần bổ sung (cùng với giấy tờ bắt buộc chưa nộp)."})


class ReceiptSchema(Schema):
    code = fields.String(metadata={"example": "000.00.12.H29-260115-0042"})
    status = fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True, metadata={
        "description": "null khi hồ sơ chờ bổ sung giấy tờ hoặc nộp trực tuyến chưa được tiếp nhận."})
    lookup_secret = fields.String(metadata={"description": "In trên giấy tiếp nhận; dùng để tra cứu công khai."})


class SupplementRequestSchema(Schema):
    note = bounded(5000, required=True)


class SupplementSchema(Schema):
    documents = _documents(required=True)


#: how much another system may write into a dossier's data with one message
MAX_PAYLOAD_KEYS, MAX_PAYLOAD_TEXT = 50, 2000


def _check_payload(payload: dict) -> None:
    """A message's payload becomes workflow data, as a form would: names a condition can use,
    plain values of bounded size (a reply, not a document store)."""
    if len(payload) > MAX_PAYLOAD_KEYS:
        raise ValidationError(f"Tối đa {MAX_PAYLOAD_KEYS} mục dữ liệu.")
    for key, value in payload.items():
        if not key.isidentifier() or key.startswith("_"):
            raise ValidationError(f"Tên mục '{key}' chỉ gồm chữ cái không dấu, chữ số và dấu _.")
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise ValidationError(f"Mục '{key}' phải là chữ, số hoặc đúng/sai, không phải danh sách hay đối tượng.")
        if isinstance(value, str) and len(value) > MAX_PAYLOAD_TEXT:
            raise ValidationError(f"Mục '{key}' dài quá {MAX_PAYLOAD_TEXT} ký tự.")


class MessageSchema(Schema):
    payload = fields.Dict(keys=fields.String(), load_default=dict, validate=_check_payload,
                          metadata={"description": "data the workflow receives with the message (≤ 50 plain values)"})


class RefuseSchema(Schema):
    reason = bounded(5000, required=True)


class ReturnSchema(Schema):
    note = bounded(5000, load_default="")
    method = fields.String(load_default="counter", validate=validate.OneOf(RETURN_METHODS), metadata={
        "description": "counter: trả tại Bộ phận Một cửa; post: gửi qua dịch vụ bưu chính công ích."})
    tracking_number = bounded(64, load_default="", metadata={
        "description": "Mã vận đơn bưu chính, bắt buộc khi method = post (ví dụ EB123456789VN)."})


class PaymentInSchema(Schema):
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(1, MAX_AMOUNT),
                            metadata={"description": "Số tiền (đồng)."})
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    payer = bounded(255, load_default="", metadata={"description": "Người nộp tiền; mặc định là người nộp hồ sơ."})


class PaymentSchema(Schema):
    """A fee of a dossier: paid with its receipt number, or an online order still ``pending`` (or ``failed``)."""

    id = fields.Integer()
    amount = fields.Integer()
    method = fields.String(metadata={"enum": list(PAYMENT_METHODS)})
    payer = fields.String()
    state = fields.String(metadata={"enum": ["pending", "paid", "failed"]})
    receipt_number = fields.String(allow_none=True, metadata={"example": "000.00.12.H37/2026/0000123"})
    created_at = LocalDateTime()
    paid_at = LocalDateTime(allow_none=True)
    recorded_by = fields.String(attribute="recorded_by.username", dump_default=None, allow_none=True)


class DossierQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    unit = bounded(64, metadata={"description": "Mã đơn vị tiếp nhận."})
    late = fields.Boolean()
    q = bounded(255, metadata={"description": "Mã hồ sơ, số giấy tờ hoặc một phần họ tên người nộp."})


class ApplicantSchema(Schema):
    full_name = fields.String(attribute="applicant_name")
    id_number = fields.String(attribute="applicant_id_number")
    phone = fields.String(attribute="applicant_phone")
    email = fields.String(attribute="applicant_email")
    address = fields.String(attribute="applicant_address")


class DocumentSchema(Schema):
    name = fields.String()
    copies = fields.Integer()
    received_at = LocalDateTime()
    as_supplement = fields.Boolean()


class EventSchema(Schema):
    at = LocalDateTime()
    kind = fields.String()
    actor = fields.String(attribute="actor.username", dump_default=None, allow_none=True)
    detail = fields.Dict()


class DossierSummarySchema(OutputSchema):
    derived = {"procedure_version": lambda dossier: dossier.procedure_version.number}

    code = fields.String()
    procedure_code = fields.String(attribute="procedure.code")
    procedure_version = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    channel = fields.String()
    receiving_unit = fields.String(attribute="receiving_unit.code")
    applicant_name = fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    returned_at = LocalDateTime(allow_none=True)
    timeliness = fields.String(allow_none=True, metadata={"enum": TIMELINESS})
    blocked = fields.Boolean()


class DossierSchema(DossierSummarySchema):
    derived = {
        **DossierSummarySchema.derived,
        "applicant": lambda dossier: dossier,
        "open_tasks": workflow.open_tasks,
        "history": lambda dossier: dossier.events,
    }

    applicant = fields.Nested(ApplicantSchema)
    documents = fields.List(fields.Nested(DocumentSchema))
    supplement_note = fields.String()
    refusal_reason = fields.String()
    return_method = fields.String(allow_none=True, metadata={"enum": [*RETURN_METHODS, None]})
    tracking_number = fields.String(metadata={"description": "Mã vận đơn khi trả kết quả qua bưu chính."})
    open_tasks = fields.List(fields.Nested(TaskSchema))
    history = fields.List(fields.Nested(EventSchema))


class PublicQuerySchema(QuerySchema):
    secret = bounded(64, required=True, metadata={"description": "Mã tra cứu in trên giấy tiếp nhận."})


class PublicDossierSchema(OutputSchema):
    """What anyone holding the code and the secret may read: no personal data beyond a masked name."""

    derived = {
        "procedure_name": lambda dossier: dossier.procedure.name,
        "status_label": lambda dossier: STATUS_LABELS[dossier.status],
        "stage": lambda dossier: sorted(task.name for task in workflow.open_tasks(dossier)),
        "applicant_name": lambda dossier: mask_name(dossier.applicant_name),
    }

    code = fields.String()
    procedure_name = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    status_label = fields.String()
    stage = fields.List(fields.String(), metadata={"description": "Tên các bước đang xử lý."})
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True, metadata={"description": "Ngày hẹn trả kết quả."})
    returned_at = LocalDateTime(allow_none=True)
    timeliness = fields.String(allow_none=True, metadata={"enum": TIMELINESS})
    applicant_name = fields.String(metadata={"example": "N***n V** A**"})


class DossierFileSchema(OutputSchema):
    """A stored file of a dossier (its bytes: ``GET …/files/{id}``)."""

    derived = {"document": lambda row: row.document.name if row.document is not None else None}

    id = fields.Integer()
    name = fields.String(metadata={"description": "Tên tệp đã làm sạch, đuôi theo kiểu nội dung."})
    kind = fields.String(metadata={"enum": ["submitted", "result"],
                                   "description": "submitted: thành phần hồ sơ (kể cả bản quét); result: kết quả."})
    content_type = fields.String(metadata={"enum": ["application/pdf", "image/jpeg", "image/png"]})
    size = fields.Integer(metadata={"description": "Dung lượng (byte)."})
    sha256 = fields.String()
    uploaded_at = LocalDateTime()
    document = fields.String(allow_none=True, metadata={"description": "Giấy tờ mà tệp là bản điện tử (nếu có)."})


class FilesQuerySchema(QuerySchema):
    secret = bounded(64, metadata={"description": "Mã tra cứu in trên giấy tiếp nhận: người nộp xem tệp "
                                                  "không cần đăng nhập."})


#: the parts of a staff upload (``POST …/files``, ``POST …/results``), for the OpenAPI document
FILE_UPLOAD_PARTS = {
    "type": "object", "required": ["files"],
    "properties": {
        "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                  "description": "Mỗi tệp một phần 'files': PDF, JPEG hoặc PNG (xét theo nội dung tệp)."},
        "document": {"type": "integer", "description": "Chỉ với …/files: mã (id) giấy tờ của hồ sơ mà "
                                                       "các tệp là bản quét."},
    },
}
