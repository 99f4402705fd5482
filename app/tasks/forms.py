"""Task forms: one field model for both BPMN dialects, and its validation.

Camunda ``formField`` definitions and SpiffArena JSON Schema files are both
turned into :class:`FormField` lists when a procedure is uploaded, so the web
form, the API and validation share one definition.  Messages are in
Vietnamese because officers read them, and each names the field's label, so
that a list of problems (the 422's, the page's summary) says which field.

The constraints an analyst can write (Camunda ``camunda:validation``; the
JSON Schema keywords in brackets):

* ``required``, ``readonly`` (``readOnly``: the default is kept, whatever is sent);
* ``minlength`` / ``maxlength`` (``minLength`` / ``maxLength``) on text;
* ``min`` / ``max`` (``minimum`` / ``maximum``) on numbers; on dates
  (``formatMinimum`` / ``formatMaximum``) an ISO date or ``today``, so that
  ``max`` = ``today`` means "not in the future";
* ``pattern`` (``pattern``): a regular expression the whole text must match,
  e.g. ``[0-9]{12}`` for a citizen identity number; the formField property
  ``patternMessage`` (``x-patternMessage``) says what is expected;
* ``validate`` (``x-validate: {condition, message}``): a condition in the
  gateways' safe expression language over the form's fields and ``today``
  (dates are ISO text, so they compare as dates), e.g. ``den_ngay >= tu_ngay``;
  the formField property ``validateMessage`` is what the officer reads when it
  does not hold.  It is checked once every field it names has a value.

Everything is checked at upload (a bad pattern or condition, or one naming
a field the form does not have, is refused naming the element and field) and
again on the server when the step is completed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from app import clock
from app.core.errors import Invalid
from app.procedures import expressions

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
TODAY = "today"
MAX_PATTERN = 200
#: a group followed by a quantifier, or a back-reference: the shapes that make matching explode
_RISKY_PATTERN = re.compile(r"\)[*+{]|\\[1-9]|\(\?[=!<]")


@dataclass(frozen=True)
class Rule:
    """A ``validate`` constraint: a condition that must hold, and what to say when it does not."""

    condition: str
    message: str


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
    readonly: bool = False
    #: bounds of a date field: an ISO date or "today"
    min_date: str | None = None
    max_date: str | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    rules: tuple[Rule, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "type": self.type, "required": self.required,
            "min": self.min, "max": self.max, "minlength": self.minlength,
            "maxlength": self.maxlength, "default": self.default, "readonly": self.readonly,
            "min_date": self.min_date, "max_date": self.max_date, "pattern": self.pattern,
            "options": [{"value": value, "label": label} for value, label in self.options],
            "rules": [{"condition": rule.condition, "message": rule.message} for rule in self.rules],
        }

    def hints(self) -> list[str]:
        """What the page says under the field, before anything is sent."""
        earliest = f"Không được trước {_shown(self.min_date)}." if self.min_date else None
        latest = f"Không được sau {_shown(self.max_date)}." if self.max_date else None
        return [text for text in (earliest, latest, self.pattern_message, *(r.message for r in self.rules)) if text]


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


# --------------------------------------------------------------------------- reading constraints


def from_constraints(field_id: str, kind: str, constraints: Iterable[tuple[str | None, str | None]],
                     properties: Mapping[str, str]) -> dict[str, Any]:
    """The :class:`FormField` values of a Camunda formField's ``camunda:validation`` constraints
    (name, config) and its ``camunda:properties`` (id → value); an unknown constraint is refused
    rather than silently not checked."""
    values: dict[str, Any] = {}
    for name, config in constraints:
        reader = _CONSTRAINTS.get(name or "")
        if reader is None:
            raise FormDefinitionError(f"trường '{field_id}': ràng buộc '{name}' không được hỗ trợ "
                                      f"(dùng: {', '.join(_CONSTRAINTS)})", [field_id])
        values.update(reader(field_id, kind, config, properties))
    return values


def _flag(name: str) -> Callable[..., dict[str, Any]]:
    return lambda *_: {name: True}


def _length(name: str) -> Callable[..., dict[str, Any]]:
    return lambda field_id, kind, config, props: {name: int(constraint_number(name, config))}


def _bound(name: str) -> Callable[..., dict[str, Any]]:
    """``min`` / ``max``: a number, or on a date field a date bound."""
    def read(field_id: str, kind: str, config: str | None, props: Mapping[str, str]) -> dict[str, Any]:
        if kind == "date":
            return {f"{name}_date": date_bound(field_id, config)}
        return {name: constraint_number(name, config)}
    return read


def date_bound(field_id: str, config: Any) -> str:
    """``today`` or an ISO date, as written; anything else refused naming the field."""
    text = str(config or "").strip()
    if text == TODAY:
        return TODAY
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FormDefinitionError(f"trường '{field_id}': giới hạn ngày phải là 'today' hoặc ngày dạng "
                                  f"YYYY-MM-DD, đang là {text!r}", [field_id]) from None


def _pattern(field_id: str, kind: str, config: str | None, props: Mapping[str, str]) -> dict[str, Any]:
    return {"pattern": checked_pattern(field_id, config), "pattern_message": props.get("patternMessage") or None}


def checked_pattern(field_id: str, text: Any) -> str:
    """A pattern that compiles and cannot make matching explode (no quantified group, no
    back-reference or look-around; bounded length), else refused naming the field."""
    pattern = str(text or "")
    problem = None
    if not pattern or len(pattern) > MAX_PATTERN:
        problem = f"cần một biểu thức chính quy dài 1–{MAX_PATTERN} ký tự"
    elif _RISKY_PATTERN.search(pattern):
        problem = "không dùng nhóm lặp (…)* (…)+ (…){n}, tham chiếu ngược hay nhìn trước/sau"
    else:
        try:
            re.compile(pattern)
        except re.error as error:
            problem = f"biểu thức chính quy không hợp lệ ({error.msg})"
    if problem:
        raise FormDefinitionError(f"trường '{field_id}': ràng buộc pattern {problem}", [field_id])
    return pattern


def _rule(field_id: str, kind: str, config: str | None, props: Mapping[str, str]) -> dict[str, Any]:
    return {"rules": (checked_rule(field_id, config, props.get("validateMessage")),)}


def checked_rule(field_id: str, condition: Any, message: Any) -> Rule:
    """A ``validate`` condition that the safe expression language accepts, with its message."""
    text = str(condition or "").strip()
    try:
        expressions.compile_expression(text)
    except expressions.ExpressionError as error:
        raise FormDefinitionError(f"trường '{field_id}': điều kiện kiểm tra {text!r}: {error}", [field_id]) from None
    if not str(message or "").strip():
        raise FormDefinitionError(f"trường '{field_id}': điều kiện kiểm tra cần thuộc tính validateMessage "
                                  "(thông báo khi điều kiện không thỏa)", [field_id])
    return Rule(expressions.to_python(text), str(message).strip())


_CONSTRAINTS: dict[str, Callable[..., dict[str, Any]]] = {
    "required": _flag("required"), "readonly": _flag("readonly"),
    "minlength": _length("minlength"), "maxlength": _length("maxlength"),
    "min": _bound("min"), "max": _bound("max"), "pattern": _pattern, "validate": _rule,
}


def checked_form(fields: list[FormField]) -> list[FormField]:
    """The form, once every condition names only its own fields (or ``today``)."""
    ids = {form_field.id for form_field in fields} | {TODAY}
    for form_field in fields:
        for rule in form_field.rules:
            unknown = sorted(expressions.names_in(rule.condition) - ids - {"True", "False", "None"})
            if unknown:
                raise FormDefinitionError(f"trường '{form_field.id}': điều kiện kiểm tra dùng "
                                          f"'{', '.join(unknown)}' không phải trường của biểu mẫu này",
                                          [form_field.id])
    return fields


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
    return checked_form([_json_property_field(name, prop, name in required) for name, prop in properties.items()])


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
        options=options, default=prop.get("default"), **_json_checks(name, prop),
    )


def _json_checks(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """The keywords beyond plain JSON Schema types: readOnly, date bounds, pattern, x-validate."""
    values: dict[str, Any] = {"readonly": bool(prop.get("readOnly", False))}
    for keyword, bound in (("formatMinimum", "min_date"), ("formatMaximum", "max_date")):
        if keyword in prop:
            values[bound] = date_bound(name, prop[keyword])
    if "pattern" in prop:
        values["pattern"] = checked_pattern(name, prop["pattern"])
        values["pattern_message"] = prop.get("x-patternMessage")
    rule = prop.get("x-validate")
    if rule is not None:
        if not isinstance(rule, dict):
            raise FormDefinitionError(f"thuộc tính {name!r}: x-validate phải là {{condition, message}}", [name])
        values["rules"] = (checked_rule(name, rule.get("condition"), rule.get("message")),)
    return values


# --------------------------------------------------------------------------- checking values


def validate(fields: list[FormField], raw: dict[str, Any],
             today: date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Check and convert submitted values; return (clean data, errors by field id).

    ``raw`` may come from JSON (typed values) or from an HTML form (strings).
    Fields not in the form are ignored, so a client cannot write arbitrary
    variables into the workflow; a read-only field keeps its default.
    ``today`` (the application clock's date unless given) bounds "not in the future".
    """
    today_text = (today or clock.local(clock.now()).date()).isoformat()
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for form_field in fields:
        submitted = form_field.default if form_field.readonly else raw.get(form_field.id)
        try:
            value = _convert(form_field, submitted)
            _check(form_field, value, today_text)
        except ValueError as problem:
            errors[form_field.id] = str(problem)
            continue
        clean[form_field.id] = value
    errors.update(_broken_rules(fields, clean, errors, today_text))
    return clean, errors


