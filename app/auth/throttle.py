"""Login throttling and the security log.

Failed sign-ins are counted in the database (``login_throttles``), once for the
account tried and once for the client address, so that every gunicorn worker
sees the same count. A locked account or address is answered 429 before any
password is checked, with the same words whether the account exists or not.
The rows of an attempt are claimed ``FOR UPDATE`` (PostgreSQL; on SQLite the
writing request already holds the database's write lock) and stay claimed
until the attempt is recorded, so parallel guesses cannot slip past a lock.
Times are on the real clock.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.auth.models import AuthEvent, LoginThrottle
from app.auth.policy import ThrottleRule, current_policy
from app.core.errors import TooManyAttempts
from app.db import session

ACCOUNT, ADDRESS = "account", "address"
#: what a locked sign-in is told: nothing about whether the account exists
WAIT = "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."
_SUBJECT_LENGTH = 255


def record(outcome: str, username: str, address: str | None = None, detail: str | None = None) -> None:
    """One line of the security log (committed with the caller's change)."""
    session.add(AuthEvent(at=clock.real_now(), username=(username or "")[:_SUBJECT_LENGTH],
                          address=(address or None) and address[:64], outcome=outcome, detail=detail))


def claim(username: str, address: str | None) -> list[LoginThrottle]:
    """The throttle rows of this attempt (created when missing), locked until commit."""
    keys = [(ACCOUNT, (username or "")[:_SUBJECT_LENGTH])] + ([(ADDRESS, address[:64])] if address else [])
    _insert_missing(keys)
    wanted = or_(*(and_(LoginThrottle.scope == scope, LoginThrottle.subject == subject) for scope, subject in keys))
    query = select(LoginThrottle).where(wanted).order_by(LoginThrottle.scope).with_for_update()
    return list(session.scalars(query.execution_options(populate_existing=True)))


def _insert_missing(keys: list[tuple[str, str]]) -> None:
    """One statement that both databases run as an upsert doing nothing on a known row."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [{"scope": scope, "subject": subject, "failures": 0} for scope, subject in keys]
    session.execute(insert(LoginThrottle).values(rows).on_conflict_do_nothing())


def refuse_if_locked(rows: list[LoginThrottle], username: str, address: str | None) -> None:
    """429 with Retry-After while any of the rows is locked; the refusal is logged."""
    now = clock.real_now()
    until = max((row.locked_until for row in rows if row.locked_until and row.locked_until > now), default=None)
    if until is None:
        return
    seconds = math.ceil((until - now).total_seconds())
    record("refused", username, address, f"đang bị khóa đến {clock.local(until):%H:%M:%S}")
    session.commit()
    raise TooManyAttempts(WAIT.format(minutes=math.ceil(seconds / 60)), retry_after=seconds)


def count_failure(rows: list[LoginThrottle], username: str, address: str | None, reason: str) -> None:
    """One more failure on each row; a row over its rule's limit is locked (and the lock logged)."""
    now, policy = clock.real_now(), current_policy()
    record("failure", username, address, reason)
    for row in rows:
        rule = policy.account if row.scope == ACCOUNT else policy.address
        if _fail(row, rule, now):
            record("locked", username, address, _lock_detail(row, now))


def _fail(row: LoginThrottle, rule: ThrottleRule, now: datetime) -> timedelta | None:
    """Count one failure on ``row``; the lock it starts, if any."""
    quiet = now - row.last_failure_at if row.last_failure_at else timedelta()
    row.failures = rule.remembered(row.failures, quiet) + 1
    row.last_failure_at = now
    lock = rule.lock_for(row.failures)
    if lock:
        row.locked_until = now + lock
    return lock


def _lock_detail(row: LoginThrottle, now: datetime) -> str:
    minutes = round((row.locked_until - now).total_seconds() / 60)
    scope = "tài khoản" if row.scope == ACCOUNT else "địa chỉ"
    return f"khóa {scope} {row.subject} {minutes} phút sau {row.failures} lần sai"


def forget_account(username: str) -> None:
    """A success (or a new password set by an administrator) starts the account's count again."""
    row = session.get(LoginThrottle, (ACCOUNT, username))
    if row is not None:
        row.failures, row.locked_until = 0, None
