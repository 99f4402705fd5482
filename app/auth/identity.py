"""How a browser session or a bearer token becomes a user.

:data:`LOADERS` is handed to :mod:`app.core.identity` by ``create_app``;
:func:`start_session` and :func:`end_session` are what the login and logout
pages call.
"""
from __future__ import annotations

from flask.sessions import SessionMixin

from app.auth.models import User
from app.auth.services import user_for_token
from app.core.identity import Loaders
from app.db import session as db_session

_USER_ID = "user_id"


def start_session(session: SessionMixin, user: User) -> None:
    """A fresh session for ``user``: nothing of the previous one is kept."""
    session.clear()
    session[_USER_ID] = user.id


def end_session(session: SessionMixin) -> None:
    session.clear()


def user_from_session(session: SessionMixin) -> User | None:
    user_id = session.get(_USER_ID)
    user = db_session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.active else None


LOADERS = Loaders(from_session=user_from_session, from_token=user_for_token)
