"""``/metrics``: the Prometheus page, read back with prometheus_client's own parser.

The counters are process-wide (one registry for the run), so each test reads a figure before and
after what it does and compares the difference."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app import clock, db
from app.core.errors import Conflict
from app.core.metrics import count_on_commit
from app.dossiers.metrics import TASK_COMPLETIONS
from app.dossiers.signals import event_recorded
from app.notifications.dispatch import dispatch
from app.notifications.models import OutboxMessage
from tests.dossiers.test_dossiers_api import KHAI_SINH_CHECK
from tests.support import mailbox
from tests.support.api import complete, error_fields, ok, open_task, problem, receive

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}
TOKEN = "metrics-token-for-tests-0123456789"
ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **kwargs) -> dict[tuple[str, frozenset], float]:
    """Every sample of the page: (name, labels) → value."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in families for sample in family.samples}


def value(client, name: str, **labels) -> float:
    return scrape(client).get((name, frozenset(labels.items())), 0.0)


def test_the_page_parses_and_times_requests_by_endpoint(client):
    client.get("/healthz")
    client.get("/khong-co-trang-nay?s=bi-mat")
    samples = scrape(client)
    names = {name for name, _labels in samples}
    assert {"motcua_http_request_duration_seconds_bucket", "motcua_task_completions_total",
            "motcua_outbox_messages", "motcua_outbox_oldest_pending_age_seconds"} <= names
    healthz = frozenset({"endpoint": "health.healthz", "method": "GET", "status": "2xx"}.items())
    assert samples[("motcua_http_request_duration_seconds_count", healthz)] >= 1
    unmatched = frozenset({"endpoint": "unmatched", "method": "GET", "status": "4xx"}.items())
    assert samples[("motcua_http_request_duration_seconds_count", unmatched)] >= 1
    assert not any("khong-co-trang-nay" in str(labels) for _name, labels in samples)   # never the raw path
    assert samples[("motcua_metrics_source_up", frozenset({"source": "outbox"}.items()))] == 1


def test_a_completion_through_the_api_counts_once(api, client, demo, stopped_clock):
    received = value(client, "motcua_receptions_total", channel="counter")
    code = receive(api, "dang-ky-khai-sinh")["code"]
    assert value(client, "motcua_receptions_total", channel="counter") == received + 1
    before = value(client, "motcua_task_completions_total")
    complete(api, code, "Task_kiem_tra_ho_so", "hotich.tanhoa", KHAI_SINH_CHECK)
    assert value(client, "motcua_task_completions_total") == before + 1


