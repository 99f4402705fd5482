"""Benchmark: how many receptions, step completions and whole lifecycles per second the product
serves in its production shape, and what each costs in CPU.

Shape: gunicorn serving wsgi.py (sync workers, or gthread with ``--threads``) on a database
migrated with ``flask db upgrade`` and seeded through the product's services: the procedure
bench/fixtures/tham-dinh-lap.bpmn and, per client, a commune with a receptionist, an officer and a
leader. PostgreSQL is a throw-away cluster on loopback with a real server's durability (fsync and
synchronous commits on; ``--pg-unsafe`` turns them off, as the test suite's cluster does); SQLite is
a WAL file database.

Load: 1, 4 and 8 clients, each a process of its own with its own tokens and a keep-alive
connection. Phases, each after a warm-up: receptions (POST /dossiers), completions (the open tasks
the receptions left, listed beforehand, so only completions are timed), lifecycles (receive, every
step as seen on the dossier, return). Rates are counted over the window in which every client was
still working. CPU per operation is read from /proc before and after each phase: gunicorn's master
and workers (app), the postmaster and its backends (db), the clients themselves; it holds even when
the clients share the machine with the server. Beside them, the cores the rest of the machine kept
busy meanwhile (``others``, from /proc/stat): on a shared machine, how far to trust a row's rates.

The engine's ceiling is measured in the same run: SpiffWorkflow's own single-thread step (restore,
complete, serialize: EngineAlone of bench/task_step.py), ceiling = cores ÷ step.

Prints a table; the last line is one JSON object with every figure, the targets and whether met.
Run: .venv/bin/python bench/throughput.py [--quick] [--profile] [--databases postgresql,sqlite]
     [--workers 2,4] [--threads 0,4] [--clients 1,4,8] [--seconds 10]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import throughput_servers as servers  # noqa: E402
from bench.task_step import EngineAlone  # noqa: E402
from bench.throughput_load import PHASES, ClientSpec, run_client  # noqa: E402

#: issue #13: PostgreSQL, 8 clients, on this machine
TARGETS = {"completions": 300.0, "receptions": 150.0}
TARGET_CLIENTS = 8
CORES = os.cpu_count() or 1


@dataclass
class Row:
    database: str
    server: str
    clients: int
    phase: str
    operations: int
    per_second: float
    p50_ms: float
    p95_ms: float
    app_cpu_ms: float
    db_cpu_ms: float | None
    client_cpu_ms: float
    load_average: float
    #: cores busy with other processes during the phase, and stolen by the hypervisor
    other_cores: float = 0.0
    steal_cores: float = 0.0
    #: the rate the machine would reach if app, database and clients had every core to themselves
    cpu_bound_per_s: float = 0.0
    of_ceiling: float | None = None


# --- the engine's ceiling ---------------------------------------------------------------------

class Ceiling:
    """SpiffWorkflow's step alone, sampled before and after the load (EngineAlone's blocks)."""

    def __init__(self, blocks: int):
        self.engine, self.blocks = EngineAlone(), blocks

    def sample(self) -> None:
        for _ in range(self.blocks):
            self.engine.block()

    @property
    def step_ms(self) -> float:
        return statistics.median(self.engine.samples) * 1000

    @property
    def per_second(self) -> float:
        return CORES / (self.step_ms / 1000)


# --- one phase --------------------------------------------------------------------------------

@dataclass
class Target:
    """What runs one configuration: the server's port, where its CPU is read, and the labels."""
    database: str
    server_label: str
    port: int
    app_pid: int
    db_pid: int | None


def run_phase(target: Target, phase: str, clients: int, args) -> tuple[Row, dict]:
    """Clients in processes of their own, the conductor between the start and the end barriers."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(clients + 1, timeout=600), context.Queue()
    processes = [context.Process(target=run_client, args=(_spec(target, phase, index, args), barrier, results))
                 for index in range(clients)]
    for process in processes:
        process.start()
    window, cpu = _conduct(barrier, target)
    outcomes = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join()
    _raise_errors(outcomes)
    return _row(target, phase, clients, window, cpu, outcomes), _acknowledged(outcomes)


def _spec(target: Target, phase: str, index: int, args) -> ClientSpec:
    return ClientSpec(index, target.port, phase, args.seconds, args.warmup, servers.accounts(index),
                      servers.PASSWORD, servers.PROCEDURE_CODE)


def _conduct(barrier, target: Target) -> tuple[float, dict[str, float]]:
    """Release the clients, read the CPU of app, database and machine before and after; the
    start time, and the phase's length under ``elapsed``."""
    with _reported_abort():
        barrier.wait()
    started, before = time.monotonic(), _server_cpu(target)
    with _reported_abort():
        barrier.wait()
    after = _server_cpu(target)
    return started, {"elapsed": time.monotonic() - started, **{key: after[key] - before[key] for key in before}}