def clean_or_refuse(fields: list[FormField], raw: Any) -> dict[str, Any]:
    """:func:`validate` for a step being completed (a real one or a test run's): the clean
    data, or one 422 naming every field at fault, so both say the same."""
    clean, errors = validate(fields, raw if isinstance(raw, dict) else {})
    if errors:
        raise Invalid("Biểu mẫu có trường chưa hợp lệ.",
                      [{"field": name, "message": message} for name, message in errors.items()])
    return clean


def _broken_rules(fields: list[FormField], clean: dict[str, Any], errors: dict[str, str],
                  today: str) -> dict[str, str]:
    """The ``validate`` conditions that do not hold, on fields otherwise fine; a condition is
    checked once every field it names has a value (blank ones are ``required``'s business)."""
    broken = {}
    scope = {**clean, TODAY: today}
    for form_field in fields:
        for rule in form_field.rules if form_field.id not in errors else ():
            if any(scope.get(name) is None for name in expressions.names_in(rule.condition)):
                continue
            if not _holds(rule, scope):
                broken[form_field.id] = f"{form_field.label}: {rule.message}"
                break
    return broken


def _holds(rule: Rule, scope: dict[str, Any]) -> bool:
    """Whether the condition holds; one that cannot be worked out (values of kinds it cannot
    compare) does not, so the officer is told rather than the step going through unchecked."""
    try:
        return bool(expressions.evaluate(rule.condition, scope))
    except expressions.ExpressionError:
        return False


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _convert(form_field: FormField, value: Any) -> Any:
    if form_field.type == "boolean":
        return _to_bool(form_field, value)
    if _is_blank(value):
        return None
    converter = {"long": _to_number, "date": _to_date, "enum": _to_enum}.get(form_field.type, _to_text)
    return converter(form_field, value)


