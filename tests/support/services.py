"""Services some tests need beside the database, and the rate limits' counts.

Redis is where several workers share their rate limits (``app/core/limits.py``).
The Debian package ``redis-server`` (the Makefile's ``DEB_PACKAGES``) is
started once per run, only if a test asks for it, on a free loopback port,
writing nothing to disk, and stopped at the end of the run.

Counts are per application and in memory by default, and the suite shares one
application: :func:`_fresh_rate_limits` starts every test from zero counts, as
the database starts every test from the demo.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis

from app.core import limits

#: how long redis-server may take to answer its first PING
STARTUP_SECONDS = 10


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """No test inherits the anonymous calls of the tests before it (only tests with an app have counts)."""
    if "app" in request.fixturenames:
        limits.reset(request.getfixturevalue("app"))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """``redis://127.0.0.1:<port>/0`` of a Redis started for this run."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: `make install` installs it (Debian package redis-server).")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(folder), "--logfile", str(folder / "redis.log")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_ready(process, port, folder / "redis.log")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_limits(redis_url) -> dict:
    """Settings of an application that counts in the run's Redis, under a prefix of this test's own."""
    return {"RATELIMIT_STORAGE_URI": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(process: subprocess.Popen, port: int, log) -> None:
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            client.ping()
            client.close()
            return
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"redis-server did not start on port {port}: {log.read_text() if log.exists() else ''}")


# --------------------------------------------------------------------------- an S3-compatible store


@pytest.fixture(scope="session")
def s3_server() -> str:
    """The endpoint URL of moto's S3-compatible server, started on loopback for this run."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> dict:
    """A new, empty bucket on the run's S3 server: the settings that store files in it."""
    import boto3

    bucket = f"motcua-{uuid.uuid4().hex[:12]}"
    settings = {"storage_backend": "s3", "s3_endpoint_url": s3_server, "s3_bucket": bucket,
                "s3_region": "us-east-1", "s3_access_key_id": "thu", "s3_secret_access_key": "thu-bi-mat"}
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="thu", aws_secret_access_key="thu-bi-mat")
    client.create_bucket(Bucket=bucket)
    return settings
