"""marshmallow's validation messages in Vietnamese.

Every API caller, and every page that shows an API error next to a field,
reads these; marshmallow's English defaults must never reach an officer or a
citizen. Fields copy their class's messages when they are created, and the
schemas create theirs when their module is imported, so this module is
imported by :mod:`app.core.api` before any schema exists.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

FIELD_MESSAGES: dict[type, dict[str, str]] = {
    fields.Field: {"required": "Trường này bắt buộc.", "null": "Trường này không được để trống (null).",
                   "validator_failed": "Giá trị không hợp lệ."},
    fields.Nested: {"type": "Cần một đối tượng JSON."},
    fields.List: {"invalid": "Cần một danh sách."},
    fields.Tuple: {"invalid": "Cần một danh sách."},
    fields.String: {"invalid": "Cần một chuỗi ký tự.", "invalid_utf8": "Chuỗi ký tự không phải UTF-8 hợp lệ."},
    fields.UUID: {"invalid_uuid": "Không phải UUID hợp lệ."},
    fields.Number: {"invalid": "Cần một số.", "too_large": "Số quá lớn."},
    fields.Integer: {"invalid": "Cần một số nguyên."},
    fields.Float: {"special": "Không chấp nhận NaN hay vô cực."},
    fields.Decimal: {"special": "Không chấp nhận NaN hay vô cực."},
    fields.Boolean: {"invalid": "Cần giá trị true hoặc false."},
    fields.DateTime: {"invalid": "Thời điểm không hợp lệ: dùng ISO 8601, ví dụ 2026-12-01T08:00:00+07:00.",
                      "invalid_awareness": "Thời điểm cần có (hoặc không có) múi giờ theo đúng quy ước.",
                      "format": "Không định dạng được thời điểm."},
    fields.Date: {"invalid": "Ngày không hợp lệ: dùng dạng YYYY-MM-DD.", "format": "Không định dạng được ngày."},
    fields.TimeDelta: {"invalid": "Khoảng thời gian không hợp lệ.", "format": "Không định dạng được khoảng thời gian."},
    fields.Mapping: {"invalid": "Cần một đối tượng JSON."},
    fields.Url: {"invalid": "Địa chỉ URL không hợp lệ."},
    fields.Email: {"invalid": "Địa chỉ thư điện tử không hợp lệ."},
}

VALIDATOR_MESSAGES: dict[type, dict[str, str]] = {
    validate.URL: {"default_message": "Địa chỉ URL không hợp lệ."},
    validate.Email: {"default_message": "Địa chỉ thư điện tử không hợp lệ."},
    validate.Range: {"message_min": "Phải {min_op} {{min}}.", "message_max": "Phải {max_op} {{max}}.",
                     "message_all": "Phải {min_op} {{min}} và {max_op} {{max}}.",
                     "message_gte": "lớn hơn hoặc bằng", "message_gt": "lớn hơn",
                     "message_lte": "nhỏ hơn hoặc bằng", "message_lt": "nhỏ hơn"},
    validate.Length: {"message_min": "Cần ít nhất {min} phần tử hoặc ký tự.",
                      "message_max": "Tối đa {max} phần tử hoặc ký tự.",
                      "message_all": "Độ dài phải từ {min} đến {max}.", "message_equal": "Độ dài phải đúng {equal}."},
    validate.Equal: {"default_message": "Phải bằng {other}."},
    validate.Regexp: {"default_message": "Giá trị không đúng định dạng."},
    validate.Predicate: {"default_message": "Giá trị không hợp lệ."},
    validate.NoneOf: {"default_message": "Giá trị không hợp lệ."},
    validate.OneOf: {"default_message": "Phải là một trong: {choices}."},
    validate.ContainsOnly: {"default_message": "Có lựa chọn không thuộc: {choices}."},
    validate.ContainsNoneOf: {"default_message": "Có lựa chọn không được phép: {values}."},
}


def install() -> None:
    """Replace the English defaults, in place, on every class above (idempotent)."""
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}
    for validator_class, attributes in VALIDATOR_MESSAGES.items():
        for name, text in attributes.items():
            setattr(validator_class, name, text)
    Schema._default_error_messages = {"type": "Cần một đối tượng JSON.", "unknown": "Trường không được chấp nhận."}


install()