@contextlib.contextmanager
def _reported_abort():
    """A client that failed aborts the barrier: its own message is what the run reports."""
    try:
        yield
    except Exception:  # noqa: BLE001 — threading.BrokenBarrierError; the clients' errors follow
        pass


def _server_cpu(target: Target) -> dict[str, float]:
    return {"app": servers.tree_cpu(target.app_pid), "db": servers.tree_cpu(target.db_pid), **servers.machine_cpu()}


def _raise_errors(outcomes) -> None:
    errors = [f"client {outcome.index}: {outcome.error}" for outcome in outcomes if outcome.error]
    if errors:
        raise SystemExit("The benchmark stopped on an unexpected answer:\n" + "\n".join(errors))


def _row(target: Target, phase: str, clients: int, started: float, cpu: dict, outcomes) -> Row:
    """Rates over the window in which every client was still working; CPU over every operation."""
    busy = [outcome for outcome in outcomes if outcome.ends]
    window_end = min((outcome.ends[-1] for outcome in busy), default=started)
    in_window = sum(1 for outcome in busy for end in outcome.ends if end <= window_end)
    operations = sum(len(outcome.ends) for outcome in outcomes)
    latencies = sorted(latency for outcome in outcomes for latency in outcome.latencies)
    per_op = lambda seconds: round(seconds * 1000 / operations, 2) if operations else 0.0  # noqa: E731
    client_cpu = sum(outcome.cpu_seconds for outcome in outcomes)
    return Row(target.database, target.server_label, clients, phase, operations,
               round(in_window / (window_end - started), 1) if window_end > started else 0.0,
               _percentile_ms(latencies, 0.50), _percentile_ms(latencies, 0.95), per_op(cpu["app"]),
               per_op(cpu["db"]) if target.db_pid else None,
               per_op(client_cpu), round(os.getloadavg()[0], 2), _others(cpu, client_cpu), _steal(cpu),
               _cpu_bound(cpu, client_cpu, operations))


def _others(cpu: dict, client_cpu: float) -> float:
    """Cores the rest of the machine used meanwhile (other engineers' work): the phase's noise."""
    ours = cpu["app"] + cpu["db"] + client_cpu
    return round(max(0.0, cpu["machine"] - ours) / cpu["elapsed"], 2) if cpu["elapsed"] > 0 else 0.0


def _cpu_bound(cpu: dict, client_cpu: float, operations: int) -> float:
    """Cores ÷ CPU per operation (app, database and clients): the rate of a machine left to this
    benchmark, whatever the others did meanwhile (waits on the disk and the network aside)."""
    spent = cpu["app"] + cpu["db"] + client_cpu
    return round(CORES * operations / spent, 1) if spent > 0 else 0.0


def _steal(cpu: dict) -> float:
    return round(cpu["steal"] / cpu["elapsed"], 2) if cpu["elapsed"] > 0 else 0.0


def _percentile_ms(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000, 1)


def _acknowledged(outcomes) -> dict[str, int]:
    totals = {"dossiers": 0, "tasks_completed": 0, "returned": 0}
    for outcome in outcomes:
        for key in totals:
            totals[key] += getattr(outcome.acknowledged, key)
    return totals


# --- configurations ---------------------------------------------------------------------------

