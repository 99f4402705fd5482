"""Bodies of the citizens' public API: the catalogue, an online submission and its supplement."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.citizens import catalogue
from app.core.api import LocalDateTime, OutputSchema, bounded
from app.dossiers.schemas import ApplicantInSchema, DocumentInSchema

FILE_PART = {"type": "string", "format": "binary"}


class OnlineDocumentSchema(DocumentInSchema):
    file = bounded(255, load_default=None, allow_none=True, metadata={
        "description": "Tên tệp (một phần 'files') là bản điện tử của giấy tờ này."})


def _documents(minimum: int) -> fields.List:
    presence = {"required": True} if minimum else {"load_default": list}
    return fields.List(fields.Nested(OnlineDocumentSchema), validate=validate.Length(minimum, 200), **presence)


class SubmissionSchema(Schema):
    """The ``data`` part of ``POST /public/dossiers``: the JSON of ``POST /dossiers`` with ``unit_code``."""

    procedure_code = bounded(64, required=True)
    applicant = fields.Nested(ApplicantInSchema, required=True)
    documents = _documents(0)
    unit_code = bounded(64, required=True, metadata={"description": "Nơi tiếp nhận hồ sơ."})
    channel = fields.String(load_default="online", validate=validate.OneOf(["online"]))


class SupplementUploadSchema(Schema):
    """The ``data`` part of ``POST /public/dossiers/{code}/supplement``."""

    secret = bounded(64, required=True, metadata={"description": "Mã tra cứu in trên giấy tiếp nhận."})
    documents = _documents(1)


def upload_parts(data_schema: str) -> dict:
    """The JSON Schema of a multipart upload: ``data`` (JSON text) and ``files`` (one part per file)."""
    return {
        "type": "object", "required": ["data"],
        "properties": {
            "data": {"type": "string", "description": f"JSON theo lược đồ {data_schema}."},
            "files": {"type": "array", "items": FILE_PART,
                      "description": "Mỗi tệp một phần 'files': PDF, JPEG hoặc PNG (xét theo nội dung)."},
        },
    }


class SubmittedSchema(Schema):
    code = fields.String(metadata={"example": "000.00.12.H29-260115-0042"})
    status = fields.String(metadata={"example": "submitted"})
    submitted_at = LocalDateTime()
    lookup_secret = fields.String(metadata={"description": "Mã tra cứu: giữ lại để tra cứu và bổ sung hồ sơ."})


class PublicUnitSchema(Schema):
    code = fields.String()
    name = fields.String()


class PublicDocumentSchema(Schema):
    name = fields.String()
    required = fields.Boolean(dump_default=True)


class PublicFeeSchema(Schema):
    amount = fields.Integer(attribute="fee_amount")
    description = fields.String(attribute="fee_description")


class PublicProcedureSchema(OutputSchema):
    """A procedure as the public sees it: what to bring, what it costs, how long, where."""

    derived = {
        "fee": lambda procedure: procedure,
        "units": catalogue.receiving_units,
        "online": catalogue.takes_online,
    }

    code = fields.String()
    name = fields.String()
    field = fields.String()
    level = fields.String()
    legal_limit = fields.String(metadata={"example": "3d"})
    fee = fields.Nested(PublicFeeSchema)
    documents = fields.List(fields.Nested(PublicDocumentSchema))
    online = fields.Boolean(metadata={"description": "Nhận hồ sơ nộp trực tuyến."})
    units = fields.List(fields.Nested(PublicUnitSchema), metadata={"description": "Các nơi tiếp nhận hồ sơ."})


class RatingInSchema(Schema):
    """``POST /public/dossiers/{code}/rating``: the secret of the receipt, a level and a comment."""

    secret = bounded(64, required=True, metadata={"description": "Mã tra cứu in trên giấy tiếp nhận."})
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4), metadata={
        "description": "4 Rất hài lòng, 3 Hài lòng, 2 Chưa hài lòng, 1 Không hài lòng."})
    comment = bounded(2000, load_default="")


class RatingSchema(Schema):
    score = fields.Integer()
    comment = fields.String()
    channel = fields.String(metadata={"enum": ["lookup", "api", "kiosk"]})
    rated_at = LocalDateTime()
