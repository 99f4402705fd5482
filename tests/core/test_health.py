"""The probes of a load balancer: ``/healthz`` (the process is up) and ``/readyz``
(the database answers and its schema is at the head of the migrations).

An unreachable database is a SQLite file in a folder that does not exist and a
PostgreSQL port on loopback where nothing listens: both refuse at once."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core.health import head_revisions
from tests.core.test_headers import assert_protected

UNREACHABLE = {
    "sqlite": "sqlite:////khong-co-thu-muc-nay/motcua.db",
    "postgresql": "postgresql+psycopg://motcua@127.0.0.1:1/motcua",
}
#: the first migration: a schema left there is behind whatever the head is
OLD = "0001"


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert_protected(response)


@pytest.mark.parametrize("kind", UNREACHABLE)
def test_healthz_needs_no_database(app_factory, kind):
    response = app_factory(DATABASE_URL=UNREACHABLE[kind]).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok", "revision": list(head_revisions())}
    assert_protected(response)


def test_the_probes_leave_a_signed_in_session_alone(client, login):
    """A page moves the session's last-seen stamp (a new cookie); a probe never reads who is asking."""
    login("motcua.tanhoa")
    assert "Set-Cookie" in client.get("/cong-viec").headers
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("kind", UNREACHABLE)
def test_readyz_when_the_database_cannot_be_reached(app_factory, kind):
    response = app_factory(DATABASE_URL=UNREACHABLE[kind]).test_client().get("/readyz")
    assert response.status_code == 503
    problem = response.get_json()
    assert response.content_type == "application/problem+json"
    assert problem["status"] == 503
    assert problem["detail"].startswith("Không kết nối được tới cơ sở dữ liệu")
    assert response.headers["Cache-Control"] == "no-store"
    assert_protected(response)


@pytest.mark.commits
def test_readyz_when_migrations_are_pending(app):
    """The version row is put back to the first migration (for real: the probe uses its own connection)."""
    (head,) = head_revisions()
    engine = app.extensions["db_engine"]
    _set_revision(engine, OLD)
    try:
        response = app.test_client().get("/readyz")
    finally:
        _set_revision(engine, head)
    assert response.status_code == 503
    problem = response.get_json()
    assert (problem["current"], problem["expected"]) == ([OLD], [head])
    assert f"đang ở phiên bản {OLD}, cần phiên bản {head}" in problem["detail"]
    assert "flask db upgrade" in problem["detail"]
    assert app.test_client().get("/readyz").status_code == 200


def _set_revision(engine, revision: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
