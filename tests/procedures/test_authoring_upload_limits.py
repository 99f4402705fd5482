"""A 50 MB upload is refused quickly (413 problem+json), as JSON or multipart,
without being read, and the server goes on answering."""
from __future__ import annotations

import io
import time

import pytest

from tests.support.api import ok, problem
from tests.support.procedures import CATALOGUE, CODE

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

FIFTY_MB = 50 * 1024 * 1024


def json_body() -> dict:
    return {"data": b'{"bpmn_xml": "' + b"x" * FIFTY_MB + b'"}', "content_type": "application/json"}


def multipart_body() -> dict:
    fields = {key: str(value) for key, value in CATALOGUE.items() if isinstance(value, str)}
    return {"data": {**fields, "file": (io.BytesIO(b"<" * FIFTY_MB), "huge.bpmn")}, "content_type": "multipart/form-data"}


@pytest.mark.parametrize("path, method, body", [
    ("/procedures", "POST", json_body), ("/procedures", "POST", multipart_body),
    ("/procedures/check", "POST", json_body), (f"/procedures/{CODE}/versions/1", "PUT", multipart_body),
])
def test_fifty_megabytes_are_refused_quickly(api, draft, path, method, body):
    request = body()
    started = time.monotonic()
    response = api.call(method, path, "phantich", **request)
    elapsed = time.monotonic() - started
    assert problem(response, 413)["detail"]
    assert elapsed < 2, elapsed
    assert [v["version"] for v in ok(api.get(f"/procedures/{CODE}/versions", "phantich"))] == [1]
