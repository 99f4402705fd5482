"""The outbox dispatcher: claim due messages with a lease, send them, record what happened.

Any number of dispatchers may run (one in each scheduler process, or ``flask dispatcher
run``).  A batch is claimed in one statement, ``UPDATE … WHERE id IN (SELECT … FOR UPDATE
SKIP LOCKED)`` on PostgreSQL (an exclusive write transaction on SQLite), and committed, so
two dispatchers never hold one message.  Leases are on the real clock (a demo may move the
application's) and each message's lease is renewed just before it is sent, so a slow batch
never lets another dispatcher take a message still being sent.  A dispatcher killed
mid-send leaves its lease to expire: the message goes again, with the same Message-ID.

No transaction stays open while talking to a mail server or gateway: on SQLite it would hold
the one write lock of the whole instance for as long as the network takes.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from app import clock
from app.core.errors import AppError
from app.db import session
from app.dossiers import files as dossier_files
from app.dossiers import forms_print
from app.dossiers.models import Dossier, DossierFile
from app.escalation.models import Escalation
from app.notifications.channels import Attachment, SendError, channels_for
from app.notifications.metrics import count_send
from app.notifications.models import OutboxMessage
from app.notifications.sync import in_order
from app.settings import get_settings

log = logging.getLogger(__name__)
BATCH = 20
RETRY_FIRST = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=6)
#: the PDF names of the forms a message may carry
FORM_FILES = {"supplement": "phieu-yeu-cau-bo-sung", "refusal": "phieu-tu-choi", "receipt": "giay-tiep-nhan",
              "fee-receipt": "bien-lai"}
PDF = "application/pdf"


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    released: int = 0
    #: taken meanwhile by another dispatcher (its lease had run out): theirs to finish
    skipped: int = 0
    outcomes: dict[int, str] = field(default_factory=dict, repr=False)

    def count(self, message_id: int, outcome: str) -> None:
        self.outcomes[message_id] = outcome
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        return (f"Hộp thư đi: gửi {self.sent}, chờ gửi lại {self.retried}, hỏng {self.failed}, "
                f"giữ lại {self.held} (chưa cấu hình kênh), mở lại {self.released}.")


def dispatch(limit: int = BATCH, release_held: bool = False) -> DispatchResult:
    """Send every message due now, batch after batch; ``release_held`` first puts back in line the
    held messages whose channel is now configured (done once when a dispatcher starts)."""
    result, channels = DispatchResult(), channels_for(get_settings())
    if release_held:
        result.released = release(channels)
    result.held += hold(channels)
    try:
        # until nothing is due: a message sent may free the next one of its dossier (national portal)
        while _one_batch(claim(new_owner(), limit), channels, result):
            pass
    finally:
        for channel in channels.values():
            channel.close()
    return result


def new_owner() -> str:
    """Who holds a lease: this host and process, and this pass (so a pass finds its own claim)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim(owner: str, limit: int = BATCH) -> list[OutboxMessage]:
    """Lease up to ``limit`` due messages to ``owner`` and commit; returns them."""
    now = clock.real_now()
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now, _lease_free(now), in_order())
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()), _lease_free(now))
                    .values(lease_owner=owner, lease_until=now + lease()).execution_options(synchronize_session=False))
    session.commit()
    mine = (select(OutboxMessage).where(OutboxMessage.lease_owner == owner, OutboxMessage.state == "pending")
            .order_by(OutboxMessage.id).execution_options(populate_existing=True))
    claimed = list(session.scalars(mine))
    session.commit()
    return claimed


def lease() -> timedelta:
    """How long a claimed message is the claimer's (OUTBOX_LEASE_SECONDS, a minute by default): renewed
    before each send, it must outlast one send (a channel's timeout, 15 s) and stay short, since a
    dispatcher killed mid-send delays its messages by this much before another one sends them."""
    return timedelta(seconds=get_settings().outbox_lease_seconds)


def _lease_free(now: datetime):
    return or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)


def _one_batch(claimed: list[OutboxMessage], channels: dict, result: DispatchResult) -> int:
    for message in claimed:
        channel, outcome = message.channel, deliver(message, channels)
        result.count(message.id, outcome)
        count_send(channel, outcome)
    return len(claimed)


def deliver(message: OutboxMessage, channels: dict) -> str:
    """Send one claimed message; returns the outcome (sent, retried, failed, held).  Never raises:
    one broken message must not stop the others."""
    channel = channels.get(message.channel)
    if channel is None or not channel.configured:
        return _finish(message, "held", state="held")
    if not _renew(message):
        return "skipped"
    try:
        attachments = _attachments(message)
        channel.send(message, attachments)
    except SendError as error:
        return _failed_attempt(message, error.reason, error.permanent)
    except AppError as error:  # an attachment the dossier cannot give (anymore): no retry mends it
        return _failed_attempt(message, f"Không tạo được tệp đính kèm: {error.detail}", permanent=True)
    except Exception:  # a bug must not stop the dispatcher; the detail goes to the log
        session.rollback()
        log.exception("Hộp thư đi: lỗi khi gửi tin %s", message.key)
        return _failed_attempt(message, "Lỗi hệ thống khi gửi; chi tiết trong nhật ký của máy chủ.")
    return _finish(message, "sent", state="sent", sent_at=clock.now(), last_error="")


