"""gunicorn's settings for Một cửa điện tử: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (motcua-web.service).

- Workers on the loopback, behind nginx (deploy/nginx-motcua.conf), each with a few threads.
- No gunicorn access log: the application writes its own access line per request, with its request
  id and without the query string, where a citizen's look-up secret travels (app/core/logs.py).
- With LOG_FORMAT=json gunicorn's own lines (start, worker timeouts) are JSON lines too, so that a
  log collector reads one format from the whole unit.
- Prometheus' multiprocess mode (PROMETHEUS_MULTIPROC_DIR, README "Monitoring"): each worker writes
  its figures to files there and /metrics adds them up; a worker that exits is marked dead here, as
  prometheus_client asks, so that its live figures leave the sums while its counts stay in them.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# Threads in each worker: while one request waits on PostgreSQL another runs, and nginx's kept-alive
# connections are served (bench/throughput.py: against sync workers, receptions gained the most).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 60
graceful_timeout = 30
accesslog = None

if os.environ.get("LOG_FORMAT") == "json":
    # merged by gunicorn into its defaults. The root logger gets no handler here (the application adds
    # its own, on stderr); gunicorn's lines go to stderr once, as JSON. A logging configuration turns
    # gunicorn's access log on, and its line would carry the query string: it is silenced.
    logconfig_dict = {
        "root": {"level": "WARNING", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "formatters": {"generic": {"()": "app.core.logs.JsonFormatter"}},
    }


def child_exit(_server, worker):
    """A worker ended (restarted, killed, timed out): tell prometheus_client, if it counts in files."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
