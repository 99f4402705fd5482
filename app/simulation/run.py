"""The run: the application clock moved through the period, every act through the services.

Events (an arrival, a step finished, a supplement brought, a letter signed…) wait in a heap
ordered by their moment.  Hour by hour the clock is set to each event's moment and the event is
carried out by the service function the API would call for it (reception, task completion,
supplement, refusal, return, the apology path), each committing as the product does; at every
full hour the scheduler's sweep runs, escalating the steps gone late meanwhile.  Nothing is
written to the database except through those services: the simulator only reads, to learn
which steps a move opened and which dossiers the sweep stopped.
"""
from __future__ import annotations

import heapq
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, time as daytime, timedelta
from typing import Any, Callable

from sqlalchemy import bindparam, func, select

from app import clock
from app.calendar.services import work_calendar
from app.core.errors import AppError, Locked
from app.db import session
from app.demo import DEMO_PIN
from app.dossiers import services as dossiers
from app.dossiers.uncollected import remind as remind_uncollected
from app.escalation import services as escalations
from app.escalation.models import Escalation
from app.escalation.sweep import sweep
from app.notifications.dispatch import dispatch
from app.procedures.services import definition_of, get_procedure
from app.simulation import arrivals, province, shape
from app.simulation.behaviour import Behaviour, Rates
from app.tasks import services as tasks
from app.tasks.models import Task

REFUSAL = "Hồ sơ không thuộc thẩm quyền giải quyết của đơn vị (mô phỏng)."
SUPPLEMENT = "Bổ sung bản sao giấy tờ chứng minh theo yêu cầu (mô phỏng)."
DELAY_REASON = "Khối lượng hồ sơ tăng đột biến, cán bộ thụ lý phải xác minh thêm (mô phỏng)."
DECISION = "Giao đơn vị giải quyết ngay trong ngày làm việc tiếp theo (mô phỏng)."
#: a supplement is asked, or a dossier refused, this soon after reception (office hours): before
#: most dossiers are finished (a same-day procedure may be; the service then answers 409, counted)
SOON_AFTER = (0.05, 0.5)
#: a step the dossier's stop held back is taken up again this soon after it goes on (office hours)
RESUME_HOURS = (0.3, 2.0)


#: the open steps of a dossier's own workflow: who does each, and from when to when (built once)
_OPEN_STEPS = select(Task.id, Task.unit_id, Task.role_code, Task.element_id, Task.ready_at, Task.due_at).where(
    Task.dossier_id == bindparam("dossier_id"), Task.state == "open", Task.escalation_id.is_(None))


@dataclass(frozen=True)
class Options:
    days: int = 22
    per_day: int = 2100
    seed: int = 1
    start: date | None = None
    rates: Rates = Rates()


@dataclass
class Case:
    """What the simulator remembers of a dossier it follows (ids only: no ORM object is held)."""

    code: str
    id: int
    unit_code: str
    procedure: str
    generation: int = 0
    scheduled: set[int] = field(default_factory=set)
    held: list[tuple] = field(default_factory=list)


