"""Prometheus metrics at ``/metrics``, with the maintained client library (prometheus_client).

What is measured here, the core's part: every request's latency, by the Flask endpoint's name,
method and status class (``2xx``…), never by the raw path, so that the number of series stays
that of the routes whatever the callers send.  The domains add their own counters (dossier
events, the dispatcher's sends, the sweep's duration) and the figures read from the database
when scraped (:func:`at_scrape`: the outbox's lag), without the core knowing them.

A domain's counter that counts what a transaction did moves only if the transaction commits
(:func:`count_on_commit`): the increments wait in the session and are applied by its
``after_commit`` event; a rollback, or a session closed without committing, drops them.

Several processes: gunicorn's workers and the scheduler each count in their own memory.  With
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts: the library reads it when it is
first imported) every process writes its figures to files in that directory and ``/metrics``
adds up the files of all of them (the library's multiprocess mode; deploy/gunicorn.conf.py marks
dead workers).  Unset: one process, its own registry.

Who may read it: not the public.  A request from the loopback, or one carrying
``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets the same 404 as an unknown page
(a 403 would tell that something is there).  Behind nginx a request arrives from the loopback,
so the site in deploy/ does not pass ``/metrics`` on, and ``TRUSTED_PROXIES`` makes the
address checked the client's.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from typing import Callable, Iterable

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.identity import bearer_token

log = logging.getLogger(__name__)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_PENDING = "metrics.pending"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: a completion takes 2 to 5 ms: the default buckets start at 5 ms, these resolve below it
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram("motcua_http_request_duration_seconds",
                            "Thời gian xử lý yêu cầu HTTP, theo endpoint Flask, phương thức và nhóm mã trạng thái.",
                            ("endpoint", "method", "status"), buckets=LATENCY_BUCKETS)

#: what the domains read from the database when scraped: each yields metric families
_sources: dict[str, Callable[[], Iterable[Metric]]] = {}

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    """Time every request and serve ``/metrics`` from the registry of this process (or of all of them)."""
    app.extensions["metrics_registry"] = _registry()
    app.before_request(_start)
    app.after_request(_observe)
    app.register_blueprint(bp)


def at_scrape(name: str, source: Callable[[], Iterable[Metric]]) -> None:
    """Have ``source`` read its figures (cheap, indexed queries) each time ``/metrics`` is read."""
    _sources[name] = source


def count_on_commit(session: Session, counter, amount: float = 1) -> None:
    """Add ``amount`` to ``counter`` (a labelled child) once the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append((counter, amount))


# --------------------------------------------------------------------------- the page


@bp.get("/metrics")
def metrics() -> Response:
    if not _may_read():
        abort(404)
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))  # text, or OpenMetrics if asked
    body = encode(current_app.extensions["metrics_registry"])
    return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})


def _may_read() -> bool:
    """From the loopback, or with the metrics token (compared in constant time)."""
    token, given = current_app.config.get("METRICS_TOKEN", ""), bearer_token()
    if token and given and hmac.compare_digest(token.encode(), given.encode()):
        return True
    return _loopback(request.remote_addr)


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _registry() -> CollectorRegistry:
    """This process's metrics, or every process's (multiprocess mode), and the database's."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    registry.register(_ScrapeCollector())
    return registry


class _ScrapeCollector:
    """The domains' scrape-time figures; one that fails (the database away) is left out and
    ``motcua_metrics_source_up`` says so, so the rest of the page is still served."""

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("motcua_metrics_source_up", "1 nếu nguồn số liệu đọc được lúc thu thập, 0 nếu lỗi.",
                               labels=("source",))
        for name, source in sorted(_sources.items()):
            families = _read(name, source)
            up.add_metric((name,), 0 if families is None else 1)
            yield from families or ()
        yield up


def _read(name: str, source: Callable[[], Iterable[Metric]]) -> list[Metric] | None:
    try:
        return list(source())
    except Exception:  # noqa: BLE001 (a broken source must not take the others down)
        log.warning("metrics: không đọc được nguồn %s", name, exc_info=True)
        return None


# --------------------------------------------------------------------------- per request


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        method = request.method if request.method in _METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(request.endpoint or "unmatched", method, status).observe(time.perf_counter() - started)
    return response


# --------------------------------------------------------------------------- counted on commit


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    for counter, amount in session.info.pop(_PENDING, ()):
        counter.inc(amount)


@event.listens_for(Session, "after_transaction_end")
def _drop(session: Session, transaction) -> None:
    """Whatever was not applied at the commit of the outermost transaction is dropped: it rolled back."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
