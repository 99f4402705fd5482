"""The files of a dossier: rows in the database, bytes in the file store.

A file row is written in the transaction of whatever it belongs to (an online
submission, a scan at the counter, a result), and its bytes must be in the
store before that transaction commits, so that no committed row ever names a
missing blob. The reverse would leave orphans: bytes written for a request
that then fails. So every blob this module writes is remembered on the
session, and when the transaction ends without committing, each blob that was
not in the store before (and that no committed row names meanwhile) is
removed. A blob that was already there (the same content in another dossier)
is never touched; and after a commit, a blob this transaction relies on is put
back should a failing transaction have removed it in between.

A crash between writing a blob and committing can still leave one; such bytes
are unreachable (no row names them) and harmless, but they take space:
:func:`collect_garbage` (``flask files gc``) removes them once they are old.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import clock
from app.auth.models import User
from app.core import storage
from app.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from app.db import session, session_factory, write_intent
from app.dossiers import services, workflow
from app.dossiers.models import FILE_KINDS, Dossier, DossierDocument, DossierFile
from app.dossiers.uploads import CheckedFile, Upload, check_files
from app.settings import get_settings
from app.tasks.models import Task

#: session.info keys: blobs this transaction wrote (key → bytes), and blobs it names (key → bytes)
WRITTEN, NAMED = "files.written", "files.named"
#: the statuses in which a result may be attached (the dossier is being worked on, or just finished)
RESULT_STATUSES = ("received", "in_progress", "ready_for_return")
#: the statuses in which the citizen may see the results
RESULT_VISIBLE = ("ready_for_return", "returned")
FINISHED = ("returned", "refused")
#: roles that oversee, author or administer, and attach no result by themselves
NOT_HANDLING = frozenset({"supervisor", "analyst", "admin"})
#: how long an unnamed blob is left alone by :func:`collect_garbage`, and how many keys one query checks
GRACE_PERIOD, GC_BATCH = timedelta(hours=1), 500


def file_store() -> storage.Store:
    """The instance's file store (``STORAGE_BACKEND``)."""
    return storage.store_for(get_settings())


def attach(dossier: Dossier, checked: list[CheckedFile], kind: str, actor: User | None = None,
           documents: list[DossierDocument | None] | None = None) -> list[DossierFile]:
    """Add ``checked`` files to ``dossier`` in the current transaction (rows and blobs).

    ``documents``: for each file the component it is a copy of, or None. The caller
    commits; if it does not, the blobs written here are removed again.
    """
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}")
    documents = documents if documents is not None else [None] * len(checked)
    now = clock.now()
    rows = [_row(dossier, item, kind, actor, document, now) for item, document in zip(checked, documents, strict=True)]
    for item in checked:
        _keep(item.data, item.sha256)
    return rows


def _row(dossier: Dossier, item: CheckedFile, kind: str, actor: User | None, document: DossierDocument | None,
         now) -> DossierFile:
    row = DossierFile(dossier=dossier, document=document, kind=kind, name=item.name,
                      content_type=item.content_type, size=item.size, sha256=item.sha256, uploaded_at=now,
                      uploaded_by_id=actor.id if actor is not None else None)
    session.add(row)
    return row


def _keep(data: bytes, key: str) -> None:
    """The blob in the store, remembered as this transaction's own if it was not there before."""
    store = file_store()
    session.info.setdefault(NAMED, {})[key] = data
    if not store.exists(key):
        store.put(data)
        session.info.setdefault(WRITTEN, {})[key] = data


def files_of(dossier: Dossier, kind: str | None = None) -> list[DossierFile]:
    """The dossier's files, oldest first; only those of ``kind`` when given."""
    query = select(DossierFile).where(DossierFile.dossier_id == dossier.id)
    if kind is not None:
        query = query.where(DossierFile.kind == kind)
    return list(session.scalars(query.order_by(DossierFile.id)))


