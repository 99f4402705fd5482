"""The one request identity: who is calling, resolved once per request.

A browser carries a session cookie; another system (or a script) carries a
bearer token. Both lead to the same :class:`~app.auth.models.User`, found by
one ``before_request`` hook and read everywhere through :func:`current_user`.
How a cookie or a token becomes a user (lifetimes, revocation, the session
generation) is the auth module's business: it hands its two loaders to
:func:`init_app`, so this module knows nothing of the domain but the model.

:func:`require` guards a view: a page answers with the login form (or a 403
page), an API call with a 401 or 403 problem, chosen by the path.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask.sessions import SessionMixin
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app.auth.models import User
from app.core.errors import Forbidden, Unauthorized

API_PREFIX = "/api/"
#: endpoints that never need to know who is asking (files, the probes of app.core.health, and
#: app.core.metrics, which checks its own token)
_ANONYMOUS_ENDPOINTS = frozenset({"static", "vendor", "health.healthz", "health.readyz", "metrics.metrics"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRFToken"
NO_TOKEN = "Token không hợp lệ, đã bị thu hồi hoặc đã hết hạn: đăng nhập lại để lấy token mới."
SIGN_IN = "Cần đăng nhập: gửi header Authorization: Bearer <token>."


@dataclass(frozen=True)
class Loaders:
    """How the auth module turns a browser session or a bearer token into a user."""

    from_session: Callable[[SessionMixin], User | None]
    from_token: Callable[[str], User | None]


def init_app(app: Flask, loaders: Loaders) -> None:
    app.extensions["identity"] = loaders
    app.before_request(_resolve)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def current_user() -> User | None:
    """The user of this request, or None (anonymous)."""
    return g.get("user")


def authenticated_by() -> str | None:
    """"session", "token", or None: how the caller proved who they are."""
    return g.get("auth_via")


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if one was sent."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _resolve() -> None:
    g.user = g.auth_via = None
    if request.endpoint in _ANONYMOUS_ENDPOINTS:
        return
    loaders: Loaders = current_app.extensions["identity"]
    if is_api_request() and request.headers.get("Authorization"):
        _resolve_token(loaders)
    else:
        _resolve_session(loaders)


def _resolve_token(loaders: Loaders) -> None:
    """A header that is present but wrong is a 401, never an anonymous call."""
    token = bearer_token()
    user = loaders.from_token(token) if token else None
    if user is None:
        raise Unauthorized(NO_TOKEN)
    g.user, g.auth_via = user, "token"


def _resolve_session(loaders: Loaders) -> None:
    user = loaders.from_session(session)
    if user is None:
        return
    g.user, g.auth_via = user, "session"
    if is_api_request() and request.method not in _SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        _check_csrf_header()


def _check_csrf_header() -> None:
    """A cookie rides along on any cross-site request: the API takes a cookie's
    word for a change only with the page's CSRF token in a header."""
    try:
        validate_csrf(request.headers.get(CSRF_HEADER, ""))
    except ValidationError as error:
        raise CSRFError(str(error)) from None


def require(*roles: str) -> Callable:
    """Sign-in required; with ``roles``, one of them too.

    Pages answer a redirect to the login form (403 page for a wrong role); API
    calls a 401 or 403 problem. The roles stay on the view as ``required_roles``
    for the OpenAPI document and the authorization matrix.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            refusal = _refusal(roles)
            return refusal if refusal is not None else view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


def _refusal(roles: tuple[str, ...]):
    user = current_user()
    if user is None:
        if is_api_request():
            raise Unauthorized(SIGN_IN)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if roles and not user.has_role(*roles):
        raise Forbidden(f"Cần một trong các vai trò: {', '.join(roles)}.")
    return None
