"""Dossier codes never repeat, even when receptions run at the same time."""
import threading

import pytest

from app.auth.services import get_user
from app.db import session
from app.dossiers import services
from app.dossiers.codes import parse_code

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
