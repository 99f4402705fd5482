"""Several worker processes on PostgreSQL: the receiving units shared out, the clock kept in step.

Each worker follows the dossiers of every N-th receiving unit, on its own connection, with its own
simulated clock; at each full hour they all wait for one another (a barrier), the first sweeps
for everyone, they wait again, and each takes up the escalations of its own dossiers.  So no sweep
sees a step that another worker has not yet had the time to finish, and the acts of one simulated
hour run side by side on the machine's cores.  The parent prints the day's progress summed over the
workers, and the report.
"""
from __future__ import annotations

import copy
import multiprocessing
import time
import traceback
from datetime import date, datetime
from typing import Callable

from app import clock
from app.db import session
from app.simulation.run import Options, Simulation, Tally, day_line

#: a worker waiting longer than this for the others at an hour's end gives up (one of them died)
BARRIER_SECONDS = 900
FAILED = "Một tiến trình mô phỏng bị lỗi, cả lượt mô phỏng dừng lại:\n{detail}"


class InStep:
    """The pace of a worker: the hour's barrier, the first worker's sweep, the day's count to the parent."""

    def __init__(self, barrier, queue) -> None:
        self.barrier, self.queue = barrier, queue

    def hour(self, simulation: Simulation, moment: datetime) -> None:
        self.barrier.wait()
        if simulation.share[0] == 0:
            simulation.timed(simulation.tick, moment)
        self.barrier.wait()
        simulation.follow_escalations()

    def day(self, simulation: Simulation, number: int, day: date, days: int, seconds: float) -> None:
        self.queue.put(("day", number, day, copy.deepcopy(simulation.tally)))  # sent later, by a thread


def run_in_workers(app, options: Options, workers: int, progress: Callable[[str], None]):
    """Build the province here, run the period in ``workers`` processes; (the run, its days, seconds)."""
    simulation = Simulation(options, progress)
    simulation.prepare()
    days = simulation.period()
    session.remove()
    app.extensions["db_engine"].dispose()   # each worker opens its own connections
    context = multiprocessing.get_context("fork")
    barrier, queue = context.Barrier(workers, timeout=BARRIER_SECONDS), context.Queue()
    processes = [context.Process(target=_work, args=(options, days, (index, workers), barrier, queue, app))
                 for index in range(workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    simulation.tally, simulation.cpu_seconds = _gather(queue, workers, len(days), started, progress)
    for process in processes:
        process.join()
    return simulation, days, time.perf_counter() - started


def _work(options: Options, days: list[date], share: tuple[int, int], barrier, queue, app) -> None:
    app.extensions["db_engine"].dispose(close=False)   # the parent's connections are not ours
    try:
        with app.app_context():
            simulation = Simulation(options, lambda _line: None, share, InStep(barrier, queue))
            simulation.prepare()
            simulation.clock.moment = datetime.combine(days[0], datetime.min.time(), clock.LOCAL_TZ)
            clock.use_source(simulation.clock.read)
            simulation.run(days)
            queue.put(("done", simulation.tally, simulation.cpu_seconds))
    except BaseException:
        barrier.abort()
        queue.put(("failed", traceback.format_exc()))


def _gather(queue, workers: int, days: int, started: float, progress) -> tuple[Tally, float]:
    """Print each day's progress once every worker has ended it; return the summed counts and CPU."""
    by_day: dict[int, list] = {}
    total, cpu, done, failures, previous = Tally(), 0.0, 0, [], 0.0
    while done < workers:
        message = queue.get()
        if message[0] == "failed":
            failures.append(message[1])
            done += 1
            continue
        if message[0] == "done":
            total.add(message[1])
            cpu, done = cpu + message[2], done + 1
            continue
        _, number, day, tally = message
        by_day.setdefault(number, []).append(tally)
        if len(by_day[number]) == workers:
            summed = Tally()
            for part in by_day.pop(number):
                summed.add(part)
            elapsed = time.perf_counter() - started
            progress(day_line(summed, number, day, days, elapsed, previous))
            previous = elapsed
    if failures:  # the first worker's own error, not the others' broken barrier that followed it
        failures.sort(key=lambda text: "BrokenBarrierError" in text)
        raise RuntimeError(FAILED.format(detail=failures[0]))
    return total, cpu
