"""The hash chain of the audit trail, alone: canonical form, links, and what verify names."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.dossiers.auditchain import GENESIS, Entry, canonical, entry_hash, seal, verify

pytestmark = pytest.mark.unit

CODE = "000.00.01.H01-251003-0001"
START = datetime(2025, 10, 3, 3, 0, 0, 123456, tzinfo=timezone.utc)


def chain(count: int = 5) -> tuple[list[Entry], str]:
    """``count`` events of one dossier, ids 10, 20, …, chained as the writers chain them; and the head."""
    entries, head = [], GENESIS
    for number in range(count):
        entry = Entry((number + 1) * 10, "task_completed", 7, 100 + number, START + timedelta(minutes=number),
                      {"name": f"Bước {number}", "n": number}, head, None)
        head = entry_hash(CODE, entry)
        entries.append(replace(entry, hash=head))
    return entries, head


def forged(after: Entry, event_id: int) -> Entry:
    """An event someone wrote by hand, linked after ``after`` with a correctly computed hash."""
    entry = Entry(event_id, "returned", 1, None, START, {"note": "giả"}, after.hash, None)
    return replace(entry, hash=entry_hash(CODE, entry))


def messages(findings) -> str:
    return "\n".join(finding.message for finding in findings)


def test_an_untouched_chain_verifies():
    entries, head = chain()
    assert entries[0].prev_hash == GENESIS
    assert verify(CODE, entries, head) == []


def test_the_canonical_form_survives_a_round_trip_through_json_storage():
    detail = {"b": (1, 2.5, "Hồ sơ"), "a": {3: None, 10: "x", "z": True}, "f": 0.1 + 0.2, "big": 10 ** 18}
    stored = json.loads(json.dumps(detail))   # what either database gives back
    assert canonical(CODE, "k", 1, None, START, detail) == canonical(CODE, "k", 1, None, START, stored)
    assert "Hồ sơ" in canonical(CODE, "k", 1, None, START, detail)   # no ASCII escaping


def test_the_moment_is_the_same_in_any_zone_and_naive_is_utc():
    hanoi = START.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    naive = START.replace(tzinfo=None)
    assert seal(GENESIS, CODE, "k", 1, 2, hanoi, {}) == seal(GENESIS, CODE, "k", 1, 2, naive, {})
    assert "2025-10-03T03:00:00.123456Z" in canonical(CODE, "k", 1, 2, START.replace(microsecond=123456), {})
    assert "03:00:00.000000Z" in canonical(CODE, "k", 1, 2, START.replace(microsecond=0), {})


@pytest.mark.parametrize("change", [
    {"detail": {"name": "Bước 2", "n": 3}}, {"kind": "refused"}, {"actor_id": 8}, {"task_id": None},
    {"at": START + timedelta(minutes=2, microseconds=1)},
])
def test_a_changed_event_is_named(change):
    entries, head = chain()
    entries[2] = replace(entries[2], **change)
    findings = verify(CODE, entries, head)
    assert [finding.event_id for finding in findings] == [30]
    assert "Sự kiện #30" in messages(findings) and "đã bị sửa" in messages(findings)


def test_an_event_of_another_dossier_moved_here_is_changed():
    entries, head = chain()
    assert verify("000.00.01.H01-251003-0002", entries, head)[0].event_id == 10


def test_a_deleted_event_is_named_by_its_neighbours():
    entries, head = chain()
    del entries[2]
    [finding] = verify(CODE, entries, head)
    assert finding.event_id == 40 and "giữa sự kiện #20 và #40" in finding.message and "xóa" in finding.message


def test_deleting_the_first_events_is_named():
    entries, head = chain()
    [finding] = verify(CODE, entries[2:], head)
    assert finding.event_id == 30 and "đầu tiên" in finding.message


def test_an_event_changed_and_rehashed_breaks_the_next_link():
    entries, head = chain()
    altered = replace(entries[1], detail={"name": "khác"})
    entries[1] = replace(altered, hash=entry_hash(CODE, altered))
    [finding] = verify(CODE, entries, head)
    assert finding.event_id == 30 and "#20" in finding.message


def test_a_forged_event_in_the_middle_is_named_as_inserted():
    entries, head = chain()
    entries.insert(2, forged(entries[1], 25))
    [finding] = verify(CODE, entries, head)
    assert finding.event_id == 25 and "#25" in finding.message and "chèn thêm" in finding.message


def test_a_forged_event_at_the_end_is_named_as_inserted():
    entries, head = chain()
    entries.append(forged(entries[-1], 60))
    [finding] = verify(CODE, entries, head)
    assert finding.event_id == 60 and "chèn thêm vào cuối" in finding.message


def test_an_event_without_hash_is_named():
    entries, head = chain()
    entries.insert(2, Entry(25, "returned", 1, None, START, {}, None, None))
    findings = verify(CODE, entries, head)
    assert {finding.event_id for finding in findings} == {25}
    assert "không có mã băm" in messages(findings)


def test_deleting_the_last_events_is_a_head_mismatch_naming_the_last_one_left():
    entries, head = chain()
    [finding] = verify(CODE, entries[:3], head)
    assert finding.event_id == 30 and "sau sự kiện #30 đã bị xóa" in finding.message


def test_a_missing_head_and_a_dossier_without_events_are_named():
    entries, head = chain()
    assert "mất mã đầu chuỗi" in messages(verify(CODE, entries, None))
    assert "không còn sự kiện nào" in messages(verify(CODE, [], head))
    assert "không còn sự kiện nào" in messages(verify(CODE, [], None))


def test_a_saved_head_must_still_lie_on_the_chain():
    entries, head = chain()
    assert verify(CODE, entries, head, anchor=entries[2].hash) == []
    rewritten, new_head = [], GENESIS   # the whole chain recomputed after changing the first event
    for entry in [replace(entries[0], detail={"name": "khác"}), *entries[1:]]:
        entry = replace(entry, prev_hash=new_head)
        new_head = entry_hash(CODE, entry)
        rewritten.append(replace(entry, hash=new_head))
    assert verify(CODE, rewritten, new_head) == []
    [finding] = verify(CODE, rewritten, new_head, anchor=entries[2].hash)
    assert "đã bị viết lại" in finding.message and CODE in finding.message
