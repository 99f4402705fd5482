"""The plugin's promise: the demo is there, a test's commits stay in its own transaction
(other connections never see them), and ``commits`` tests really commit."""
import pytest
from sqlalchemy import func, select

from app.auth.models import Unit, User
from app.auth.services import create_unit
from app.db import session, write_intent

CODE = "XA-THU-NGHIEM"


def seen_by_another_connection(app) -> bool:
    reading = write_intent.set(False)  # SQLite: a reader's BEGIN, not waiting for the test's write lock
    try:
        with app.extensions["db_engine"].connect() as other:
            return other.execute(select(Unit.code).where(Unit.code == CODE)).first() is not None
    finally:
        write_intent.reset(reading)


def test_a_service_commit_stays_in_the_test_s_transaction(app, demo):
    create_unit(CODE, "Xã Thử Nghiệm", "commune", "TINH-HB")  # commits
    session.remove()
    assert session.scalar(select(Unit.code).where(Unit.code == CODE)) == CODE
    assert not seen_by_another_connection(app)


def test_the_demo_is_seeded_once_for_every_test(app, demo):
    assert {username for username, *_ in demo} <= set(session.scalars(select(User.username)))


def test_an_empty_database_has_no_rows_not_even_the_demo(empty_db):
    assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.commits
def test_a_commits_test_writes_for_every_connection(app, demo):
    create_unit(CODE, "Xã Thử Nghiệm", "commune", "TINH-HB")
    assert seen_by_another_connection(app)
