"""When dossiers arrive: working days, office hours, the 2019 split by level (pure).

Each working day receives ``per_day`` dossiers, split between the levels by the
largest remainder (so that even a tiny run reaches every level), spread over the
office periods with a morning peak, each given a receiving unit (weighted: a city
receives more than a rural commune) and a procedure from that unit's mix.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

from app.simulation.shape import UnitSpec

#: how busy each hour of the day is, relative to the others (a morning peak, a quiet end of day)
HOUR_WEIGHTS = {7: 0.6, 8: 1.3, 9: 1.4, 10: 1.2, 11: 0.7, 12: 0.5, 13: 0.8, 14: 1.1, 15: 1.0, 16: 0.6}
#: districts receiving more than the others (the city and the town)
BUSY_DISTRICTS = {"SIM-H01": 1.6, "SIM-H02": 1.3}


@dataclass(frozen=True, order=True)
class Arrival:
    at: datetime
    unit_code: str
    procedure_code: str


def working_days(first: date, count: int, is_working_day) -> list[date]:
    """The ``count`` working days from ``first`` on (``first`` included if it is one)."""
    days, day = [], first
    while len(days) < count:
        if is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def split(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """``total`` shared out by ``shares``, largest remainders first, summing exactly to ``total``."""
    exact = {key: total * share / sum(shares.values()) for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(exact, key=lambda key: (counts[key] - exact[key], key))
    for key in by_remainder[:total - sum(counts.values())]:
        counts[key] += 1
    return counts


def unit_weights(units: Sequence[UnitSpec], rng: random.Random) -> list[float]:
    """How much each unit receives relative to its level's others (drawn once per run)."""
    return [BUSY_DISTRICTS.get(unit.code, 1.0) if unit.kind == "district" else rng.uniform(0.5, 1.5)
            for unit in units]


class Schedule:
    """Arrivals day by day, from one seeded random source."""

    def __init__(self, units: Mapping[str, Sequence[UnitSpec]], shares: Mapping[str, float],
                 periods: Sequence[tuple[time, time]], zone: ZoneInfo, rng: random.Random) -> None:
        self.units, self.shares, self.zone, self.rng = units, shares, zone, rng
        self.weights = {level: unit_weights(found, rng) for level, found in units.items()}
        self.slots, self.slot_weights = _slots(periods)

    def day(self, day: date, per_day: int) -> list[Arrival]:
        """The day's arrivals in time order."""
        arrivals = [self._arrival(day, level) for level, count in split(per_day, self.shares).items()
                    for _ in range(count)]
        return sorted(arrivals)

    def _arrival(self, day: date, level: str) -> Arrival:
        unit = self.rng.choices(self.units[level], self.weights[level])[0]
        procedures, shares = zip(*unit.mix)
        return Arrival(self._moment(day), unit.code, self.rng.choices(procedures, shares)[0])

    def _moment(self, day: date) -> datetime:
        start, end = self.rng.choices(self.slots, self.slot_weights)[0]
        minute = self.rng.uniform(start, end)
        return datetime.combine(day, time(0), self.zone) + timedelta(minutes=round(minute, 2))


def _slots(periods: Iterable[tuple[time, time]]) -> tuple[tuple[tuple[float, float], ...], tuple[float, ...]]:
    """The office periods cut at each hour: ((first minute, last minute), weight) pairs, unzipped."""
    slots = []
    for start, end in periods:
        minute, last = start.hour * 60 + start.minute, end.hour * 60 + end.minute
        while minute < last:
            following = min(last, (minute // 60 + 1) * 60)
            slots.append(((minute, following), (following - minute) * HOUR_WEIGHTS.get(minute // 60, 1.0)))
            minute = following
    return tuple(slot for slot, _ in slots), tuple(weight for _, weight in slots)


def every_day(schedule: Schedule, days: Sequence[date], per_day: int) -> Iterator[tuple[date, list[Arrival]]]:
    for day in days:
        yield day, schedule.day(day, per_day)