def read(file: DossierFile) -> bytes:
    """The bytes of a file; a blob missing from the store is an operator's problem, said plainly."""
    try:
        return file_store().get(file.sha256)
    except KeyError:
        raise NotFound(f"Nội dung tệp «{file.name}» không còn trong kho lưu trữ; "
                       "vui lòng báo quản trị hệ thống.") from None


def citizen_files(dossier: Dossier) -> list[DossierFile]:
    """What the citizen holding the secret may download: what was handed in, and the results
    once the dossier is ready to be returned (not a draft result while it is still worked on)."""
    visible = dossier.status in RESULT_VISIBLE
    return [row for row in files_of(dossier) if row.kind == "submitted" or visible]


def listing(user: User | None, code: str, secret: str | None) -> list[DossierFile]:
    """The files ``user`` (staff who see the dossier: all of them) or the holder of ``secret``
    (see :func:`citizen_files`) may see; a wrong secret is an unknown dossier."""
    if secret:
        return citizen_files(services.lookup(code, secret))
    if user is None:
        raise Unauthorized("Cần đăng nhập, hoặc gửi mã tra cứu (secret) in trên giấy tiếp nhận hồ sơ.")
    return files_of(services.get_for(user, code))


def one(user: User | None, code: str, file_id: int, secret: str | None) -> DossierFile:
    """One file among :func:`listing`'s; any other is answered as an unknown file."""
    row = next((row for row in listing(user, code, secret) if row.id == file_id), None)
    if row is None:
        raise NotFound("Không tìm thấy tệp của hồ sơ.")
    return row


def check_for(dossier: Dossier, uploads: list[Upload], field: str = "files") -> list[CheckedFile]:
    """``uploads`` checked against the limits: each file, and all the dossier's files together."""
    if not uploads:
        raise Invalid("Chưa chọn tệp nào.", [{"field": field, "message": "Chọn ít nhất một tệp."}])
    settings = get_settings()
    stored = sum(row.size for row in dossier.files)
    return check_files(uploads, settings.max_file_bytes, max(settings.max_dossier_bytes - stored, 0), field)


# --------------------------------------------------------------------------- staff actions


def may_scan(user: User, dossier: Dossier) -> bool:
    """The counter of the receiving unit digitises the paper components."""
    return user.has_role("receptionist") and dossier.receiving_unit_id == user.unit_id


def may_attach_results(user: User, dossier: Dossier) -> bool:
    """Staff of the receiving unit or of a unit with a step of the dossier (not those who only
    oversee, author or administer): the officers who decide and the counter that returns."""
    if not user.role_codes - NOT_HANDLING:
        return False
    if dossier.receiving_unit_id == user.unit_id:
        return True
    step = select(Task.id).where(Task.dossier_id == dossier.id, Task.unit_id == user.unit_id).limit(1)
    return session.scalar(step) is not None


def scan(actor: User, code: str, uploads: list[Upload], document_id: int | None = None) -> list[DossierFile]:
    """A receptionist of the receiving unit attaches the scan of a paper component (digitisation)."""
    dossier = services.get_for(actor, code)
    if not may_scan(actor, dossier):
        raise Forbidden("Chỉ Bộ phận Một cửa của đơn vị tiếp nhận được đính kèm bản quét giấy tờ.")
    if dossier.status in FINISHED:
        raise Conflict(f"Hồ sơ {dossier.code} đã kết thúc, không đính kèm thêm bản quét.")
    document = _component(dossier, document_id)
    checked = check_for(dossier, uploads)
    now = clock.now()
    rows = attach(dossier, checked, "submitted", actor, [document] * len(checked))
    workflow.record(dossier, "files_scanned", actor, now, files=[row.name for row in rows],
                    document=document.name if document is not None else None)
    workflow.commit()
    return rows


def _component(dossier: Dossier, document_id: int | None) -> DossierDocument | None:
    if document_id is None:
        return None
    document = next((item for item in dossier.documents if item.id == document_id), None)
    if document is None:
        raise Invalid("Giấy tờ được chọn không thuộc hồ sơ này.",
                      [{"field": "document", "message": "Chọn một giấy tờ trong thành phần hồ sơ."}])
    return document