@dataclass
class Tally:
    received: int = 0
    refused_at_counter: int = 0
    incomplete: int = 0
    steps: int = 0
    late_steps: int = 0
    finished: int = 0
    returned: int = 0
    refused: int = 0
    supplements: int = 0
    escalated: int = 0
    explained: int = 0
    apologies_signed: int = 0
    decided: int = 0
    sweeps: int = 0
    #: the services' refusals (the API's 4xx) by act and kind, e.g. a supplement asked of a dossier just finished
    refusals_by_service: dict[str, int] = field(default_factory=dict)
    refusal_examples: dict[str, str] = field(default_factory=dict)
    #: CPU seconds and count of each kind of event (an arrival, a step, a sweep…): the cost of each operation
    cpu: dict[str, list] = field(default_factory=dict)

    @property
    def operations(self) -> int:
        return (self.received + self.refused_at_counter + self.incomplete + self.steps + self.returned
                + self.refused + 2 * self.supplements + self.explained + self.apologies_signed + self.decided)

    def refused_by_service(self, kind: str, error: AppError) -> None:
        """Count a service's refusal by act and answer; the first one's words are kept as its example."""
        key = f"{kind}: {type(error).__name__}"
        self.refusals_by_service[key] = self.refusals_by_service.get(key, 0) + 1
        self.refusal_examples.setdefault(key, error.detail)

    def spent(self, kind: str, seconds: float) -> None:
        entry = self.cpu.setdefault(kind, [0.0, 0])
        entry[0] += seconds
        entry[1] += 1

    def add(self, other: "Tally") -> None:
        """Add another worker's counts (and CPU times) to these."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(value, int):
                setattr(self, name, mine + value)
            elif name == "cpu":
                for kind, (seconds, count) in value.items():
                    entry = mine.setdefault(kind, [0.0, 0])
                    entry[0], entry[1] = entry[0] + seconds, entry[1] + count
            elif name == "refusal_examples":
                mine.update({key: text for key, text in value.items() if key not in mine})
            else:
                mine.update({key: mine.get(key, 0) + count for key, count in value.items()})

    def milliseconds_each(self) -> dict[str, float]:
        return {kind: round(seconds * 1000 / count, 2) for kind, (seconds, count) in sorted(self.cpu.items())}


class SimulatedClock:
    """The application clock reading the simulated moment (``app.clock.use_source``), kept in
    memory: reading the stored offset on every ``now()`` would cost a query each."""

    def __init__(self) -> None:
        self.moment = clock.now()

    def read(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = max(self.moment, moment)


class Alone:
    """The pace of a run in one process: it sweeps every hour itself and prints each day's progress."""

    def hour(self, simulation: "Simulation", moment: datetime) -> None:
        simulation.timed(simulation.tick, moment)
        simulation.follow_escalations()

    def __init__(self) -> None:
        self.previous = 0.0

    def day(self, simulation: "Simulation", number: int, day: date, days: int, seconds: float) -> None:
        simulation.progress(day_line(simulation.tally, number, day, days, seconds, self.previous))
        self.previous = seconds


