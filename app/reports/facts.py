"""The reports' facts, kept in the transaction of each dossier event (DOMAIN.md, Timeliness).

A receiver of :data:`app.dossiers.signals.event_recorded` brings the dossier's
:class:`ReportFact` row and the officers' :class:`StepCount` counters in line with the event
written in the same transaction: a request that fails leaves the figures as they were, a
request that commits moves them exactly once. The hot path (a step completed) costs one
dictionary look-up and one upsert; only the step that ends a dossier touches its facts.
"""
from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from types import SimpleNamespace
from typing import Any, Callable

from sqlalchemy import bindparam, exists, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.calendar.services import work_calendar
from app.calendar.workdays import LimitError, parse_limit
from app.db import session
from app.dossiers.models import Dossier, DossierFile, Payment
from app.dossiers.signals import event_recorded
from app.reports.models import ReportFact, StepCount

Detail = dict[str, Any]


def local_day(moment: datetime) -> date:
    return clock.local(moment).date()


def month_of(day: date) -> int:
    """A month as the integer ``YYYYMM`` (the same on both databases, and ordered)."""
    return day.year * 100 + day.month


# --- a dossier received, paused, re-appointed, finished ------------------------------------------


def _received(dossier: Dossier, detail: Detail, at: datetime) -> None:
    """Reception (at the counter, an incomplete dossier completed, an online one accepted): the row
    starts here, with what was already true before (files sent online, a fee paid online)."""
    fact = (session.get(ReportFact, dossier.id) if dossier.id is not None else None) or ReportFact(dossier=dossier)
    day = local_day(dossier.received_at)
    fact.unit_id, fact.procedure_id = dossier.receiving_unit.id, dossier.procedure.id   # set before any flush
    fact.received_on, fact.received_month, fact.due_at = day, month_of(day), dossier.due_at
    fact.online, fact.fee = dossier.channel == "online", (dossier.procedure.fee_amount or 0) > 0
    fact.paused, fact.digitised, fact.paid_online = False, _has_files(dossier), _paid_online(dossier)
    session.add(fact)


def _has_files(dossier: Dossier) -> bool:
    """Files came with an online submission; a dossier received at the counter just now has none."""
    if dossier.id is None:
        return False
    return session.scalar(select(exists().where(DossierFile.dossier_id == dossier.id,
                                                DossierFile.kind == "submitted"))) or False


def _paid_online(dossier: Dossier) -> bool:
    if dossier.id is None:
        return False
    return session.scalar(select(exists().where(Payment.dossier_id == dossier.id, Payment.method == "online",
                                                Payment.state == "paid"))) or False


def _change(**values: Any) -> Callable[[ReportFact, Dossier, Detail, datetime], None]:
    """A handler setting fixed values on the dossier's row (a dossier never received has none)."""
    def handler(fact: ReportFact, _dossier: Dossier, _detail: Detail, _at: datetime) -> None:
        for name, value in values.items():
            setattr(fact, name, value)
    return handler


def _supplied(fact: ReportFact, dossier: Dossier, _detail: Detail, _at: datetime) -> None:
    """The supplement arrived: the clock runs again, towards the new appointment."""
    fact.paused, fact.due_at = False, dossier.due_at


def _reappointed(fact: ReportFact, dossier: Dossier, _detail: Detail, at: datetime) -> None:
    fact.reappointed_at, fact.due_at = at, dossier.due_at


def _ready(fact: ReportFact, dossier: Dossier, detail: Detail, at: datetime) -> None:
    """The result is ready: the dossier is finished, early, on time or late (the workflow decided)."""
    _finish(fact, at, detail.get("timeliness"))
    started = dossier.clock_started_at or dossier.received_at
    calendar = work_calendar()
    fact.days_taken = float(calendar.working_days_between(started, at))
    fact.legal_days = _legal_days(dossier.procedure.legal_limit, calendar.office.hours_per_day)
    early = fact.outcome == "early" and dossier.due_at is not None
    fact.days_saved = float(calendar.working_days_between(at, dossier.due_at)) if early else 0.0


def _finish(fact: ReportFact, at: datetime, outcome: str | None) -> None:
    day = local_day(at)
    fact.finished_on, fact.finished_month, fact.outcome, fact.paused = day, month_of(day), outcome, False


