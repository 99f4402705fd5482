"""gunicorn configuration of bench/throughput.py: nothing unless BENCH_PROFILE_DIR is set.

With it, each worker (run ``--profile``: one sync worker) profiles itself with cProfile once the
application is loaded and counts the SQL statements of every request through an SQLAlchemy event
on the Engine class, so the product's code stays untouched; at exit it writes
``profile-<pid>.pstats`` and ``requests-<pid>.json`` (by endpoint: requests, statements, server
seconds) into that folder.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time

PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")

_local = threading.local()
_endpoints: dict[str, list[float]] = {}
_profiler = None


def _count_statement(*_args) -> None:
    _local.statements = getattr(_local, "statements", 0) + 1


def _endpoint(method: str, path: str) -> str:
    """``POST /api/v1/tasks/{}/complete``: ids and dossier codes (any segment with a digit) folded."""
    return f"{method} " + "/".join("{}" if re.search(r"\d", part) and part != "v1" else part
                                  for part in path.split("/"))


def post_worker_init(worker) -> None:
    global _profiler
    if not PROFILE_DIR:
        return
    import cProfile

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "before_cursor_execute", _count_statement)
    _profiler = cProfile.Profile()
    _profiler.enable()


def pre_request(worker, req) -> None:
    if not PROFILE_DIR:
        return
    _local.statements, _local.started = 0, time.perf_counter()


def post_request(worker, req, environ, resp) -> None:
    if not PROFILE_DIR:
        return
    figures = _endpoints.setdefault(_endpoint(req.method, req.path), [0, 0, 0.0])
    figures[0] += 1
    figures[1] += getattr(_local, "statements", 0)
    figures[2] += time.perf_counter() - getattr(_local, "started", time.perf_counter())


def worker_exit(server, worker) -> None:
    if not PROFILE_DIR or _profiler is None:
        return
    _profiler.disable()
    _profiler.dump_stats(os.path.join(PROFILE_DIR, f"profile-{os.getpid()}.pstats"))
    with open(os.path.join(PROFILE_DIR, f"requests-{os.getpid()}.json"), "w") as out:
        json.dump(_endpoints, out)