@contextlib.contextmanager
def database(kind: str, folder: Path, durable: bool):
    """(URL, the postmaster's pid or None): a throw-away cluster, or an SQLite file in ``folder``."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}", None
        return
    with servers.postgres_cluster(durable) as cluster:
        yield cluster.url, cluster.postmaster_pid()


def server_label(workers: int, threads: int) -> str:
    return f"{workers} sync" if not threads else f"{workers} gthread×{threads}"


def run_database(kind: str, args, rows: list[Row], profile_dir: Path | None) -> dict:
    """Every server shape and client count on one fresh database; what it holds afterwards."""
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as name, database(
            kind, Path(name), not args.pg_unsafe) as (url, db_pid):
        folder = Path(name)
        servers.migrate(url, folder)
        servers.seed(url, max(args.clients))
        acknowledged = {"dossiers": 0, "tasks_completed": 0, "returned": 0}
        for workers in args.workers:
            for threads in args.threads:
                _run_server(kind, url, folder, db_pid, (workers, threads), args, rows, acknowledged, profile_dir)
        return {"database": servers.database_counts(url), "clients": acknowledged}


def _run_server(kind, url, folder, db_pid, shape, args, rows, acknowledged, profile_dir) -> None:
    workers, threads = shape
    extra = {"BENCH_PROFILE_DIR": str(profile_dir)} if profile_dir else {}
    with servers.gunicorn(url, folder, workers, threads, extra) as server:
        target = Target(kind, server_label(workers, threads), server.port, server.pid, db_pid)
        for clients in args.clients:
            for phase in PHASES:
                row, counts = run_phase(target, phase, clients, args)
                rows.append(row)
                for key, value in counts.items():
                    acknowledged[key] += value
                print(_line(row), file=sys.stderr, flush=True)


# --- output -----------------------------------------------------------------------------------

HEADER = (f"{'database':<10} {'server':<14} {'clients':>7} {'phase':<11} {'ops':>6} {'ops/s':>8} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'app ms/op':>9} {'db ms/op':>8} {'cli ms/op':>9} {'load':>5} "
          f"{'others':>6} {'cpu-bound':>9} {'ceiling':>7}")


def _line(row: Row) -> str:
    database_ms = "—" if row.db_cpu_ms is None else f"{row.db_cpu_ms:.2f}"
    ceiling = "" if row.of_ceiling is None else f"{row.of_ceiling:.1%}"
    return (f"{row.database:<10} {row.server:<14} {row.clients:>7} {row.phase:<11} {row.operations:>6} "
            f"{row.per_second:>8.1f} {row.p50_ms:>7.1f} {row.p95_ms:>7.1f} {row.app_cpu_ms:>9.2f} "
            f"{database_ms:>8} {row.client_cpu_ms:>9.2f} {row.load_average:>5.2f} "
            f"{row.other_cores:>6.2f} {row.cpu_bound_per_s:>9.1f} {ceiling:>7}")


def targets(rows: list[Row]) -> dict:
    """The issue's targets against the best server shape on PostgreSQL with 8 clients."""
    verdict = {}
    for phase, goal in TARGETS.items():
        candidates = [row for row in rows if row.database == "postgresql" and row.clients == TARGET_CLIENTS
                      and row.phase == phase]
        best = max(candidates, key=lambda row: row.per_second, default=None)
        verdict[phase] = {"target_per_s": goal, "measured_per_s": best.per_second if best else None,
                          "server": best.server if best else None, "met": bool(best and best.per_second >= goal),
                          "cpu_bound_per_s": best.cpu_bound_per_s if best else None}
    return verdict


def report(rows: list[Row], ceiling: Ceiling, checks: dict, loads: tuple, profile: dict | None) -> None:
    for row in rows:
        if row.phase == "completions":
            row.of_ceiling = round(row.per_second / ceiling.per_second, 4)
    print(f"\nSpiffWorkflow alone: {ceiling.step_ms:.3f} ms a step → ceiling {ceiling.per_second:.0f} "
          f"completions/s on {CORES} cores; load average {loads[0]:.2f} before, {loads[1]:.2f} after")
    print("ms/op: CPU per operation; others: cores other processes kept busy during the phase; "
          f"cpu-bound: {CORES} cores ÷ (app + db + client ms/op)")
    print(HEADER)
    for row in rows:
        print(_line(row))
    verdict = targets(rows)
    for phase, figures in verdict.items():
        print(f"target {phase} ≥ {figures['target_per_s']:.0f}/s (PostgreSQL, {TARGET_CLIENTS} clients): "
              f"{figures['measured_per_s']} ({figures['server']}) → {'met' if figures['met'] else 'NOT met'}; "
              f"CPU-bound on a machine of its own: {figures['cpu_bound_per_s']}")
    for kind, check in checks.items():
        print(f"{kind}: the database holds {check['database']}; the clients were told {check['clients']}")
    print(json.dumps({"cores": CORES, "load_average": {"before": loads[0], "after": loads[1]},
                      "engine": {"step_ms_median": round(ceiling.step_ms, 3),
                                 "ceiling_per_s": round(ceiling.per_second, 1)},
                      "rows": [asdict(row) for row in rows], "targets": verdict, "database_check": checks,
                      "profile": profile}, ensure_ascii=False))


