"""How a browser session or a bearer token becomes a user.

:data:`LOADERS` is handed to :mod:`app.core.identity` by ``create_app``;
:func:`start_session` and :func:`end_session` are what the login and logout
pages call.

The cookie carries the key of a server-side session (so a logout ends it even
if the cookie is replayed) and the real-clock time of the browser's last
request: the idle lifetime is checked against that time, and the absolute
lifetime against the server's row. Keeping the last request in the signed
cookie rather than the row spares every page a database write.
"""
from __future__ import annotations

from flask import flash, request
from flask.sessions import SessionMixin

from app import clock
from app.auth import credentials
from app.auth.models import User
from app.auth.policy import current_policy
from app.core.identity import Loaders, is_api_request

_KEY, _SEEN = "sid", "seen"
EXPIRED = "Phiên làm việc đã hết hạn hoặc đã kết thúc. Vui lòng đăng nhập lại."


def client_address() -> str | None:
    """The caller's address (the proxy's X-Forwarded-For only when TRUSTED_PROXIES says so)."""
    return request.remote_addr


def start_session(session: SessionMixin, user: User) -> None:
    """A fresh session for ``user``: nothing of the previous one is kept."""
    session.clear()
    session[_KEY] = credentials.open_session(user)
    session[_SEEN] = _stamp()


def end_session(session: SessionMixin, user: User | None) -> None:
    """Logout: this browser's session and the user's API tokens end on the server."""
    if user is not None:
        credentials.sign_out(user, session.get(_KEY), client_address())
    session.clear()


def user_from_session(session: SessionMixin) -> User | None:
    """The user of a live session (its last request moved to now), else None."""
    key = session.get(_KEY)
    if not isinstance(key, str):
        return None
    user = None if _idle_too_long(session) else credentials.user_for_session(key)
    if user is None:
        _expire(session)
        return None
    session[_SEEN] = _stamp()
    return user


def _stamp() -> int:
    return int(clock.real_now().timestamp())


def _idle_too_long(session: SessionMixin) -> bool:
    seen = session.get(_SEEN)
    return not isinstance(seen, int) or _stamp() - seen >= current_policy().session_idle.total_seconds()


def _expire(session: SessionMixin) -> None:
    """Forget the dead session; a page then sends the user to the login form with a word why."""
    session.clear()
    if not is_api_request():
        flash(EXPIRED, "warn")


LOADERS = Loaders(from_session=user_from_session, from_token=credentials.user_for_token)
