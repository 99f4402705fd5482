"""Dossier codes never repeat, even when receptions run at the same time."""
import threading
from datetime import date

import pytest
from sqlalchemy import delete, text

from app.auth.services import get_user
from app.db import session
from app.dossiers import services
from app.dossiers.codes import parse_code
from app.dossiers.models import DossierSequence

#: what a certified copy requires
ORIGINAL = [{"name": "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", "copies": 1}]


def _receive_in_thread(app, results, errors, barrier):
    with app.app_context():
        try:
            barrier.wait()
            dossier = services.receive(get_user("motcua.tanhoa"), "chung-thuc-ban-sao",
                                       services.Applicant("Nguyễn Văn Đồng Thời"), ORIGINAL)
            results.append(dossier.code)
        except Exception as error:  # collected and asserted on below
            errors.append(repr(error))
        finally:
            session.remove()


@pytest.mark.commits  # threads, each on its own connection
def test_concurrent_receptions_get_consecutive_distinct_numbers(app, demo):
    results, errors, count = [], [], 8
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=_receive_in_thread, args=(app, results, errors, barrier)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(parse_code(code)[2] for code in results)
    assert numbers == list(range(1, count + 1))
    assert len({parse_code(code)[1] for code in results}) == 1


def test_each_agency_has_its_own_sequence(app, demo):
    first = services.receive(get_user("motcua.tanhoa"), "chung-thuc-ban-sao", services.Applicant("A"), ORIGINAL)
    other = services.receive(get_user("motcua.binhan"), "chung-thuc-ban-sao", services.Applicant("B"), ORIGINAL)
    second = services.receive(get_user("motcua.tanhoa"), "chung-thuc-ban-sao", services.Applicant("C"), ORIGINAL)
    assert parse_code(first.code)[0] == "000.00.12.H37" and parse_code(other.code)[0] == "000.00.14.H37"
    assert (parse_code(first.code)[2], parse_code(other.code)[2], parse_code(second.code)[2]) == (1, 1, 2)


@pytest.mark.postgres
@pytest.mark.commits  # two connections at once
def test_a_reception_in_progress_does_not_hold_the_counter(app, demo):
    """The day's number is committed when taken: the next reception at the same counter takes
    its own at once instead of waiting for the first to finish (and a failed one leaves a gap)."""
    day = date(2026, 12, 1)
    first = services.take_number(DossierSequence, agency_code="000.00.12.H37", day=day)
    with session.get_bind().connect() as other:
        other.exec_driver_sql("SET lock_timeout = '2s'")
        second = other.execute(text(
            "UPDATE dossier_sequences SET last_number = last_number + 1 "
            "WHERE agency_code = '000.00.12.H37' AND day = :day RETURNING last_number"), {"day": day}).scalar_one()
        other.rollback()
    session.rollback()   # the first reception fails: its number stays taken
    assert (first, second) == (1, 2)
    assert services.take_number(DossierSequence, agency_code="000.00.12.H37", day=day) == 2
    session.execute(delete(DossierSequence).where(DossierSequence.day == day))
    session.commit()