def _renew(message: OutboxMessage) -> bool:
    """A fresh lease just before sending, if the message is still ours."""
    renewed = session.execute(_mine(message.id, message.lease_owner).values(lease_until=clock.real_now() + lease()))
    session.commit()
    return renewed.rowcount == 1


def _failed_attempt(message: OutboxMessage, reason: str, permanent: bool = False) -> str:
    """Try again later, waiting twice as long each time, or give up after the allowed attempts."""
    attempts = message.attempts + 1
    if permanent or attempts >= get_settings().outbox_max_attempts:
        return _finish(message, "failed", state="failed", attempts=attempts, last_error=reason)
    return _finish(message, "retried", attempts=attempts, last_error=reason,
                   next_attempt_at=clock.real_now() + backoff(attempts))


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, then 1 min, 2 min, 4 min… never more than 6 hours."""
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_CAP)


def _finish(message: OutboxMessage, outcome: str, **values: Any) -> str:
    """Record the outcome and let go of the lease, in a transaction of its own (only while ours)."""
    message_id, owner = message.id, message.lease_owner
    session.rollback()  # whatever reading the attachments began
    values = {"lease_owner": None, "lease_until": None, **values}
    done = session.execute(_mine(message_id, owner).values(**values))
    session.commit()
    if done.rowcount != 1:
        log.warning("Hộp thư đi: tin %s đã do tiến trình khác giữ, không ghi kết quả %s", message.key, outcome)
    return outcome


def _mine(message_id: int, owner: str | None):
    return (update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.lease_owner == owner,
                                        OutboxMessage.state == "pending")
            .execution_options(synchronize_session=False))


def hold(channels: dict) -> int:
    """Keep, unsent, the due messages of every channel not configured, all at once: a dossier's
    later status messages are held with its first (not left pending behind it), and go when
    :func:`release` puts them back in line, in order."""
    idle = [name for name, channel in channels.items() if not channel.configured]
    if not idle:
        return 0
    now = clock.real_now()
    done = session.execute(update(OutboxMessage)
                           .where(OutboxMessage.state == "pending", OutboxMessage.channel.in_(idle), _lease_free(now))
                           .values(state="held").execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


def release(channels: dict | None = None) -> int:
    """Put the held messages of every configured channel back in line, due now; returns how many."""
    channels = channels if channels is not None else channels_for(get_settings())
    ready = [name for name, channel in channels.items() if channel.configured]
    if not ready:
        return 0
    done = session.execute(update(OutboxMessage)
                           .where(OutboxMessage.state == "held", OutboxMessage.channel.in_(ready))
                           .values(state="pending", next_attempt_at=clock.real_now(), lease_owner=None, lease_until=None)
                           .execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


# --------------------------------------------------------------------------- attachments, made when sent


def _attachments(message: OutboxMessage) -> list[Attachment]:
    """What the message carries, built now from the dossier (the forms) or read from storage, then
    the reading transaction is ended before the network is touched."""
    made = [_attachment(item, message) for item in message.attachments or []]
    session.commit()
    return made


def _attachment(item: dict[str, Any], message: OutboxMessage) -> Attachment:
    dossier = session.get(Dossier, message.dossier_id) if message.dossier_id is not None else None
    if "form" in item and dossier is not None:
        pdf = forms_print.form_pdf(dossier, item["form"], None)
        return Attachment(f"{FORM_FILES.get(item['form'], item['form'])}-{dossier.code}.pdf", PDF, pdf)
    if "escalation_id" in item:
        return _letter(item["escalation_id"])
    if "file_id" in item:
        return _stored_file(item["file_id"])
    raise AppError("Tin nhắn đòi một tệp đính kèm hệ thống không biết.")


def _letter(escalation_id: int) -> Attachment:
    escalation = session.get(Escalation, escalation_id)
    pdf = escalation and (escalation.signed_pdf or escalation.letter_pdf)
    if not pdf:
        raise AppError("Không còn thư xin lỗi để gửi kèm.")
    return Attachment(f"thu-xin-loi-{escalation.dossier.code}.pdf", PDF, pdf)


def _stored_file(file_id: int) -> Attachment:
    row = session.get(DossierFile, file_id)
    if row is None:
        raise AppError("Tệp cần gửi kèm không còn trong hồ sơ.")
    return Attachment(row.name, row.content_type, dossier_files.read(row))