def _legal_days(limit: str, hours_per_day: Fraction) -> float | None:
    """The procedure's legal limit in working days ("4h" is half a day of eight office hours)."""
    try:
        parsed = parse_limit(limit)
    except LimitError:
        return None
    return float(parsed.hours(hours_per_day) / hours_per_day)


def _refused(fact: ReportFact, _dossier: Dossier, _detail: Detail, at: datetime) -> None:
    """Refused after reception: finished, neither early, on time nor late (README, Reports)."""
    _finish(fact, at, "refused")


def _rated(fact: ReportFact, _dossier: Dossier, detail: Detail, _at: datetime) -> None:
    fact.rating = detail.get("score")


def _paid(fact: ReportFact, _dossier: Dossier, detail: Detail, _at: datetime) -> None:
    if detail.get("method") == "online":
        fact.paid_online = True


#: what each event changes on a received dossier's row
ON_FACT: dict[str, Callable[[ReportFact, Dossier, Detail, datetime], None]] = {
    "supplement_requested": _change(paused=True), "supplement_received": _supplied,
    "apology_signed": _reappointed, "early_apology_signed": _reappointed,
    "ready_for_return": _ready, "refused": _refused, "rated": _rated, "payment_recorded": _paid,
    "result_attached": _change(e_result=True), "files_scanned": _change(digitised=True),
}


# --- the officers' steps -------------------------------------------------------------------------


_COUNTED = ("early", "on_time", "late")


def count_step(user_id: int, unit_id: int, day: date, timeliness: str) -> None:
    """One more step completed by the officer, on the day's and on the month's counter."""
    if timeliness not in _COUNTED:
        return
    rows = [{"grain": grain, "start": start, "user_id": user_id, "unit_id": unit_id,
             **{name: int(name == timeliness) for name in _COUNTED}}
            for grain, start in (("d", day), ("m", day.replace(day=1)))]
    session.connection().execute(_step_upsert(timeliness), rows)


_UPSERTS: dict[tuple[str, str], Any] = {}


def _step_upsert(timeliness: str):
    """INSERT … ON CONFLICT DO UPDATE adding one to the column, built once per dialect and column."""
    dialect = session.get_bind().dialect.name
    statement = _UPSERTS.get((dialect, timeliness))
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = StepCount.__table__
        statement = insert(table).on_conflict_do_update(
            index_elements=["grain", "start", "user_id", "unit_id"],
            set_={timeliness: table.c[timeliness] + 1})
        _UPSERTS[(dialect, timeliness)] = statement
    return statement


# --- the receiver --------------------------------------------------------------------------------


@event_recorded.connect
def on_event(dossier: Dossier, kind: str, detail: Detail, actor=None, at: datetime | None = None,
             **_: Any) -> None:
    """Keep the figures in this transaction; events nobody counts cost one look-up."""
    at = at or clock.now()
    if kind == "task_completed":
        if actor is not None:
            count_step(actor.id, actor.unit_id, local_day(at), (detail or {}).get("timeliness"))
    elif kind == "received":
        _received(dossier, detail or {}, at)
    elif kind in ON_FACT and dossier.id is not None:   # a dossier not yet written has no row
        _apply(ON_FACT[kind], dossier, detail or {}, at)


def _apply(handler: Callable, dossier: Dossier, detail: Detail, at: datetime) -> None:
    """Run the event's handler on the dossier's row: on the loaded object when the session holds
    it (it may carry changes not yet flushed), else as one UPDATE of what the handler set, on
    the connection (loading the row and flushing it back cost the step that ends a dossier more
    than the rest of its report work); no row, nothing changes, as for a dossier never received."""
    if _fact_key(dossier.id) in session.identity_map:
        handler(session.get(ReportFact, dossier.id), dossier, detail, at)
        return
    changes = SimpleNamespace()
    handler(changes, dossier, detail, at)
    if vars(changes):
        session.connection().execute(_UPDATE_FACT, {"of_dossier": dossier.id, **vars(changes)})


_FACT_TABLE = ReportFact.__table__
_UPDATE_FACT = _FACT_TABLE.update().where(_FACT_TABLE.c.dossier_id == bindparam("of_dossier"))


def _fact_key(dossier_id: int):
    return inspect(ReportFact).identity_key_from_primary_key((dossier_id,))
