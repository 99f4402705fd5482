"""The servers of bench/throughput.py: a throw-away PostgreSQL cluster, a migrated and seeded
database, gunicorn serving wsgi.py, and the CPU time those processes spent (read from /proc).

Kept apart from the load generator so that the client processes never import the application.
"""
from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.task_step import PROCEDURE  # noqa: E402
from tests.support.suites import _as_cluster_owner, _free_port, _pg_bin  # noqa: E402

PASSWORD = "bench-password"
PROCEDURE_CODE = "tham-dinh-lap"
GUNICORN_CONFIG = ROOT / "bench" / "throughput_gunicorn.py"
#: the clock tick of utime/stime in /proc/<pid>/stat
TICKS = os.sysconf("SC_CLK_TCK")


# --- PostgreSQL -------------------------------------------------------------------------------

#: production durability (fsync and synchronous commits on), unlike the test suite's cluster
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
UNSAFE = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass
class Postgres:
    url: str
    data: Path

    def postmaster_pid(self) -> int:
        """The first line of postmaster.pid: the process whose children are the backends."""
        return int((self.data / "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def postgres_cluster(durable: bool = True):
    """A fresh cluster on a free loopback port (the pieces of tests/support/suites.py), with the
    durability of a real server unless told otherwise; removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-pg-"))
    data, port = workdir / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    try:
        _owner_run([_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C.UTF-8"])
        options = (f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   + (DURABLE if durable else UNSAFE))
        _owner_run([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"])
        _owner_run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "motcua_bench"])
        yield Postgres(f"postgresql+psycopg://postgres@127.0.0.1:{port}/motcua_bench", data)
    finally:
        subprocess.run(_as_cluster_owner([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(workdir, ignore_errors=True)


def _owner_run(command: list[str]) -> None:
    subprocess.run(_as_cluster_owner(command), check=True, stdout=subprocess.DEVNULL)


# --- the database -----------------------------------------------------------------------------

def server_env(url: str, folder: Path) -> dict[str, str]:
    """What the product reads at start-up: the database, a fixed key, files in the run's folder."""
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-throughput",
            "STORAGE_PATH": str(folder / "files"), "PYTHONPATH": str(ROOT)}


def migrate(url: str, folder: Path) -> None:
    """``flask db upgrade``, as deploy/motcua-web.service does before serving."""
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=server_env(url, folder), check=True, stdout=subprocess.DEVNULL)


def seed(url: str, clients: int) -> None:
    """Through the product's services, in a process of its own (the parent never holds the
    application, so the forked clients stay light): the procedure, and per client a commune
    with its receptionist, officer and leader."""
    code = ("import sys; from bench.throughput_servers import _seed_here; "
            "_seed_here(sys.argv[1], int(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, url, str(clients)], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})


def _seed_here(url: str, clients: int) -> None:
    from app import create_app
    from app.auth.bootstrap import ensure_base_roles
    from app.procedures.services import create_version, publish

    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_FAST": True, "SECRET_KEY": "bench-throughput"})
    with app.app_context():
        ensure_base_roles()
        version = create_version(None, {"code": PROCEDURE_CODE, "name": "Thẩm định có vòng lặp",
                                        "legal_limit": "5d"}, PROCEDURE.read_bytes())
        publish(None, version.procedure.code, version.number)
        for index in range(clients):
            _seed_client(index)


def _seed_client(index: int) -> None:
    from app.auth.services import create_unit, create_user

    unit = unit_code(index)
    create_unit(unit, f"UBND xã Đo Lường {index}", "commune", None, f"000.{index:02d}.99.H99")
    for role, username in accounts(index).items():
        create_user(username, PASSWORD, f"Người đo {role} {index}", unit, [role])


def unit_code(index: int) -> str:
    return f"XA{index:02d}"


def accounts(index: int) -> dict[str, str]:
    """Client ``index``'s account by role: each client its own tokens and its own commune."""
    return {"receptionist": f"tiepnhan{index:02d}", "officer": f"chuyenvien{index:02d}",
            "leader": f"lanhdao{index:02d}"}


def database_counts(url: str) -> dict[str, int]:
    """What really happened, read back from the database: dossiers received and returned, steps done."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    queries = {
        "dossiers": "SELECT count(*) FROM dossiers",
        "returned": "SELECT count(*) FROM dossiers WHERE status = 'returned'",
        "tasks_completed": "SELECT count(*) FROM tasks WHERE state = 'completed'",
    }
    with engine.connect() as connection:
        counts = {name: int(connection.execute(text(sql)).scalar_one()) for name, sql in queries.items()}
    engine.dispose()
    return counts


# --- gunicorn ---------------------------------------------------------------------------------

@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def gunicorn(url: str, folder: Path, workers: int, threads: int = 0, extra_env: dict | None = None):
    """gunicorn wsgi:app on a free loopback port (sync workers, or gthread with ``threads``),
    stopped gracefully afterwards so that the workers' exit hooks run."""
    port = _free_port()
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "--timeout", "60", "--config", str(GUNICORN_CONFIG)]
    if threads:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    env = {**server_env(url, folder), **(extra_env or {})}
    log = open(folder / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 — closed below
    process = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log,
                               preexec_fn=die_with_parent)
    try:
        _wait_ready(process, port, workers, folder / f"gunicorn-{port}.log")
        yield Gunicorn(process, port)
    finally:
        process.send_signal(signal.SIGTERM)
        _wait_or_kill(process)
        log.close()


def die_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG: a benchmark killed outright takes its server and clients along."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def _wait_ready(process: subprocess.Popen, port: int, workers: int, log: Path) -> None:
    """Until every worker answers /healthz (each one loads the application on its own)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start-up:\n{log.read_text()[-3000:]}")
        if len(children(process.pid)) >= workers and _healthy(port):
            return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer in 90 s:\n{log.read_text()[-3000:]}")


def _healthy(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def _wait_or_kill(process: subprocess.Popen) -> None:
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- CPU time from /proc ----------------------------------------------------------------------

def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers, the postmaster's backends)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and _parent(int(entry.name)) == pid:
            found.append(int(entry.name))
    return found


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def _parent(pid: int) -> int | None:
    try:
        return int(_stat_fields(pid)[1])
    except (OSError, IndexError):
        return None


def _cpu_seconds(pid: int) -> float:
    """utime + stime, and cutime + cstime: a worker or backend that ended meanwhile has its time
    counted in its parent's, so a tree's sum never loses it."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS


def tree_cpu(pid: int | None) -> float:
    """CPU seconds of a process and of its direct children (none when there is no process)."""
    if pid is None:
        return 0.0
    return _cpu_seconds(pid) + sum(_cpu_seconds(child) for child in children(pid))


def machine_cpu() -> dict[str, float]:
    """Seconds the whole machine was busy (every process, ours and the other engineers') and,
    on a virtual machine, the time the hypervisor stole: how noisy a phase's figures are."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return {"machine": (user + nice + system + irq + softirq) / TICKS, "steal": steal / TICKS}
