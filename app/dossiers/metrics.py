"""The dossiers' counters for Prometheus, kept from their audit events.

Why here: these figures are facts of the dossier's life (a reception, a step done, a return, a
late step escalated, an apology signed), and every such fact is an event of its audit trail,
announced by :data:`app.dossiers.signals.event_recorded` inside its transaction whatever the
process (web, API, scheduler).  One receiver counting events sees the counter, the online and
the scheduler's paths alike, without a line in the services.  A count moves only when the
transaction commits (:func:`app.core.metrics.count_on_commit`): a completion refused with a
409 or 422 rolls back and is not counted.

Labels stay few and bounded: the channel of a reception, the level of an escalation, whether a
letter was an early apology; never a dossier, a unit or a user.
"""
from __future__ import annotations

from typing import Any

from prometheus_client import Counter

from app.core.metrics import count_on_commit
from app.db import session
from app.dossiers.signals import event_recorded

CHANNELS = ("counter", "online")

TASK_COMPLETIONS = Counter("motcua_task_completions_total", "Số bước xử lý đã hoàn thành.")
RECEPTIONS = Counter("motcua_receptions_total", "Số hồ sơ đã tiếp nhận (bắt đầu tính hạn), theo kênh.",
                     ("channel",))
ONLINE_SUBMISSIONS = Counter("motcua_online_submissions_total", "Số hồ sơ trực tuyến công dân đã nộp.")
RETURNS = Counter("motcua_returns_total", "Số hồ sơ đã trả kết quả.")
ESCALATIONS = Counter("motcua_escalations_total", "Số bước quá hạn đã bị dừng và chuyển xử lý trễ hạn, theo cấp.",
                      ("level",))
APOLOGIES_SIGNED = Counter("motcua_apology_letters_signed_total", "Số thư xin lỗi lãnh đạo đã ký, theo loại.",
                           ("early",))


def _reception(detail: dict[str, Any]):
    channel = detail.get("channel")
    return RECEPTIONS.labels(channel if channel in CHANNELS else "other")


def _escalation(detail: dict[str, Any]):
    return ESCALATIONS.labels(str(detail.get("level") or 1))


#: the event's kind → the counter (a labelled child) it moves, from the event's detail
COUNTED = {
    "task_completed": lambda _detail: TASK_COMPLETIONS,
    "received": _reception,
    "submitted": lambda _detail: ONLINE_SUBMISSIONS,
    "returned": lambda _detail: RETURNS,
    "escalated": _escalation,
    "apology_signed": lambda _detail: APOLOGIES_SIGNED.labels("false"),
    "early_apology_signed": lambda _detail: APOLOGIES_SIGNED.labels("true"),
}


@event_recorded.connect
def on_event(_dossier, kind: str, detail: dict[str, Any] | None = None, **_: Any) -> None:
    """Count the event once its transaction commits; other events cost one dictionary look-up."""
    counter = COUNTED.get(kind)
    if counter is not None:
        count_on_commit(session(), counter(detail or {}))
