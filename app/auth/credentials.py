"""Proving who you are, and ending that proof: sign-in, browser sessions, API tokens,
password changes and disabled accounts.

Sessions and tokens are rows (only the SHA-256 of their secret is stored), so
that a logout, a new password or a disabled account ends them on the server,
whatever copy of a cookie or token is replayed later. Their lifetimes are on
the real clock (:func:`app.clock.real_now`), never the application clock that a
demo instance may move.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from app import clock
from app.auth import throttle
from app.auth.models import ApiToken, User, UserSession
from app.auth.policy import current_policy
from app.auth.services import authenticate, field_errors, hash_password, password_problem
from app.core.errors import Conflict, Invalid
from app.db import session


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --------------------------------------------------------------------------- signing in


def sign_in(username: str, password: str, address: str | None) -> User | None:
    """The password check behind every sign-in, throttled per account and address.

    Raises 429 (:class:`TooManyAttempts`) while either is locked, before any
    password is checked; returns None for a wrong password or an unknown or
    disabled account alike (the same time is spent on each). Logged either way.
    """
    rows = throttle.claim(username, address)
    throttle.refuse_if_locked(rows, username, address)
    user = authenticate(username, password)
    if user is None:
        throttle.count_failure(rows, username, address, _why_refused(username))
    else:
        throttle.forget_account(user.username)
        throttle.record("success", username, address)
    session.commit()
    return user


def _why_refused(username: str) -> str:
    """For the security log only: the caller is told the same thing in every case."""
    active = session.scalar(select(User.active).where(User.username == username))
    if active is None:
        return "không có tài khoản"
    return "sai mật khẩu" if active else "tài khoản đã bị vô hiệu hóa"


# --------------------------------------------------------------------------- API tokens


def issue_token(user: User) -> tuple[str, datetime]:
    """A new bearer token; expired ones of every user are cleared on the way."""
    token, now = secrets.token_urlsafe(32), clock.real_now()
    expires_at = now + current_policy().token_lifetime
    session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    session.add(ApiToken(token_hash=digest(token), user_id=user.id, expires_at=expires_at))
    session.commit()
    return token, expires_at


#: Every API call runs this: built once, so only its parameter changes.  The user comes with
#: their roles and unit, which nearly every service reads (one round trip, not three).
_TOKEN = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
          .options(joinedload(ApiToken.user).joinedload(User.roles),
                   joinedload(ApiToken.user).joinedload(User.unit)))


def user_for_token(token: str) -> User | None:
    row = session.execute(_TOKEN, {"token_hash": digest(token)}).unique().scalar_one_or_none()
    if row is None or row.expires_at <= clock.real_now() or not row.user.active:
        return None
    return row.user


def revoke_token(token: str, address: str | None = None) -> None:
    """The token answers 401 from now on (the API's logout)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is not None:
        throttle.record("token_revoked", row.user.username, address)
        session.delete(row)
    session.commit()


# --------------------------------------------------------------------------- browser sessions


def open_session(user: User) -> str:
    """A new server-side session; returns the key its cookie carries.
    Sessions past their absolute lifetime, anyone's, are cleared on the way."""
    key = secrets.token_urlsafe(32)
    now = clock.real_now()
    session.execute(delete(UserSession).where(UserSession.created_at <= now - current_policy().session_max))
    session.add(UserSession(key_hash=digest(key), user_id=user.id, created_at=now))
    session.commit()
    return key


_SESSION = (select(UserSession).where(UserSession.key_hash == bindparam("key_hash"))
            .options(joinedload(UserSession.user).joinedload(User.roles),
                     joinedload(UserSession.user).joinedload(User.unit)))


def user_for_session(key: str) -> User | None:
    """The user of a live session: not ended, younger than its absolute lifetime, account active."""
    row = session.execute(_SESSION, {"key_hash": digest(key)}).unique().scalar_one_or_none()
    born_after = clock.real_now() - current_policy().session_max
    return row.user if row is not None and row.created_at > born_after and row.user.active else None


def sign_out(user: User, key: str | None, address: str | None = None) -> None:
    """Logging out of the web ends this browser's session and the user's API tokens;
    the user's other browsers stay signed in."""
    if key:
        session.execute(delete(UserSession).where(UserSession.key_hash == digest(key)))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    throttle.record("logout", user.username, address)
    session.commit()


def end_everything(user: User) -> None:
    """Every session and token of ``user`` ends (the caller commits)."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


# --------------------------------------------------------------------------- accounts


def change_own_password(user: User, current: str, password: str, address: str | None) -> None:
    """The user's own change: the current password is checked like a sign-in (and throttled)."""
    _check_new_password(password)
    if sign_in(user.username, current, address) is None:
        raise Invalid("Mật khẩu hiện tại không đúng.",
                      field_errors({"current_password": "Mật khẩu hiện tại không đúng."}))
    change_password(user, password, address)


def change_password(user: User, password: str, address: str | None = None, by: User | None = None) -> None:
    """A new password ends every session and token of the user and lifts any lock on the account."""
    _check_new_password(password)
    user.password_hash = hash_password(password)
    end_everything(user)
    throttle.forget_account(user.username)
    throttle.record("password_changed", user.username, address, _by(by, user))
    session.commit()


def _check_new_password(password: str) -> None:
    if password_problem(password):
        raise Invalid("Mật khẩu mới chưa hợp lệ.", field_errors({"password": password_problem(password)}))


def set_active(user: User, active: bool, address: str | None = None, by: User | None = None) -> User:
    """Disable (every session and token ends at once) or enable an account."""
    if not active and by is not None and by.id == user.id:
        raise Conflict("Không thể tự khóa tài khoản của chính mình.")
    user.active = active
    if not active:
        end_everything(user)
    throttle.record("enabled" if active else "disabled", user.username, address, _by(by, user))
    session.commit()
    return user


def _by(actor: User | None, user: User) -> str | None:
    return f"bởi {actor.username}" if actor is not None and actor.id != user.id else None
