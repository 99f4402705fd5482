"""Request and response bodies of the procedures API."""
from __future__ import annotations

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.core.api import LocalDateTime, OutputSchema, bounded
from app.procedures.dialect import MAX_BPMN_BYTES
from app.procedures.models import Procedure
from app.calendar.workdays import LimitError, parse_limit
from app.dossiers import testruns
from app.procedures import services
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


class DiagramInSchema(Schema):
    """A BPMN diagram with the form files it names."""

    bpmn_xml = fields.String(required=True, validate=validate.Length(1, MAX_BPMN_BYTES))
    forms = fields.Dict(keys=bounded(255, required=True), values=fields.Nested(FormJsonSchema), load_default=dict,
                        metadata={"description": "Tệp JSON Schema của biểu mẫu (SpiffArena), theo tên tệp."})


def _is_limit(value: str) -> None:
    try:
        parse_limit(value)
    except LimitError:
        raise ValidationError("Thời hạn có dạng 3d (ngày làm việc), 4h (giờ) hoặc 0d (trong ngày).") from None


class CatalogueSchema(Schema):
    """The catalogue fields of a procedure."""

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

    @validates_schema
    def _effective_period(self, data, **_kwargs):
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError("Ngày hết hiệu lực phải sau ngày có hiệu lực.", "effective_to")


class ProcedureInSchema(CatalogueSchema, DiagramInSchema):
    """A new procedure, or a new version of one: its catalogue entry and diagram."""

    new_procedure = fields.Boolean(load_default=False, metadata={
        "description": "true: chỉ tạo thủ tục mới; mã đã có thì 409 (không thêm phiên bản vào thủ tục đó)."})


class CataloguePatchSchema(CatalogueSchema):
    """Some catalogue fields of a procedure (the code cannot change); any field may be left out."""

    class Meta:
        exclude = ("code",)

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(**kwargs)


class DraftInSchema(CatalogueSchema, DiagramInSchema):
    """A draft's new diagram and forms, with any catalogue fields to change in the same
    transaction (the modeler saves both at once); the code cannot change."""

    class Meta:
        exclude = ("code",)

    def __init__(self, **kwargs):
        kwargs.setdefault("partial", tuple(name for name in CatalogueSchema._declared_fields if name != "code"))
        super().__init__(**kwargs)


class CheckInSchema(DiagramInSchema):
    legal_limit = bounded(16, validate=_is_limit, load_default=None, metadata={
        "example": "3d", "description": "Thời hạn giải quyết để so với đường dài nhất; bỏ trống: không so."})


class ProblemItemSchema(Schema):
    element_id = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    message = fields.String()


class CheckResultSchema(Schema):
    errors = fields.List(fields.Nested(ProblemItemSchema), metadata={"description": "Lỗi: không lưu được."})
    warnings = fields.List(fields.Nested(ProblemItemSchema), metadata={"description": "Cảnh báo: vẫn lưu được."})


def current_version(procedure: Procedure):
    """The version new dossiers start on, else the newest draft."""
    return procedure.published_version() or procedure.latest_version()


def _username(attribute: str):
    return lambda version: getattr(getattr(version, attribute), "username", None)


class VersionSchema(OutputSchema):
    derived = {"code": lambda version: version.procedure.code, "created_by": _username("created_by"),
               "published_by": _username("published_by"), "retired_by": _username("retired_by")}

    code = fields.String()
    version = fields.Integer(attribute="number")
    status = fields.String(metadata={"description": "draft | published | retired"})
    created_at = LocalDateTime()
    created_by = fields.String(allow_none=True)
    published_at = LocalDateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    retired_at = LocalDateTime(allow_none=True)
    retired_by = fields.String(allow_none=True)


class SavedVersionSchema(VersionSchema):
    """A version just saved, with the warnings of its check."""

    derived = {**VersionSchema.derived, "warnings": lambda version: [p.to_dict() for p in version.check_warnings]}

    warnings = fields.List(fields.Nested(ProblemItemSchema))


class ProcedureSummarySchema(OutputSchema):
    derived = {
        "version": lambda procedure: current_version(procedure).number,
        "status": lambda procedure: current_version(procedure).status,
        "in_force": lambda procedure: services.not_in_force_reason(procedure) is None,
        "not_in_force_reason": lambda procedure: services.not_in_force_reason(procedure),
    }

    code = fields.String()
    name = fields.String()
    field = fields.String()
    level = fields.String()
    legal_limit = fields.String()
    version = fields.Integer()
    status = fields.String()
    in_force = fields.Boolean(metadata={"description": "Nhận hồ sơ mới hôm nay (đã công bố và trong thời gian hiệu lực)."})
    not_in_force_reason = fields.String(allow_none=True)


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


class ElementSummarySchema(Schema):
    element_id = fields.String()
    type = fields.String()
    name = fields.String()


class FieldChangeSchema(Schema):
    field = fields.String(metadata={"description": "type, name, source, target, condition, role, time_limit, unit, form"})
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)


class ElementChangeSchema(Schema):
    element_id = fields.String()
    changes = fields.List(fields.Nested(FieldChangeSchema))


class DiffSchema(Schema):
    added = fields.List(fields.Nested(ElementSummarySchema))
    removed = fields.List(fields.Nested(ElementSummarySchema))
    changed = fields.List(fields.Nested(ElementChangeSchema))


def _unit(attribute: str):
    return lambda task: getattr(task.unit, attribute)


class TestRunStepSchema(OutputSchema):
    """A step of a test run: done (with its data and timeliness) or open (with its form)."""

    derived = {"unit_code": _unit("code"), "unit_name": _unit("name"),
               "form": lambda task: [f.to_dict() for f in testruns.step_form(task.dossier, task)]
               if task.state == "open" else None}

    task_id = fields.Integer(attribute="id")
    element_id = fields.String()
    name = fields.String()
    role = fields.String(attribute="role_code")
    unit_code = fields.String()
    unit_name = fields.String()
    state = fields.String(metadata={"description": "open | completed | cancelled"})
    time_limit = fields.String()
    ready_at = LocalDateTime()
    due_at = LocalDateTime()
    completed_at = LocalDateTime(allow_none=True)
    timeliness = fields.String(allow_none=True, metadata={"description": "early | on_time | late"})
    data = fields.Dict(allow_none=True)
    form = fields.List(fields.Dict(), allow_none=True, metadata={"description": "Biểu mẫu của bước đang mở."})


class TestRunSchema(OutputSchema):
    """A sandbox dossier: the path taken so far and the steps open now."""

    derived = {
        "procedure_code": lambda dossier: dossier.procedure.code,
        "version": lambda dossier: dossier.procedure_version.number,
        "version_status": lambda dossier: dossier.procedure_version.status,
        "receiving_unit": lambda dossier: dossier.receiving_unit.code,
        "path": lambda dossier: [t for t in testruns.steps(dossier) if t.state == "completed"],
        "open_steps": lambda dossier: [t for t in testruns.steps(dossier) if t.state == "open"],
        "completed": lambda dossier: dossier.finished_at is not None,
    }

    code = fields.String(metadata={"example": "THU-251003-0001"})
    procedure_code = fields.String()
    version = fields.Integer()
    version_status = fields.String()
    receiving_unit = fields.String()
    status = fields.String()
    received_at = LocalDateTime()
    due_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    timeliness = fields.String(allow_none=True)
    completed = fields.Boolean()
    path = fields.List(fields.Nested(TestRunStepSchema), metadata={"description": "Các bước đã làm, theo thứ tự."})
    open_steps = fields.List(fields.Nested(TestRunStepSchema))

