"""How the people of the simulation behave: when officers finish a step, what they write in
its form, how often the counter refuses or asks for more (pure: a calendar and a seeded random
source, no Flask, no database).

Officers mostly finish well inside a step's deadline and a few (``late_rate``) after it; the
delays are counted in office time, so that nobody works at night.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Iterable

from app.calendar.workdays import TimeLimit, WorkCalendar

#: what an officer writes in a free-text field
REMARK = "Đã kiểm tra, đủ điều kiện giải quyết (mô phỏng)."
#: the shortest office time between two acts on a dossier, in hours
MIN_HOURS = Fraction(5, 100)


@dataclass(frozen=True)
class Rates:
    """How often each thing happens: per step (``late``, ``flip``) or per dossier (the others)."""

    late: float = 0.002           #: a step finished after its deadline
    flip: float = 0.01            #: a yes/no of a step's form answered "no" (another branch of the diagram)
    refused_at_counter: float = 0.01
    incomplete: float = 0.02      #: received as incomplete (form 02), completed a day or two later
    supplement: float = 0.01      #: the counter asks the citizen for a supplement during processing
    refused_later: float = 0.004  #: refused after reception


class Behaviour:
    def __init__(self, calendar: WorkCalendar, rng: random.Random, rates: Rates = Rates()) -> None:
        self.calendar, self.rng, self.rates = calendar, rng, rates

    def chance(self, rate: float) -> bool:
        return self.rng.random() < rate

    def after(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        """A moment ``low_hours``–``high_hours`` of office time after ``moment``."""
        return self.office_time_after(moment, self.rng.uniform(low_hours, high_hours))

    def office_time_after(self, moment: datetime, hours: float) -> datetime:
        amount = max(MIN_HOURS, Fraction(round(hours * 100), 100))
        return self.calendar.due_at(moment, TimeLimit(amount, "h"))

    def completion(self, ready_at: datetime, due_at: datetime) -> tuple[datetime, bool]:
        """When the officer finishes a step ready at ``ready_at`` and due at ``due_at``, and
        whether that is late: late ones overrun by at least an hour and a half, so that the
        hourly sweep catches most of them."""
        allowed = float(self.calendar.working_days_between(ready_at, due_at) * self.calendar.office.hours_per_day)
        if self.chance(self.rates.late):
            return self.office_time_after(ready_at, max(allowed * self.rng.uniform(1.1, 1.6), allowed + 1.5)), True
        return self.office_time_after(ready_at, allowed * min(0.95, self.rng.betavariate(1.5, 4.0))), False

    def counter(self) -> str:
        """What the counter does with a dossier handed in: receive, record as incomplete, or refuse."""
        draw, rates = self.rng.random(), self.rates
        if draw < rates.refused_at_counter:
            return "refuse"
        return "incomplete" if draw < rates.refused_at_counter + rates.incomplete else "receive"

    def form(self, fields: Iterable[Any], today: date) -> dict[str, Any]:
        """A step's form as an officer fills it in: every required field and every yes/no, the
        happy branch mostly (yes; an enum's first option), the other one at ``flip``'s rate."""
        data, dates = {}, 0
        for field in fields:
            if field.readonly or not (field.required or field.type == "boolean"):
                continue
            data[field.id] = self._value(field, today, dates)
            dates += field.type == "date"
        return data

    def _value(self, field: Any, today: date, dates_before: int) -> Any:
        flip = self.chance(self.rates.flip)
        if field.type == "boolean":
            return not flip
        if field.type == "enum":
            values = [value for value, _label in field.options]
            return self.rng.choice(values[1:]) if flip and len(values) > 1 else values[0]
        if field.type == "long":
            return _number(field.min, field.max)
        if field.type == "date":
            return _day(field, today, dates_before)
        return self._text(field)

    def _text(self, field: Any) -> str:
        """The usual remark; where the field's pattern wants something else (an identity number:
        digits), the first of a few digit strings of likely lengths that it accepts."""
        remark = _remark(field.minlength, field.maxlength)
        if not field.pattern:
            return remark
        lengths = sorted({n for n in (field.minlength, field.maxlength, 12, 10, 9, 6) if n})
        candidates = [remark, *("".join(self.rng.choice("0123456789") for _ in range(n)) for n in lengths)]
        return next((text for text in candidates if re.fullmatch(field.pattern, text)), remark)


def _day(field: Any, today: date, dates_before: int) -> str:
    """Today; a later date field of the same form a year later per field before it (a card valid
    "from" today "to" next year), unless the field may not be in the future."""
    if field.max_date is not None:
        return today.isoformat()
    return (today + timedelta(days=365 * dates_before)).isoformat()


def _number(low: float | None, high: float | None) -> int:
    """One (a page, a copy), or the nearest value the field allows."""
    value = 1 if low is None else max(1, int(low))
    return value if high is None else min(value, int(high))


def _remark(minlength: int | None, maxlength: int | None) -> str:
    text = REMARK if len(REMARK) >= (minlength or 0) else REMARK.ljust(minlength, ".")
    return text[:maxlength] if maxlength else text
