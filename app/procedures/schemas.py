"""Request and response bodies of the procedures API."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.core.api import LocalDateTime, OutputSchema, bounded
from app.procedures.dialect import MAX_BPMN_BYTES
from app.procedures.models import Procedure
from app.procedures.services import LEVELS, definition_of

MAX_FEE = 2**31 - 1


class ScalarOr(fields.Field):
    """A value given either as a scalar or as an object, e.g. ``fee: 75000``
    or ``fee: {amount, description}``; each form is validated by its own field."""

    def __init__(self, scalar: fields.Field, nested: type[Schema], **kwargs):
        super().__init__(**kwargs)
        self.scalar, self.nested = scalar, nested

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            return self.nested().load(value)
        return self.scalar.deserialize(value)


class FeeSchema(Schema):
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_FEE))
    description = bounded(5000, load_default="")


class ProcedureDocumentSchema(Schema):
    name = bounded(500, required=True)
    copies = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 1000))
    required = fields.Boolean(load_default=True)


class FormPropertySchema(Schema):
    """One property of a SpiffArena form (JSON Schema): the keywords a task form reads
    must have the right JSON types; anything else is kept as given."""

    class Meta:
        unknown = INCLUDE

    type = bounded(32)
    title = bounded(255)
    format = bounded(32)
    minimum = fields.Float()
    maximum = fields.Float()
    minLength = fields.Integer(strict=True, validate=validate.Range(0, 10**6))
    maxLength = fields.Integer(strict=True, validate=validate.Range(0, 10**6))
    enum = fields.List(fields.Raw(), validate=validate.Length(min=1))
    oneOf = fields.List(fields.Dict(keys=fields.String()), validate=validate.Length(min=1))


class FormJsonSchema(Schema):
    """A SpiffArena form file: a flat JSON Schema object."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(validate=validate.Equal("object"))
    properties = fields.Dict(keys=bounded(255, required=True), values=fields.Nested(FormPropertySchema), required=True)
    required = fields.List(fields.String())


class ProcedureInSchema(Schema):
    code = bounded(64, required=True)
    name = bounded(500, required=True)
    field = bounded(255, load_default="")
    level = fields.String(load_default="commune", validate=validate.OneOf(LEVELS))
    legal_limit = bounded(16, required=True, metadata={"example": "3d"})
    fee = ScalarOr(fields.Integer(strict=True, validate=validate.Range(0, MAX_FEE)), FeeSchema, load_default=0,
                   metadata={"description": "Số tiền (đồng) hoặc {amount, description}."})
    documents = fields.List(ScalarOr(bounded(500, required=True), ProcedureDocumentSchema, metadata={
                                "description": "Tên giấy tờ, hoặc {name, copies, required}."}),
                            load_default=list, validate=validate.Length(max=200))
    effective_from = fields.Date(load_default=None)
    effective_to = fields.Date(load_default=None)
    bpmn_xml = fields.String(required=True, validate=validate.Length(1, MAX_BPMN_BYTES))
    forms = fields.Dict(keys=bounded(255, required=True), values=fields.Nested(FormJsonSchema), load_default=dict,
                        metadata={"description": "Tệp JSON Schema của biểu mẫu (SpiffArena), theo tên tệp."})

    @validates_schema
    def _effective_period(self, data, **_kwargs):
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError("Ngày hết hiệu lực phải sau ngày có hiệu lực.", "effective_to")


def current_version(procedure: Procedure):
    """The version new dossiers start on, else the newest draft."""
    return procedure.published_version() or procedure.latest_version()


class VersionSchema(OutputSchema):
    derived = {"code": lambda version: version.procedure.code}

    code = fields.String()
    version = fields.Integer(attribute="number")
    status = fields.String()
    created_at = LocalDateTime()
    published_at = LocalDateTime(allow_none=True)


class ProcedureSummarySchema(OutputSchema):
    derived = {
        "version": lambda procedure: current_version(procedure).number,
        "status": lambda procedure: current_version(procedure).status,
    }

    code = fields.String()
    name = fields.String()
    field = fields.String()
    level = fields.String()
    legal_limit = fields.String()
    version = fields.Integer()
    status = fields.String()


class UserTaskSchema(OutputSchema):
    derived = {
        "time_limit": lambda task: str(task.time_limit),
        "form": lambda task: [form_field.to_dict() for form_field in task.form],
    }

    element_id = fields.String()
    name = fields.String()
    role = fields.String()
    unit = fields.String(allow_none=True, metadata={"description": "Mã đơn vị hoặc loại đơn vị; null: đơn vị tiếp nhận."})
    time_limit = fields.String()
    form = fields.List(fields.Dict())


class ProcedureSchema(ProcedureSummarySchema):
    derived = {
        **ProcedureSummarySchema.derived,
        "fee": lambda procedure: {"amount": procedure.fee_amount, "description": procedure.fee_description},
        "user_tasks": lambda procedure: list(definition_of(current_version(procedure)).user_tasks.values()),
    }

    fee = fields.Nested(FeeSchema)
    documents = fields.List(fields.Nested(ProcedureDocumentSchema))
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    versions = fields.List(fields.Nested(VersionSchema))
    user_tasks = fields.List(fields.Nested(UserTaskSchema), metadata={
        "description": "Các bước của phiên bản đang áp dụng (hoặc bản nháp mới nhất)."})
