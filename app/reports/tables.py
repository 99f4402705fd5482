"""Each report as a :class:`~app.reports.exports.Table`: its Vietnamese column titles and kinds.

The pages, the CSV and the XLSX files read the same columns, so what is exported is what is shown.
"""
from __future__ import annotations

from app.escalation.services import STATE_LABELS as ESCALATION_LABELS
from app.reports.exports import COUNT, MOMENT, NUMBER, RATE, TEXT, Column, Table
from app.reports.index766 import Indicator
from app.reports.services import DaysRow, LateStep, SatisfactionRow, TimelinessRow

GROUP_TITLES = {"unit": "Đơn vị", "procedure": "Thủ tục", "officer": "Cán bộ", "month": "Tháng"}


def _key_columns(group_by: str) -> tuple[Column, ...]:
    title = GROUP_TITLES[group_by]
    return (Column(f"Mã {title.lower()}" if group_by != "month" else "Tháng", TEXT, lambda row: row.key, 16),
            Column(title, TEXT, lambda row: row.name, 36))


def timeliness_table(rows: list[TimelinessRow], group_by: str) -> Table:
    steps = group_by == "officer"
    return Table("Tiến độ giải quyết", _key_columns(group_by) + (
        Column("Bước đã xử lý" if steps else "Tiếp nhận", COUNT, lambda row: row.received),
        Column("Giải quyết trước hạn", COUNT, lambda row: row.done_early),
        Column("Giải quyết đúng hạn", COUNT, lambda row: row.done_on_time),
        Column("Giải quyết quá hạn", COUNT, lambda row: row.done_late),
        Column("Đang giải quyết còn hạn", COUNT, lambda row: row.open_on_time),
        Column("Đang giải quyết quá hạn", COUNT, lambda row: row.open_late),
        Column("Từ chối sau tiếp nhận", COUNT, lambda row: row.refused),
        Column("Tỉ lệ đúng hạn", RATE, lambda row: row.on_time_rate),
    ), rows)


def late_table(rows: list[LateStep]) -> Table:
    return Table("Bước xử lý quá hạn", (
        Column("Mã hồ sơ", TEXT, lambda row: row.dossier_code, 26),
        Column("Mã thủ tục", TEXT, lambda row: row.procedure_code, 16),
        Column("Bước xử lý", TEXT, lambda row: row.step, 30),
        Column("Mã đơn vị", TEXT, lambda row: row.unit_code),
        Column("Đơn vị chịu trách nhiệm", TEXT, lambda row: row.unit_name, 30),
        Column("Người xử lý", TEXT, lambda row: row.assignee or "", 24),
        Column("Hạn xử lý", MOMENT, lambda row: row.due_at, 17),
        Column("Hoàn thành lúc", MOMENT, lambda row: row.completed_at, 17),
        Column("Trễ (giờ)", NUMBER, lambda row: row.late_by_hours),
        Column("Trạng thái giải trình", TEXT, lambda row: ESCALATION_LABELS.get(row.escalation_state, ""), 22),
        Column("Lý do", TEXT, lambda row: row.reason, 40),
    ), rows)


def days_table(rows: list[DaysRow], group_by: str) -> Table:
    return Table("Thời gian giải quyết", _key_columns(group_by) + (
        Column("Hồ sơ đã giải quyết", COUNT, lambda row: row.finished),
        Column("Trong đó trước hạn", COUNT, lambda row: row.early),
        Column("Số ngày làm việc trung bình", NUMBER, lambda row: row.average_days),
        Column("Thời hạn theo quy định (ngày, trung bình)", NUMBER, lambda row: row.average_legal_days),
        Column("Số ngày làm việc tiết kiệm", NUMBER, lambda row: row.days_saved),
    ), rows)


def satisfaction_table(rows: list[SatisfactionRow], group_by: str) -> Table:
    return Table("Mức độ hài lòng", _key_columns(group_by) + (
        Column("Hồ sơ đã giải quyết", COUNT, lambda row: row.finished),
        Column("Đã đánh giá", COUNT, lambda row: row.rated),
        Column("Rất hài lòng", COUNT, lambda row: row.scores.get(4, 0)),
        Column("Hài lòng", COUNT, lambda row: row.scores.get(3, 0)),
        Column("Chưa hài lòng", COUNT, lambda row: row.scores.get(2, 0)),
        Column("Không hài lòng", COUNT, lambda row: row.scores.get(1, 0)),
        Column("Tỉ lệ hài lòng", RATE, lambda row: row.satisfied_rate),
    ), rows)


def index_table(rows: list[Indicator]) -> Table:
    return Table("Chỉ số 766", (
        Column("Chỉ tiêu", TEXT, lambda row: row.definition.code, 8),
        Column("Tên chỉ tiêu", TEXT, lambda row: row.definition.name, 28),
        Column("Cách tính", TEXT, lambda row: row.definition.formula, 60),
        Column("Tử số", COUNT, lambda row: row.numerator),
        Column("Mẫu số", COUNT, lambda row: row.denominator),
        Column("Tỉ lệ", RATE, lambda row: row.rate),
        Column("Điểm", NUMBER, lambda row: row.points),
        Column("Điểm tối đa", NUMBER, lambda row: row.definition.max_points),
    ), rows)


def register_table(rows: list) -> Table:
    """Form 06's columns (printing/templates/register.html), one line per dossier."""
    return Table("Sổ theo dõi hồ sơ", (
        Column("STT", COUNT, lambda row: row[0], 6),
        Column("Mã hồ sơ", TEXT, lambda row: row[1].dossier_code, 26),
        Column("Tên thủ tục", TEXT, lambda row: row[1].procedure_name, 36),
        Column("Số lượng hồ sơ (bộ)", COUNT, lambda row: row[1].dossier_sets),
        Column("Tên cá nhân, tổ chức", TEXT, lambda row: row[1].applicant_name, 24),
        Column("Địa chỉ, số điện thoại", TEXT, lambda row: row[1].applicant_contact, 30),
        Column("Cơ quan chủ trì giải quyết", TEXT, lambda row: row[1].handling_unit, 26),
        Column("Nhận hồ sơ lúc", MOMENT, lambda row: row[1].received_at, 17),
        Column("Hẹn trả kết quả", MOMENT, lambda row: row[1].due_at, 17),
        Column("Chuyển hồ sơ đến cơ quan giải quyết", MOMENT, lambda row: row[1].transferred_at, 17),
        Column("Nhận kết quả từ cơ quan giải quyết", MOMENT, lambda row: row[1].result_received_at, 17),
        Column("Trả kết quả cho cá nhân, tổ chức", MOMENT, lambda row: row[1].returned_at, 17),
        Column("Ghi chú", TEXT, lambda row: row[1].note, 16),
    ), list(enumerate(rows, start=1)))

