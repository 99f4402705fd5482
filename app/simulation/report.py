"""The end of a run: its throughput and the timeliness report, read through the report
services (``app.reports``), summed by the level of the receiving unit."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any, Callable

from sqlalchemy import func, select

from app.db import session
from app.escalation.models import Escalation
from app.reports.scope import Period, Scope
from app.reports.services import COUNTS, TimelinessRow, timeliness
from app.simulation import shape
from app.simulation.run import Simulation

#: the acts of the run as the progress and the report name them (the JSON keeps the short names)
ACTS = {"arrive": "tiếp nhận", "complete": "hoàn thành bước", "hand_back": "trả kết quả", "tick": "quét hạn",
        "explain": "giải trình", "sign": "ký thư xin lỗi", "decide": "quyết định của lãnh đạo Trung tâm",
        "ask_supplement": "yêu cầu bổ sung", "request_supplement": "yêu cầu bổ sung",
        "supplement_brought": "nhận bổ sung", "record_supplement": "nhận bổ sung",
        "documents_brought": "nhận đủ giấy tờ", "complete_documents": "nhận đủ giấy tờ", "refuse": "từ chối",
        "refuse_at_counter": "từ chối tại quầy", "receive": "tiếp nhận", "return_result": "trả kết quả",
        "clock": "đặt đồng hồ"}
LEVEL_NAMES = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã", "total": "Tổng cộng"}


def by_level(days: list[date], units: list[shape.UnitSpec]) -> dict[str, TimelinessRow]:
    """The report by unit over the period, its rows summed by level, and the total."""
    level_of = {unit.code: unit.level for unit in units}
    levels = {key: TimelinessRow(key, name) for key, name in LEVEL_NAMES.items()}
    for row in timeliness(Scope(None, None), Period(days[0], days[-1]), "unit"):
        if row.key in level_of:
            levels[level_of[row.key]].add(row)
            levels["total"].add(row)
    return levels


def apologies(days: list[date]) -> dict[str, int]:
    """Escalations opened and letters signed in the period (the letters signed by the demo leaders)."""
    period = Period(days[0], days[-1])
    opened = select(func.count(Escalation.id)).where(Escalation.created_at >= period.start,
                                                     Escalation.created_at < period.end)
    signed = opened.where(Escalation.signed_at.is_not(None))
    return {"escalations": session.scalar(opened), "apologies_signed": session.scalar(signed)}


def figures(row: TimelinessRow) -> dict[str, Any]:
    return {**{name: getattr(row, name) for name in COUNTS}, "on_time_rate": row.on_time_rate}


def line(row: TimelinessRow) -> str:
    rate = "—" if row.on_time_rate is None else f"{row.on_time_rate * 100:.2f} %".replace(".", ",")
    return (f"{row.name:<10} nhận {row.received:>7} | xong sớm hạn {row.done_early:>6}, đúng hạn {row.done_on_time:>6}, "
            f"trễ hạn {row.done_late:>4} | đang giải quyết trong hạn {row.open_on_time:>6}, quá hạn {row.open_late:>4} "
            f"| từ chối {row.refused:>4} | đúng hạn {rate}")


def print_report(simulation: Simulation, days: list[date], seconds: float, echo: Callable[[str], None],
                 database: str) -> dict[str, Any]:
    """Print the throughput and the report; the last line is one JSON object with the figures."""
    tally, levels, escalated = simulation.tally, by_level(days, simulation.units), apologies(days)
    handled = tally.received + tally.refused_at_counter + tally.incomplete
    echo(f"Mô phỏng {len(days)} ngày làm việc ({days[0]:%d/%m/%Y}–{days[-1]:%d/%m/%Y}), {handled} hồ sơ đến, "
         f"trong {seconds:.1f} giây (CPU {simulation.cpu_seconds:.1f} giây): {handled / seconds:.1f} hồ sơ/giây, "
         f"{tally.operations / seconds:.1f} thao tác/giây.")
    each = tally.milliseconds_each()
    echo("Thời gian CPU mỗi việc (ms): " + ", ".join(f"{ACTS.get(kind, kind)} {ms}" for kind, ms in each.items()) + ".")
    echo("Báo cáo tiến độ giải quyết theo cấp (dịch vụ báo cáo):")
    for row in levels.values():
        echo("  " + line(row))
    echo(f"Trễ hạn: {escalated['escalations']} hồ sơ bị dừng, {escalated['apologies_signed']} thư xin lỗi đã ký số.")
    for key, count in sorted(tally.refusals_by_service.items()):
        act = key.split(":")[0]
        echo(f"Dịch vụ không chấp nhận việc {ACTS.get(act, act)}: {count} lần (ví dụ: {tally.refusal_examples[key]})")
    result = {
        "database": database, "days": len(days), "first_day": days[0].isoformat(), "last_day": days[-1].isoformat(),
        "per_day": simulation.options.per_day, "seed": simulation.options.seed, "seconds": round(seconds, 1),
        "cpu_seconds": round(simulation.cpu_seconds, 1),
        "dossiers": handled, "dossiers_per_second": round(handled / seconds, 1),
        "operations": tally.operations, "operations_per_second": round(tally.operations / seconds, 1),
        "cpu_ms_each": each, "tally": {k: v for k, v in asdict(tally).items() if k != "cpu"},
        "report": {key: figures(row) for key, row in levels.items()}, **escalated,
    }
    echo(json.dumps(result, ensure_ascii=False))
    return result