def test_a_refused_completion_does_not_count(api, client, demo, stopped_clock):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    before = value(client, "motcua_task_completions_total")
    assert error_fields(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": {}})) >= {"ho_ten_tre"}
    ok(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": KHAI_SINH_CHECK}))
    problem(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": KHAI_SINH_CHECK}), 409)
    assert value(client, "motcua_task_completions_total") == before + 1


def test_a_completion_rolled_back_after_its_event_does_not_count(api, client, demo, stopped_clock):
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    before = value(client, "motcua_task_completions_total")
    refuse = _refusing_receiver()
    try:
        problem(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": KHAI_SINH_CHECK}), 409)
    finally:
        event_recorded.disconnect(refuse)
    assert value(client, "motcua_task_completions_total") == before
    ok(api.post(f"/tasks/{task['id']}/complete", "hotich.tanhoa", json={"data": KHAI_SINH_CHECK}))
    assert value(client, "motcua_task_completions_total") == before + 1


def _refusing_receiver():
    """Connected after the counters' receiver: the completion's event is recorded (its count waits
    in the session), then the transaction is refused and rolled back."""

    def refuse(_dossier, kind, **_):
        if kind == "task_completed":
            raise Conflict("Từ chối để kiểm thử.")

    event_recorded.connect(refuse)
    return refuse


def test_a_count_waits_for_the_commit_and_a_rollback_drops_it(app):
    """As in the scheduler, whose one session runs transaction after transaction."""
    def counted() -> float:
        return REGISTRY.get_sample_value("motcua_task_completions_total")

    before = counted()
    db.session.execute(text("SELECT 1"))
    count_on_commit(db.session(), TASK_COMPLETIONS)
    assert counted() == before
    db.session.rollback()
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert counted() == before
    count_on_commit(db.session(), TASK_COMPLETIONS, 2)
    db.session.commit()
    assert counted() == before + 2


def test_the_outbox_gauges_show_a_pending_message_and_its_age(app, client):
    for channel, age in (("national", 600), ("national", 90), ("email", 30)):
        db.session.add(OutboxMessage(key=f"kiem-thu-{channel}-{age}", event="received", channel=channel,
                                     recipient="x", body_text="", state="pending", attempts=0,
                                     created_at=clock.now() - timedelta(seconds=age), next_attempt_at=clock.real_now()))
    db.session.commit()
    national = value(client, "motcua_outbox_oldest_pending_age_seconds", channel="national")
    assert 600 <= national < 600 + 60
    assert 30 <= value(client, "motcua_outbox_oldest_pending_age_seconds", channel="email") < 30 + 60
    assert value(client, "motcua_outbox_messages", channel="national", state="pending") >= 2


def test_the_dispatcher_counts_its_sends_by_channel_and_outcome(app, client, override_settings):
    inbox = mailbox.Inbox(refuse=("khong-ton-tai@example.vn",))
    controller, port = mailbox.start(inbox)
    override_settings(smtp_host="127.0.0.1", smtp_port=port)
    outcomes = ("sent", "failed")
    before = {outcome: value(client, "motcua_outbox_sends_total", channel="email", outcome=outcome)
              for outcome in outcomes}
    for recipient in ("a@example.vn", "khong-ton-tai@example.vn"):   # the second is refused for good (550)
        db.session.add(OutboxMessage(key=f"kiem-thu-{recipient}", event="received", channel="email",
                                     recipient=recipient, subject="Thử", body_text="Thử", state="pending",
                                     attempts=0, created_at=clock.now(), next_attempt_at=clock.real_now()))
    db.session.commit()
    try:
        result = dispatch()
    finally:
        controller.stop()
    assert (result.sent, result.failed) == (1, 1)
    for outcome in outcomes:
        assert value(client, "motcua_outbox_sends_total", channel="email", outcome=outcome) == before[outcome] + 1


def test_the_sweep_is_timed(client, api, demo, sweep):
    swept = value(client, "motcua_escalation_sweep_duration_seconds_count")
    sweep()
    assert value(client, "motcua_escalation_sweep_duration_seconds_count") == swept + 1


def test_an_escalation_is_counted(client, api, demo, travel_clock, sweep):
    before = value(client, "motcua_escalations_total", level="1")
    code = receive(api, "dang-ky-khai-sinh")["code"]
    task = open_task(api, code, "Task_kiem_tra_ho_so")
    travel_clock(datetime.fromisoformat(task["due_at"]) + timedelta(minutes=30))
    assert sweep()["escalated"] == 1
    assert value(client, "motcua_escalations_total", level="1") == before + 1


# --------------------------------------------------------------------------- who may read it


def test_not_for_a_client_outside_the_loopback(client):
    unknown = client.get("/khong-co-trang-nay", environ_base=OUTSIDE)
    refused = client.get("/metrics", environ_base=OUTSIDE)
    assert refused.status_code == 404
    assert refused.get_data() == unknown.get_data()            # the same page as any unknown address
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_a_token_opens_it_from_elsewhere(app_factory):
    client = app_factory(METRICS_TOKEN=TOKEN).test_client()
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    wrong = {"Authorization": f"Bearer {TOKEN}x"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=wrong).status_code == 404
    scrape(client, environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"})


def test_without_a_token_a_bearer_header_opens_nothing(client):
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer "}).status_code == 404


# --------------------------------------------------------------------------- several processes


MULTIPROCESS = """
import os, sys
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from app import create_app
from app.dossiers.metrics import TASK_COMPLETIONS
app = create_app({"DATABASE_URL": sys.argv[1], "TESTING": True})
TASK_COMPLETIONS.inc(int(sys.argv[2]))
if sys.argv[3] == "read":
    page = app.test_client().get("/metrics").get_data(as_text=True)
    (family,) = [f for f in text_string_to_metric_families(page) if f.name == "motcua_task_completions"]
    print(family.samples[0].value)
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """Two processes (a worker, the scheduler) count into PROMETHEUS_MULTIPROC_DIR; a third reads the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    for amount in ("2", "3"):
        subprocess.run([sys.executable, "-c", MULTIPROCESS, url, amount, "write"], env=env, cwd=ROOT, check=True)
    read = subprocess.run([sys.executable, "-c", MULTIPROCESS, url, "0", "read"], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)
    assert float(read.stdout.strip().splitlines()[-1]) == 5.0
