"""Request and response bodies of the tasks API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.api import LocalDateTime, OutputSchema, PageQuery
from app.tasks.services import form_of

#: ``waiting``: a message wait (receive task, catch event), answered through the messages API
TASK_STATES = ("open", "waiting", "completed", "cancelled")


class FormFieldSchema(Schema):
    """A field of a task form, from the BPMN (Camunda formField or SpiffArena JSON Schema)."""

    id = fields.String()
    label = fields.String()
    type = fields.String(metadata={"enum": ["string", "long", "boolean", "date", "enum"]})
    required = fields.Boolean()
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    minlength = fields.Integer(allow_none=True)
    maxlength = fields.Integer(allow_none=True)
    default = fields.Raw(allow_none=True)
    options = fields.List(fields.Dict(), metadata={"description": "[{value, label}] của trường enum."})
    readonly = fields.Boolean(metadata={"description": "Chỉ đọc: giữ giá trị mặc định, giá trị gửi lên bị bỏ qua."})
    min_date = fields.String(allow_none=True, metadata={"description": "Trường ngày: không trước ngày này (YYYY-MM-DD hoặc 'today')."})
    max_date = fields.String(allow_none=True, metadata={"description": "Trường ngày: không sau ngày này; 'today': không ở tương lai."})
    pattern = fields.String(allow_none=True, metadata={"description": "Biểu thức chính quy mà cả giá trị phải khớp."})
    rules = fields.List(fields.Dict(), metadata={
        "description": "[{condition, message}]: điều kiện (ngôn ngữ biểu thức của cổng) phải thỏa, và thông báo khi không."})


class TaskSchema(OutputSchema):
    derived = {
        "dossier_code": lambda task: task.dossier.code,
        "form": lambda task: [form_field.to_dict() for form_field in form_of(task)],
    }

    id = fields.Integer()
    dossier_code = fields.String()
    name = fields.String()
    element_id = fields.String()
    role = fields.String(attribute="role_code")
    unit_code = fields.String(attribute="unit.code")
    time_limit = fields.String()
    ready_at = LocalDateTime()
    due_at = LocalDateTime()
    state = fields.String(metadata={"enum": list(TASK_STATES)})
    form = fields.List(fields.Nested(FormFieldSchema))
    completed_at = LocalDateTime(allow_none=True)
    completed_by = fields.String(attribute="completed_by.username", dump_default=None, allow_none=True)
    timeliness = fields.String(allow_none=True, metadata={"enum": ["early", "on_time", "late", None]})
    data = fields.Dict(allow_none=True, metadata={"description": "Dữ liệu biểu mẫu đã nộp khi hoàn thành."})


class TaskQuerySchema(PageQuery):
    mine = fields.Boolean(load_default=True, metadata={
        "description": "1: hộp việc của người gọi (vai trò và đơn vị của mình); 0: mọi việc đang mở của đơn vị."})


class CompleteSchema(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict, validate=validate.Length(max=500),
                       metadata={"description": "Giá trị các trường của biểu mẫu, theo id trường."})
