"""The audit trail as a hash chain, one chain per dossier: pure logic, no Flask, no database.

Each event stores ``prev_hash`` (the hash of the dossier's previous event, :data:`GENESIS`
for the first) and ``hash``, SHA-256 over ``prev_hash`` and the event's canonical text; the
dossier keeps the hash of its last event (``dossiers.audit_head``).  Changing an event's
content breaks its own hash; removing or inserting one breaks the next event's link;
removing the last ones leaves the head pointing at an event that is gone.

The canonical text names the dossier by its *code*, not its row id: an event is hashed
when it is written, and a dossier being received has no id until it is inserted, while
its code is given before (and never changes).  Everything else is what the row holds, in
a form that reads back identical from SQLite and PostgreSQL: the time as UTC with
microseconds, the detail as JSON with sorted keys (a tuple and a list, an ``int`` key and
its text, are the same JSON, as they are once stored).

What the chain alone cannot see: someone able to rewrite the whole database can recompute
every chain and head.  Heads saved earlier out of their reach (``flask audit heads``) are
anchors: each must still be the hash of one of its dossier's events.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: the ``prev_hash`` of a dossier's first event
GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    """One stored event, as read back to be verified (``id`` orders the chain)."""

    id: int
    kind: str
    actor_id: int | None
    task_id: int | None
    at: datetime
    detail: Any
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class Finding:
    """Something wrong in a dossier's chain, said in Vietnamese; ``event_id`` the event named first."""

    dossier: str
    event_id: int | None
    message: str


def utc_text(at: datetime) -> str:
    """The moment as UTC with microseconds; a naive time is taken as UTC (as the database stores it)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds") + "Z"


def canonical(dossier: str, kind: str, actor_id: int | None, task_id: int | None, at: datetime,
              detail: Any) -> str:
    """The one text of an event that its hash covers (see the module's docstring).

    The detail goes through JSON once first, as storing it does: an ``int`` key becomes text
    and then sorts as text, a tuple becomes a list.
    """
    stored = json.loads(json.dumps(detail))
    return json.dumps([dossier, kind, actor_id, task_id, utc_text(at), stored], sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


def seal(prev_hash: str, dossier: str, kind: str, actor_id: int | None, task_id: int | None, at: datetime,
         detail: Any) -> str:
    """The hash of an event following ``prev_hash`` in the chain of dossier ``dossier`` (its code)."""
    text = prev_hash + "\n" + canonical(dossier, kind, actor_id, task_id, at, detail)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(dossier: str, entry: Entry) -> str:
    """What the entry's hash should be, given what it holds now."""
    return seal(entry.prev_hash or "", dossier, entry.kind, entry.actor_id, entry.task_id, entry.at, entry.detail)


# --------------------------------------------------------------------------- verifying


class _Walk:
    """The state of one dossier's walk: the hashes met so far (to tell an insertion from a
    deletion) and the link the next event must carry."""

    def __init__(self, dossier: str) -> None:
        self.dossier = dossier
        self.findings: list[Finding] = []
        self.chain: list[tuple[int, str | None]] = []   # (event id, stored hash), in order
        self.position = {GENESIS: -1}                    # stored hash -> its index in chain
        self.expected = GENESIS

    def say(self, event_id: int | None, message: str) -> None:
        self.findings.append(Finding(self.dossier, event_id, message))

    def step(self, entry: Entry) -> None:
        self._check_content(entry)
        if entry.prev_hash != self.expected:
            self._broken_link(entry)
        self.chain.append((entry.id, entry.hash))
        if entry.hash is not None:
            self.position.setdefault(entry.hash, len(self.chain) - 1)
        self.expected = entry.hash

    def _check_content(self, entry: Entry) -> None:
        if entry.hash is None or entry.prev_hash is None:
            self.say(entry.id, f"Sự kiện #{entry.id} của hồ sơ {self.dossier} không có mã băm: "
                               "được ghi vào cơ sở dữ liệu ngoài ứng dụng.")
        elif entry.hash != entry_hash(self.dossier, entry):
            self.say(entry.id, f"Sự kiện #{entry.id} của hồ sơ {self.dossier} đã bị sửa: "
                               "nội dung không khớp với mã băm đã lưu.")

    def _broken_link(self, entry: Entry) -> None:
        before = self.chain[-1][0] if self.chain else None
        linked = self.position.get(entry.prev_hash) if entry.prev_hash is not None else None
        if linked is not None and linked < len(self.chain) - 1:
            self._inserted(self.chain[linked + 1:], f"trước sự kiện #{entry.id}")
        elif entry.prev_hash is not None:
            self.say(entry.id, self._gap_text(before, entry.id))

    def _inserted(self, extra: list[tuple[int, str | None]], where: str) -> None:
        names = ", ".join(f"#{event_id}" for event_id, _hash in extra)
        self.say(extra[0][0], f"Sự kiện {names} của hồ sơ {self.dossier} đã bị chèn thêm {where}: "
                              "chuỗi nhật ký không đi qua chúng.")

    def _gap_text(self, before: int | None, after: int) -> str:
        if before is None:
            return (f"Nhật ký của hồ sơ {self.dossier} bị đứt trước sự kiện #{after}: "
                    "các sự kiện đầu tiên đã bị xóa.")
        return (f"Nhật ký của hồ sơ {self.dossier} bị đứt giữa sự kiện #{before} và #{after}: "
                f"có sự kiện ở giữa đã bị xóa, hoặc sự kiện #{before} đã bị sửa rồi tính lại mã băm.")

    def finish(self, head: str | None, anchor: str | None = None) -> list[Finding]:
        if anchor is not None and anchor not in self.position:
            self.say(None, f"Nhật ký của hồ sơ {self.dossier} không còn đi qua mã đầu chuỗi đã lưu trước đây "
                           f"({anchor[:12]}…): lịch sử trước lần lưu đó đã bị viết lại.")
        if not self.chain:
            self.say(None, f"Hồ sơ {self.dossier} không còn sự kiện nào trong nhật ký: các sự kiện đã bị xóa.")
        elif head is None:
            self.say(None, f"Hồ sơ {self.dossier} mất mã đầu chuỗi nhật ký: không kiểm chứng được "
                           "các sự kiện cuối còn đủ hay không.")
        elif head != self.expected:
            self._wrong_head(head)
        return self.findings

    def _wrong_head(self, head: str) -> None:
        linked = self.position.get(head)
        if linked is not None:
            self._inserted(self.chain[linked + 1:], "vào cuối nhật ký")
            return
        last = self.chain[-1][0]
        self.say(last, f"Nhật ký của hồ sơ {self.dossier} không kết thúc ở sự kiện cuối đã ghi nhận: "
                       f"các sự kiện sau sự kiện #{last} đã bị xóa (hoặc sự kiện #{last} đã bị sửa).")


def verify(dossier: str, entries: Iterable[Entry], head: str | None, anchor: str | None = None) -> list[Finding]:
    """Walk one dossier's events, in the order of their ids, against its stored head;
    nothing wrong is an empty list.

    ``anchor``, a head of this dossier saved earlier out of the database's reach, must be the
    hash of one of its events: a chain rewritten as a whole (hashes recomputed) no longer is.
    """
    walk = _Walk(dossier)
    for entry in entries:
        walk.step(entry)
    return walk.finish(head, anchor)