# --- profiling --------------------------------------------------------------------------------

def read_profile(folder: Path, top: int) -> dict:
    """Print cProfile's heaviest functions and the SQL statements per request; return the latter."""
    import pstats

    files = sorted(folder.glob("profile-*.pstats"))
    if files:
        stats = pstats.Stats(*map(str, files), stream=sys.stdout)
        print("\n=== cProfile of the worker: the product's functions by cumulative time ===")
        stats.sort_stats("cumulative").print_stats(str(ROOT / "app"), top)
        print("=== by own time ===")
        stats.sort_stats("tottime").print_stats(top)
    return _statements(folder)


def _statements(folder: Path) -> dict:
    merged: dict[str, list[float]] = {}
    for path in folder.glob("requests-*.json"):
        for endpoint, figures in json.loads(path.read_text()).items():
            total = merged.setdefault(endpoint, [0, 0, 0.0])
            for index, value in enumerate(figures):
                total[index] += value
    table = {endpoint: {"requests": requests, "statements_per_request": round(statements / requests, 2),
                        "server_ms_per_request": round(seconds * 1000 / requests, 2)}
             for endpoint, (requests, statements, seconds) in sorted(merged.items()) if requests}
    print("\n=== SQL statements per request (one sync worker, profiled: times inflated) ===")
    for endpoint, figures in table.items():
        print(f"{endpoint:<50} {figures['requests']:>6} requests  {figures['statements_per_request']:>6} "
              f"statements  {figures['server_ms_per_request']:>7} ms")
    return table


# --- the command ------------------------------------------------------------------------------

def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = set(names) - {"postgresql", "sqlite"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown database: {', '.join(sorted(unknown))}")
    return names


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one configuration, short phases (smoke check)")
    parser.add_argument("--profile", action="store_true",
                        help="one profiled sync worker: cProfile and SQL statements per request")
    parser.add_argument("--databases", type=_names, default=None, help="postgresql,sqlite")
    parser.add_argument("--workers", type=_numbers, default=None, help="gunicorn workers, e.g. 2,4")
    parser.add_argument("--threads", type=_numbers, default=None,
                        help="0 = sync workers, N = gthread with N threads; e.g. 0,4")
    parser.add_argument("--clients", type=_numbers, default=None, help="concurrent clients, e.g. 1,4,8")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=None, help="warm-up seconds before each phase")
    parser.add_argument("--pg-unsafe", action="store_true", help="PostgreSQL without fsync (as the test suite)")
    parser.add_argument("--top", type=int, default=30, help="functions shown by --profile")
    return _defaults(parser.parse_args(argv))


def _defaults(args: argparse.Namespace) -> argparse.Namespace:
    """--quick: SQLite, 2 sync workers, 2 clients, 2-second phases; --profile: one sync worker."""
    quick, profile = args.quick, args.profile
    args.databases = args.databases or (["sqlite"] if quick else ["postgresql"] if profile else ["postgresql", "sqlite"])
    args.workers = [1] if profile else args.workers or ([2] if quick else [2, 4])
    args.threads = [0] if profile else args.threads or [0]
    args.clients = args.clients or ([2] if quick else [4] if profile else [1, 4, 8])
    args.seconds = args.seconds or (2.0 if quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if quick else 2.0)
    return args


def _stop_cleanly(*_signal) -> None:
    """SIGTERM ends the run through its ``finally`` blocks: gunicorn and the cluster are stopped."""
    raise SystemExit(143)


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, _stop_cleanly)
    args = parse(argv)
    ceiling = Ceiling(2 if args.quick else 8)
    loads, rows, checks = [os.getloadavg()[0]], [], {}
    ceiling.sample()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-profile-") as profile_name:
        profile_dir = Path(profile_name) if args.profile else None
        for kind in args.databases:
            checks[kind] = run_database(kind, args, rows, profile_dir)
        profile = read_profile(profile_dir, args.top) if profile_dir else None
    ceiling.sample()
    loads.append(os.getloadavg()[0])
    report(rows, ceiling, checks, tuple(loads), profile)


if __name__ == "__main__":
    main()