def _to_bool(form_field: FormField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if _is_blank(value):
        return False
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes", "có"):
        return True
    if text in ("false", "0", "off", "no", "không"):
        return False
    raise ValueError(f"{form_field.label}: phải là có hoặc không.")


def _to_number(form_field: FormField, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{form_field.label}: phải là một số.")
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
        raise ValueError(f"{form_field.label}: phải là một số.") from None


def _to_date(form_field: FormField, value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise ValueError(f"{form_field.label}: ngày không hợp lệ (định dạng YYYY-MM-DD).") from None


def _to_enum(form_field: FormField, value: Any) -> str:
    allowed = [option for option, _label in form_field.options]
    if str(value) not in allowed:
        raise ValueError(f"{form_field.label}: giá trị không nằm trong danh sách cho phép.")
    return str(value)


def _to_text(form_field: FormField, value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError(f"{form_field.label}: phải là văn bản.")
    return str(value).strip()


def _check(form_field: FormField, value: Any, today: str) -> None:
    if value is None:
        if form_field.required:
            raise ValueError(f"{form_field.label}: trường này là bắt buộc.")
        return
    check = {"long": _check_number, "string": _check_text, "date": _check_date}.get(form_field.type)
    if check is not None:
        check(form_field, value, today)


def _check_number(form_field: FormField, value: float, _today: str) -> None:
    if form_field.min is not None and value < form_field.min:
        raise ValueError(f"{form_field.label}: không được nhỏ hơn {_number(form_field.min)}.")
    if form_field.max is not None and value > form_field.max:
        raise ValueError(f"{form_field.label}: không được lớn hơn {_number(form_field.max)}.")


def _check_text(form_field: FormField, value: str, _today: str) -> None:
    if form_field.minlength is not None and len(value) < form_field.minlength:
        raise ValueError(f"{form_field.label}: cần ít nhất {form_field.minlength} ký tự.")
    if form_field.maxlength is not None and len(value) > form_field.maxlength:
        raise ValueError(f"{form_field.label}: không được quá {form_field.maxlength} ký tự.")
    if form_field.pattern is not None and re.fullmatch(form_field.pattern, value) is None:
        raise ValueError(f"{form_field.label}: {form_field.pattern_message or 'không đúng định dạng.'}")


def _check_date(form_field: FormField, value: str, today: str) -> None:
    """ISO dates compare as text; ``today`` is the application clock's date."""
    earliest, latest = (today if bound == TODAY else bound for bound in (form_field.min_date, form_field.max_date))
    if latest is not None and value > latest:
        raise ValueError(f"{form_field.label}: không được sau {_shown(form_field.max_date)}.")
    if earliest is not None and value < earliest:
        raise ValueError(f"{form_field.label}: không được trước {_shown(form_field.min_date)}.")


def _shown(bound: str) -> str:
    return "ngày hôm nay" if bound == TODAY else f"ngày {date.fromisoformat(bound):%d/%m/%Y}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
