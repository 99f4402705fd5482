"""Form validation and JSON Schema forms."""
import pytest

from app.tasks.forms import FormDefinitionError, FormField, fields_from_json_schema, validate

pytestmark = pytest.mark.unit

FIELDS = [
    FormField("ho_ten", "Họ tên", "string", required=True, minlength=2, maxlength=10),
    FormField("so_ban", "Số bản", "long", required=True, min=1, max=60),
    FormField("dong_y", "Đồng ý", "boolean"),
    FormField("ngay", "Ngày", "date"),
    FormField("loai", "Loại", "enum", options=(("a", "A"), ("b", "B"))),
]


def test_valid_html_strings_are_converted():
    clean, errors = validate(FIELDS, {"ho_ten": " An ", "so_ban": "3", "dong_y": "on", "ngay": "2026-03-05",
                                      "loai": "b", "injected": "x"})
    assert errors == {}
    assert clean == {"ho_ten": "An", "so_ban": 3, "dong_y": True, "ngay": "2026-03-05", "loai": "b"}


def test_json_types_are_accepted():
    clean, errors = validate(FIELDS, {"ho_ten": "Bình", "so_ban": 60, "dong_y": False})
    assert errors == {} and clean["so_ban"] == 60 and clean["dong_y"] is False and clean["ngay"] is None


@pytest.mark.parametrize("data, field", [
    ({"so_ban": 1}, "ho_ten"),
    ({"ho_ten": "A", "so_ban": 1}, "ho_ten"),
    ({"ho_ten": "A" * 11, "so_ban": 1}, "ho_ten"),
    ({"ho_ten": "An", "so_ban": 0}, "so_ban"),
    ({"ho_ten": "An", "so_ban": 61}, "so_ban"),
    ({"ho_ten": "An", "so_ban": "ba"}, "so_ban"),
    ({"ho_ten": "An", "so_ban": True}, "so_ban"),
    ({"ho_ten": "An", "so_ban": 1, "dong_y": "maybe"}, "dong_y"),
    ({"ho_ten": "An", "so_ban": 1, "ngay": "05/03/2026"}, "ngay"),
    ({"ho_ten": "An", "so_ban": 1, "loai": "c"}, "loai"),
    ({"ho_ten": {"x": 1}, "so_ban": 1}, "ho_ten"),
])
def test_each_broken_rule_is_reported_on_its_field(data, field):
    _clean, errors = validate(FIELDS, data)
    assert list(errors) == [field]
    assert errors[field]


def test_json_schema_fields():
    fields = fields_from_json_schema({
        "type": "object", "required": ["ten"],
        "properties": {
            "ten": {"type": "string", "title": "Tên", "maxLength": 5},
            "von": {"type": "integer", "minimum": 0},
            "ngay": {"type": "string", "format": "date"},
            "loai": {"type": "string", "enum": ["x", "y"]},
            "ok": {"type": "boolean"},
        },
    })
    by_id = {f.id: f for f in fields}
    assert by_id["ten"].required and by_id["ten"].maxlength == 5 and by_id["ten"].label == "Tên"
    assert by_id["von"].type == "long" and by_id["von"].min == 0
    assert by_id["ngay"].type == "date" and by_id["loai"].options == (("x", "x"), ("y", "y"))
    assert by_id["ok"].type == "boolean"


@pytest.mark.parametrize("schema", [[], {"type": "array"}, {"properties": {"a": {"type": "object"}}},
                                    {"properties": []}, {"properties": {"a": 1}}])
def test_unsupported_json_schemas_are_refused(schema):
    with pytest.raises(FormDefinitionError):
        fields_from_json_schema(schema)
