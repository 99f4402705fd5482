"""Run the whole suite on SQLite, then on a throw-away PostgreSQL cluster.

``make test`` calls this.  The PostgreSQL cluster comes from Debian's
``postgresql`` package: it is created in a temporary directory, listens on a
free loopback port, runs as the ``postgres`` user when we are root, and is
removed afterwards.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Tests that never touch a database run once, not once per database: the
#: PostgreSQL pass selects the ones tests/support/plugin.py marks ``database``.
ONLY_DATABASE_TESTS = ["-m", "database"]


def main() -> int:
    args = sys.argv[1:]
    sqlite_status = _pytest(args, {})
    with postgres_cluster() as url:
        postgres_status = _pytest([*ONLY_DATABASE_TESTS, *args], {"TEST_DATABASE_URL": url})
    print(f"\nSQLite: {'passed' if sqlite_status == 0 else 'FAILED'}; "
          f"PostgreSQL: {'passed' if postgres_status == 0 else 'FAILED'}")
    return sqlite_status or postgres_status


def _pytest(args: list[str], env: dict[str, str]) -> int:
    label = "PostgreSQL" if env else "SQLite"
    print(f"\n=== Test suite on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env={**os.environ, **env})


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise SystemExit("PostgreSQL is not installed (Debian package 'postgresql'); run 'make install'.")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_cluster_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: use the 'postgres' account then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_cluster():
    """Yield the SQLAlchemy URL of an empty database on a fresh cluster."""
    workdir = Path(tempfile.mkdtemp(prefix="motcua-pg-"))
    data, port = workdir / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    run = lambda cmd: subprocess.run(_as_cluster_owner(cmd), check=True, stdout=subprocess.DEVNULL)  # noqa: E731
    try:
        run([_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"])
        options = (f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        run([_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"])
        run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "motcua_test"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/motcua_test"
    finally:
        subprocess.run(_as_cluster_owner([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.2)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
