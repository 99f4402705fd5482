"""Task forms: one field model for both BPMN dialects, and its validation.

Camunda ``formField`` definitions and SpiffArena JSON Schema files are both
turned into :class:`FormField` lists when a procedure is uploaded, so the web
form, the API and validation share one definition.  Messages are in
Vietnamese because officers read them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.core.errors import Invalid

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str = "string"
    required: bool = False
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for enums
    default: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "required": self.required,
            "min": self.min, "max": self.max, "minlength": self.minlength,
            "maxlength": self.maxlength, "default": self.default,
            "options": [{"value": value, "label": label} for value, label in self.options],
        }


@dataclass
class FormDefinitionError(ValueError):
    message: str
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def constraint_number(name: str, value: str | None) -> float:
    """A numeric constraint's config, or a FormDefinitionError naming it."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FormDefinitionError(f"ràng buộc {name!r} cần một số, đang là {value!r}") from None


_JSON_TYPES = {"string": "string", "integer": "long", "number": "long", "boolean": "boolean"}


def fields_from_json_schema(schema: Any) -> list[FormField]:
    """Read a flat JSON Schema object (SpiffArena forms) as form fields.

    Only what a task form can show is accepted: an object of scalar
    properties; anything else is refused rather than silently ignored.
    """
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        raise FormDefinitionError("lược đồ biểu mẫu phải là JSON Schema kiểu object")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise FormDefinitionError("'properties' phải là một đối tượng")
    required = set(schema.get("required", []))
    return [_json_property_field(name, prop, name in required) for name, prop in properties.items()]


def _json_property_field(name: str, prop: Any, required: bool) -> FormField:
    if not isinstance(prop, dict):
        raise FormDefinitionError(f"thuộc tính {name!r} phải là một đối tượng", [name])
    kind = _JSON_TYPES.get(prop.get("type", "string"))
    if kind is None:
        raise FormDefinitionError(f"thuộc tính {name!r}: kiểu {prop.get('type')!r} không được hỗ trợ", [name])
    options: tuple[tuple[str, str], ...] = ()
    if "enum" in prop:
        kind = "enum"
        options = tuple((str(v), str(v)) for v in prop["enum"])
    elif "oneOf" in prop:
        kind = "enum"
        options = tuple((str(o.get("const")), str(o.get("title", o.get("const")))) for o in prop["oneOf"])
    elif prop.get("format") == "date":
        kind = "date"
    return FormField(
        id=name, label=prop.get("title", name), type=kind, required=required,
        min=prop.get("minimum"), max=prop.get("maximum"),
        minlength=prop.get("minLength"), maxlength=prop.get("maxLength"),
        options=options, default=prop.get("default"),
    )


def validate(fields: list[FormField], raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check and convert submitted values; return (clean data, errors by field id).

    ``raw`` may come from JSON (typed values) or from an HTML form (strings).
    Fields not in the form are ignored, so a client cannot write arbitrary
    variables into the workflow.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for form_field in fields:
        try:
            value = _convert(form_field, raw.get(form_field.id))
            _check(form_field, value)
        except ValueError as problem:
            errors[form_field.id] = str(problem)
            continue
        clean[form_field.id] = value
    return clean, errors


def clean_or_refuse(fields: list[FormField], raw: Any) -> dict[str, Any]:
    """:func:`validate` for a step being completed (a real one or a test run's): the clean
    data, or one 422 naming every field at fault, so both say the same."""
    clean, errors = validate(fields, raw if isinstance(raw, dict) else {})
    if errors:
        raise Invalid("Biểu mẫu có trường chưa hợp lệ.",
                      [{"field": name, "message": message} for name, message in errors.items()])
    return clean


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _convert(form_field: FormField, value: Any) -> Any:
    if form_field.type == "boolean":
        return _to_bool(value)
    if _is_blank(value):
        return None
    converter = {"long": _to_number, "date": _to_date, "enum": _to_enum}.get(form_field.type, _to_text)
    return converter(form_field, value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if _is_blank(value):
        return False
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes", "có"):
        return True
    if text in ("false", "0", "off", "no", "không"):
        return False
    raise ValueError("Phải là có hoặc không.")


def _to_number(_field: FormField, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Phải là một số.")
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace(" ", "")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise ValueError("Phải là một số.") from None


def _to_date(_field: FormField, value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError("Ngày không hợp lệ (định dạng YYYY-MM-DD).") from None


def _to_enum(form_field: FormField, value: Any) -> str:
    allowed = [option for option, _label in form_field.options]
    if str(value) not in allowed:
        raise ValueError("Giá trị không nằm trong danh sách cho phép.")
    return str(value)


def _to_text(_field: FormField, value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError("Phải là văn bản.")
    return str(value).strip()


def _check(form_field: FormField, value: Any) -> None:
    if value is None:
        if form_field.required:
            raise ValueError("Trường này là bắt buộc.")
        return
    if form_field.type == "long":
        if form_field.min is not None and value < form_field.min:
            raise ValueError(f"Không được nhỏ hơn {_number(form_field.min)}.")
        if form_field.max is not None and value > form_field.max:
            raise ValueError(f"Không được lớn hơn {_number(form_field.max)}.")
    if form_field.type == "string":
        if form_field.minlength is not None and len(value) < form_field.minlength:
            raise ValueError(f"Cần ít nhất {form_field.minlength} ký tự.")
        if form_field.maxlength is not None and len(value) > form_field.maxlength:
            raise ValueError(f"Không được quá {form_field.maxlength} ký tự.")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
