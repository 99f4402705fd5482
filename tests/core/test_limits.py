"""The rate limits of public endpoints (app/core/limits.py), on probe routes of
their own: the answer to a breach, the address as the key, counts shared
through Redis, and serving on without it.  The dossiers' own limits are in
tests/dossiers/test_public_limits.py."""
from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings
from app.core import limits
from tests.support.api import problem
from tests.support.services import free_port

#: the probes' limit, small so that a breach takes a few calls
PROBE = {"RATE_LIMIT_PROBE": "3/minute"}
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}


@limits.public("RATE_LIMIT_PROBE")
def probe():
    """Answers anyone; counted per address like every public view."""
    return {"ok": True}


def _with_probes(application):
    application.add_url_rule("/api/probe", "api_probe", probe)
    application.add_url_rule("/probe", "page_probe", probe)
    return application


def _calls(client, path: str, times: int, **kwargs) -> list[int]:
    return [client.get(path, **kwargs).status_code for _ in range(times)]


def test_a_breach_is_a_vietnamese_problem_with_retry_after_and_other_addresses_go_on(app_factory):
    client = _with_probes(app_factory(**PROBE)).test_client()
    assert _calls(client, "/api/probe", 3) == [200, 200, 200]
    refused = client.get("/api/probe")
    body = problem(refused, 429)
    assert body["detail"].startswith("Có quá nhiều yêu cầu gửi từ địa chỉ của bạn. Vui lòng thử lại sau ")
    assert body["detail"].endswith(" giây.") or body["detail"].endswith(" phút.")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _calls(client, "/api/probe", 3, environ_base=ELSEWHERE) == [200, 200, 200]


def test_a_breach_of_a_page_is_the_vietnamese_error_page(app_factory):
    client = _with_probes(app_factory(**PROBE)).test_client()
    assert _calls(client, "/probe", 4) == [200, 200, 200, 429]
    refused = client.get("/probe")
    assert refused.status_code == 429 and refused.content_type.startswith("text/html")
    assert "Quá nhiều yêu cầu" in refused.text and "Vui lòng thử lại sau" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/probe").status_code == 200   # each endpoint has its own count


def test_applications_count_apart_in_memory_and_together_on_one_redis(app_factory, redis_limits):
    first, second = (_with_probes(app_factory(**PROBE)).test_client() for _ in range(2))
    assert _calls(first, "/api/probe", 3) + _calls(second, "/api/probe", 3) == [200] * 6

    workers = [_with_probes(app_factory(**PROBE, **redis_limits)).test_client() for _ in range(2)]
    assert _calls(workers[0], "/api/probe", 2) + _calls(workers[1], "/api/probe", 1) == [200] * 3
    assert [worker.get("/api/probe").status_code for worker in workers] == [429, 429]
    assert workers[1].get("/api/probe", environ_base=ELSEWHERE).status_code == 200


def test_without_its_redis_the_product_serves_and_still_limits(app_factory):
    """Nothing listens on the port: each worker counts in its own memory meanwhile."""
    gone = {"RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0"}
    client = _with_probes(app_factory(**PROBE, **gone)).test_client()
    assert _calls(client, "/api/probe", 4) == [200, 200, 200, 429]


@pytest.mark.unit
def test_limits_and_their_storage_are_checked_at_start_up(tmp_path):
    for name, value in [("RATE_LIMIT_LOOKUP", "nhiều"), ("RATE_LIMIT_SUBMIT", "10"),
                        ("RATELIMIT_STORAGE_URI", "mongodb://db")]:
        with pytest.raises(ConfigError, match=name):
            load_settings(tmp_path, {name: value})
    settings = load_settings(tmp_path, {})
    assert (settings.rate_limit_lookup, settings.rate_limit_submit) == ("20/minute", "10/hour")
    assert settings.ratelimit_storage_uri == "memory://"


@pytest.mark.unit
@pytest.mark.parametrize("seconds, text", [(1, "1 giây"), (59, "59 giây"), (60, "1 phút"), (61, "2 phút"),
                                           (3599, "60 phút"), (3600, "1 giờ")])
def test_the_wait_reads_in_the_unit_a_person_reads(seconds, text):
    assert limits.wait_text(seconds) == text