def attach_results(actor: User, code: str, uploads: list[Upload]) -> list[DossierFile]:
    """An officer or a receptionist of the unit attaches the electronic result (event ``result_attached``)."""
    dossier = services.get_for(actor, code)
    if not may_attach_results(actor, dossier):
        raise Forbidden("Chỉ công chức của đơn vị giải quyết hoặc tiếp nhận hồ sơ được đính kèm kết quả.")
    if dossier.status not in RESULT_STATUSES:
        raise Conflict(f"Hồ sơ {dossier.code} đang ở trạng thái '{services.STATUS_LABELS[dossier.status]}', "
                       "không đính kèm kết quả được.")
    checked = check_for(dossier, uploads)
    now = clock.now()
    rows = attach(dossier, checked, "result", actor)
    dossier.updated_at = now
    workflow.record(dossier, "result_attached", actor, now, files=[row.name for row in rows])
    workflow.commit()
    return rows


# --------------------------------------------------------------------------- no orphan blob


@event.listens_for(session_factory, "after_commit")
def _committed(committed: Session) -> None:
    """The rows are in: the blobs are theirs now. Any blob a concurrent failure removed is put back."""
    written, named = committed.info.pop(WRITTEN, {}), committed.info.pop(NAMED, {})
    if not named:
        return
    store = file_store()
    for key, data in named.items():
        if key not in written and not store.exists(key):
            store.put(data)


@event.listens_for(session_factory, "after_transaction_end")
def _ended(ended: Session, transaction) -> None:
    """A transaction that ends without committing takes its own blobs with it."""
    if transaction.parent is not None:
        return
    written = ended.info.pop(WRITTEN, {})
    ended.info.pop(NAMED, None)
    unclaimed = set(written) - _named_by_committed_rows(set(written)) if written else set()
    store = file_store() if unclaimed else None
    for key in unclaimed:
        store.delete(key)


def _named_by_committed_rows(keys: set[str]) -> set[str]:
    """Which of ``keys`` a committed row names (another request with the same content may have won)."""
    token = write_intent.set(False)
    try:
        with session_factory() as other:
            return set(other.scalars(select(DossierFile.sha256).where(DossierFile.sha256.in_(keys))))
    finally:
        write_intent.reset(token)


# --------------------------------------------------------------------------- garbage collection


def collect_garbage(older_than: timedelta = GRACE_PERIOD) -> int:
    """Delete the blobs no row names that were written more than ``older_than`` ago; how many went.

    Why the grace period: a request writes its blobs *before* it commits the rows
    naming them, so a blob without a row may belong to a transaction still open;
    deleting it would leave that transaction's rows naming nothing. Only blobs
    older than any transaction may live (an hour by default) are orphans for sure:
    those a process killed between writing and committing left behind. Ages are on
    the real clock, as the store's timestamps are (never the application clock,
    which a demo may move). The store is listed before the rows are read, so a row
    committed meanwhile is seen; a transaction reusing an old orphan (same content)
    that commits after its deletion puts it back (:func:`_committed`).
    """
    store, cutoff = file_store(), datetime.now(UTC) - older_than
    old = (key for key, written in store.listing() if written <= cutoff)
    return sum(_delete_unnamed(store, batch) for batch in _batches(old, GC_BATCH))


def _batches(keys: Iterable[str], size: int) -> Iterator[set[str]]:
    """``keys`` in sets of at most ``size``: one query per set, however large the store."""
    iterator = iter(keys)
    while batch := set(islice(iterator, size)):
        yield batch


def _delete_unnamed(store: storage.Store, keys: set[str]) -> int:
    """Delete those of ``keys`` that no committed row names; how many that was."""
    unnamed = keys - _named_by_committed_rows(keys)
    for key in unnamed:
        store.delete(key)
    return len(unnamed)