class Simulation:
    """One process's part of the run: the dossiers of the receiving units ``share`` gives it
    (worker index, workers), all of them when alone."""

    def __init__(self, options: Options, progress: Callable[[str], None], share: tuple[int, int] = (0, 1),
                 pace: Any = None) -> None:
        self.options, self.progress, self.share, self.pace = options, progress, share, pace or Alone()
        #: the arrivals are drawn alike in every worker (each keeps its own); the people's acts apart
        self.rng = random.Random(options.seed)
        self.calendar = work_calendar()
        self.behaviour = Behaviour(self.calendar, random.Random(f"{options.seed}/{share[0]}"), options.rates)
        self.units = shape.province()
        self.clock = SimulatedClock()
        self.tally = Tally()
        self.events: list[tuple] = []
        self.counter = itertools.count()
        self.cases: dict[int, Case] = {}
        self.last_escalation = 0
        #: CPU time of the run: what it costs whatever else the machine is doing
        self.cpu_seconds = 0.0

    # ----------------------------------------------------------------------------------- setting up

    def prepare(self) -> None:
        province.build(self.units, self.progress)
        self.staff, self.signatories = province.Staff(), province.Signatories()
        codes = {code for unit in self.units for code, _share in unit.mix}
        self.procedures = {code: get_procedure(code) for code in codes}
        self.definitions = {code: definition_of(p.published_version()) for code, p in self.procedures.items()}
        self.documents = {code: [{"name": d["name"], "copies": d.get("copies", 1)} for d in p.documents
                                 if d.get("required", True)] for code, p in self.procedures.items()}
        self.last_escalation = session.scalar(select(func.max(Escalation.id))) or 0

    def period(self) -> list[date]:
        first = self.options.start or self.calendar.next_working_day(clock.local(clock.now()).date())
        return arrivals.working_days(first, self.options.days, self.calendar.is_working_day)

    # ----------------------------------------------------------------------------------- the loop

    def run(self, days: list[date]) -> float:
        """Run the period; returns the seconds it took (the setting up excluded)."""
        levels = {level: shape.receiving(self.units, level) for level in shape.LEVELS}
        schedule = arrivals.Schedule(levels, shape.SPLIT, self.calendar.office.periods, clock.LOCAL_TZ, self.rng)
        mine = self.receiving_units()
        started, cpu_started = time.perf_counter(), time.process_time()
        for number, day in enumerate(days, start=1):
            for arrival in schedule.day(day, self.options.per_day):
                if arrival.unit_code in mine:
                    self.push(arrival.at, self.arrive, arrival)
            for hour in self.hours(day):
                self.until(hour)
                self.pace.hour(self, hour)
            self.pace.day(self, number, day, len(days), time.perf_counter() - started)
        self.cpu_seconds = time.process_time() - cpu_started
        return time.perf_counter() - started

    def receiving_units(self) -> set[str]:
        """The receiving units whose dossiers this process follows: every ``count``-th from its index."""
        index, count = self.share
        receiving = [unit.code for unit in self.units if unit.level]
        return {code for n, code in enumerate(receiving) if n % count == index}

    def hours(self, day: date) -> list[datetime]:
        """The full hours of the office day, and its closing: when the scheduler sweeps."""
        opening, closing = self.calendar.office.periods[0][0], self.calendar.office.closing_time
        first = datetime.combine(day, opening, clock.LOCAL_TZ).replace(minute=0) + timedelta(hours=1)
        last = datetime.combine(day, closing, clock.LOCAL_TZ)
        return [first + timedelta(hours=n) for n in range(int((last - first).total_seconds() // 3600) + 1)]

    def push(self, moment: datetime, action: Callable, *payload: Any) -> None:
        heapq.heappush(self.events, (moment, next(self.counter), action, payload))

    def until(self, moment: datetime) -> None:
        """Carry out every event before ``moment``, in time order, each at its own time."""
        while self.events and self.events[0][0] < moment:
            at, _, action, payload = heapq.heappop(self.events)
            self.clock.set(at)
            self.timed(action, *payload)

    def timed(self, action: Callable, *payload: Any) -> None:
        """Carry out an event, counting the CPU time it took by its kind (the action's name)."""
        started = time.process_time()
        session.close()  # each act in a session of its own, as each request is
        action(*payload)
        self.tally.spent(action.__name__, time.process_time() - started)

    def tick(self, moment: datetime) -> None:
        """What the scheduler's tick does (``scheduler.tick``, without its own app context, which would
        end the session the staff are loaded in): the sweep, the uncollected reminders, the outbox."""
        self.clock.set(moment)
        result = sweep()
        remind_uncollected()
        dispatch()
        self.tally.sweeps += 1
        self.tally.escalated += result.escalated

    def attempt(self, kind: str, act: Callable[[], Any]) -> Any:
        """Do ``act``; a service's refusal (a 4xx of the API) is counted, not raised."""
        try:
            return act()
        except AppError as error:
            self.tally.refused_by_service(kind, error)
            return None

    # ----------------------------------------------------------------------------------- the counter

    def arrive(self, arrival: arrivals.Arrival) -> None:
        """A citizen at the counter: refused there, recorded as incomplete (form 02), or received."""
        actor = self.staff.at(arrival.unit_code, "receptionist")
        applicant = dossiers.Applicant(f"Công dân {next(self.counter)}", address="Bắc Ninh (mô phỏng)")
        documents, outcome = self.documents[arrival.procedure_code], self.behaviour.counter()
        if outcome == "refuse":
            self.refuse_at_counter(actor, arrival.procedure_code, applicant, documents)
            return
        missing = documents[-1:] if outcome == "incomplete" else []
        dossier = self.attempt("receive", lambda: dossiers.receive(
            actor, arrival.procedure_code, applicant, documents[:len(documents) - len(missing)],
            missing=[item["name"] for item in missing] or None))
        if dossier is not None:
            self.follow_new(Case(dossier.code, dossier.id, arrival.unit_code, arrival.procedure_code), missing)

    def refuse_at_counter(self, actor, procedure_code: str, applicant: dossiers.Applicant, documents: list) -> None:
        if self.attempt("refuse_at_counter", lambda: dossiers.refuse_at_counter(
                actor, procedure_code, applicant, documents, REFUSAL)):
            self.tally.refused_at_counter += 1

    def follow_new(self, case: Case, missing: list[dict]) -> None:
        """A dossier just recorded: received, or waiting for the ``missing`` documents (brought in a day or two)."""
        self.cases[case.id] = case
        if not missing:
            self.received(case, self.clock.moment)
            return
        self.tally.incomplete += 1
        self.push(self.behaviour.after(self.clock.moment, 4, 16), self.documents_brought, case, missing)

    def received(self, case: Case, at: datetime) -> None:
        self.tally.received += 1
        self.follow(case, "received")
        if self.behaviour.chance(self.options.rates.supplement):
            self.push(self.behaviour.after(at, *SOON_AFTER), self.ask_supplement, case, case.generation)
        elif self.behaviour.chance(self.options.rates.refused_later):
            self.push(self.behaviour.after(at, *SOON_AFTER), self.refuse, case, case.generation)

    def documents_brought(self, case: Case, documents: list[dict]) -> None:
        actor = self.staff.at(case.unit_code, "receptionist")
        if self.attempt("complete_documents", lambda: dossiers.complete_documents(actor, case.code, documents)):
            self.received(case, self.clock.moment)

    def ask_supplement(self, case: Case, generation: int) -> None:
        if generation != case.generation:
            return
        actor = self.staff.at(case.unit_code, "receptionist")
        if self.attempt("request_supplement", lambda: dossiers.request_supplement(actor, case.code, SUPPLEMENT)):
            self.awaiting_supplement(case)

    def awaiting_supplement(self, case: Case) -> None:
        case.generation += 1
        self.push(self.behaviour.after(self.clock.moment, 4, 16), self.supplement_brought, case)

    def supplement_brought(self, case: Case) -> None:
        actor = self.staff.at(case.unit_code, "receptionist")
        documents = [{"name": "Giấy tờ bổ sung theo yêu cầu (mô phỏng)"}]
        dossier = self.attempt("record_supplement", lambda: dossiers.record_supplement(actor, case.code, documents))
        if dossier is not None:
            self.tally.supplements += 1
            case.scheduled.clear()
            self.follow(case, dossier.status)

    def refuse(self, case: Case, generation: int) -> None:
        if generation != case.generation:
            return
        actor = self.staff.at(case.unit_code, "receptionist")
        if self.attempt("refuse", lambda: dossiers.refuse(actor, case.code, REFUSAL)):
            self.tally.refused += 1
            case.generation += 1
            del self.cases[case.id]

    def hand_back(self, case: Case) -> None:
        actor = self.staff.at(case.unit_code, "receptionist")
        if self.attempt("return_result", lambda: dossiers.return_result(actor, case.code)):
            self.tally.returned += 1
        self.cases.pop(case.id, None)

    # ----------------------------------------------------------------------------------- the steps

    def follow(self, case: Case, status: str) -> None:
        """What comes after a move: the result handed back, a supplement brought, or the steps it opened done."""
        if status == "ready_for_return":
            self.tally.finished += 1
            self.push(self.behaviour.after(self.clock.moment, 0.5, 16), self.hand_back, case)
        elif status == "awaiting_supplement":
            self.awaiting_supplement(case)
        elif status in ("received", "in_progress"):
            self.schedule_steps(case)

    def schedule_steps(self, case: Case) -> None:
        """Each open step not yet planned gets its officer's finishing moment (read, never written)."""
        for step in session.connection().execute(_OPEN_STEPS, {"dossier_id": case.id}):
            if step.id not in case.scheduled:
                case.scheduled.add(step.id)
                moment, _late = self.behaviour.completion(step.ready_at, step.due_at)
                self.push(moment, self.complete, case, tuple(step), case.generation)

    def complete(self, case: Case, step: tuple, generation: int) -> None:
        """The officer holding the step's role in its unit fills in its form and completes it (as the
        API's task completion); a plan made before a supplement reset the deadlines is dropped."""
        if generation != case.generation:
            return
        task_id, unit_id, role, element_id = step[:4]
        fields = self.definitions[case.procedure].user_tasks[element_id].form
        data = self.behaviour.form(fields, clock.local(self.clock.moment).date())
        try:
            task = tasks.complete(self.staff.holding(unit_id, role), task_id, data)
        except Locked:  # stopped behind a late step: taken up again once its letter is signed
            case.held.append(step)
            return
        except AppError as error:
            self.tally.refused_by_service("complete", error)
            return
        self.tally.steps += 1
        self.tally.late_steps += task.timeliness == "late"
        self.follow(case, task.dossier.status)

    # ----------------------------------------------------------------------------------- late steps

    def follow_escalations(self) -> None:
        """The dossiers the sweep just stopped: their officer explains within the next hours."""
        found = session.execute(select(Escalation.id, Escalation.dossier_id).where(
            Escalation.id > self.last_escalation).order_by(Escalation.id))
        for escalation_id, dossier_id in found:
            self.last_escalation = escalation_id
            if dossier_id in self.cases:
                self.push(self.behaviour.after(self.clock.moment, 0.3, 2), self.explain, escalation_id, dossier_id)

    def explain(self, escalation_id: int, dossier_id: int) -> None:
        escalation = escalations.get(escalation_id)
        if escalation.state == "escalated_to_head":
            self.push(self.behaviour.after(self.clock.moment, 0.5, 3), self.decide, escalation_id, dossier_id)
            return
        actor = self.staff.holding(escalation.responsible_unit_id, escalations.step_role(escalation, escalations.EXPLAIN))
        new_date = self.new_appointment(escalation.old_due_at)
        if self.attempt("explain", lambda: escalations.explain(actor, escalation_id, DELAY_REASON, new_date)):
            self.tally.explained += 1
            self.push(self.behaviour.after(self.clock.moment, 0.5, 3), self.sign, escalation_id, dossier_id)

    def new_appointment(self, old_due_at: datetime | None) -> date:
        """Two working days after both today and the old appointment."""
        today = clock.local(self.clock.moment).date()
        day = max(today, clock.local(old_due_at).date()) if old_due_at else today
        return self.calendar.add_working_days(day, 2)

    def sign(self, escalation_id: int, dossier_id: int) -> None:
        escalation = escalations.get(escalation_id)
        leader = self.staff.holding(escalation.responsible_unit_id, "leader", fresh=True)
        self.signatories.ready(leader)
        if self.attempt("sign", lambda: escalations.sign_with_pin(leader, escalation_id, DEMO_PIN)):
            self.tally.apologies_signed += 1
            self.resume(dossier_id)

    def decide(self, escalation_id: int, dossier_id: int) -> None:
        escalation = escalations.get(escalation_id)
        actor = self.staff.holding(escalation.responsible_unit_id, "supervisor")
        if self.attempt("decide", lambda: escalations.decide(actor, escalation_id, DECISION)):
            self.tally.decided += 1
            self.resume(dossier_id)

    def resume(self, dossier_id: int) -> None:
        """The dossier goes on: the steps its stop held back are taken up again."""
        case = self.cases.get(dossier_id)
        if case is None:
            return
        held, case.held = case.held, []
        for step in held:
            self.push(self.behaviour.after(self.clock.moment, *RESUME_HOURS), self.complete, case, step,
                      case.generation)

    # ----------------------------------------------------------------------------------- progress

    def finish(self, last_day: date) -> None:
        """Leave the clock at the end of the period, stored, so that the web pages of a
        ``CLOCK_TRAVEL=1`` instance on this database see the period as it ended."""
        from app.core.timetravel import set_now

        closing = datetime.combine(last_day, self.calendar.office.closing_time, clock.LOCAL_TZ)
        self.attempt("clock", lambda: set_now(closing))


def day_line(t: Tally, number: int, day: date, days: int, seconds: float, previous: float = 0.0) -> str:
    """The progress line of a day's end: what happened so far, the pace, the time left.

    ``previous`` is when the day before ended: the first days are the quickest (the dossiers
    received have few steps done yet), so the time left goes by the latest day when it was slower."""
    rate = t.received / seconds if seconds else 0.0
    remaining = max(seconds / number, seconds - previous) * (days - number)
    return (f"Ngày {number}/{days} ({day:%d/%m/%Y}): đã nhận {t.received}, xong {t.finished}, "
            f"đã trả {t.returned}, bước trễ hạn {t.late_steps}, chuyển xử lý trễ hạn {t.escalated}, "
            f"thư xin lỗi đã ký {t.apologies_signed} — {rate:.1f} hồ sơ/giây, còn khoảng {_duration(remaining)}.")


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} phút {seconds} giây" if minutes else f"{seconds} giây"


def simulate(options: Options, progress: Callable[[str], None]) -> tuple[Simulation, list[date], float]:
    """Build the province, run the period on the simulated clock; (the run, its days, seconds taken)."""
    simulation = Simulation(options, progress)
    simulation.prepare()
    days = simulation.period()
    simulation.clock.moment = datetime.combine(days[0], daytime.min, clock.LOCAL_TZ)
    clock.use_source(simulation.clock.read)
    seconds = simulation.run(days)
    return simulation, days, seconds
