"""Rate limits for the public endpoints: anyone may call them, so each client
address gets a budget per endpoint, and a guesser or a flood runs out of it.

Why it is built this way:

- Flask-Limiter counts, in the storage named by ``RATELIMIT_STORAGE_URI``:
  ``memory://`` for one process (the demo), ``redis://host:port/db`` when
  several gunicorn workers (or machines) must share one count per address.
- Each application gets its own limiter (in ``app.extensions``), so two
  applications in one process (the tests) never share counts by accident,
  while two applications on one Redis (the workers) always do.
- A view opts in with :func:`public`, naming the setting that holds its limit
  (``RATE_LIMIT_LOOKUP``), so that an operator tunes limits without code
  (:mod:`app.config` checks them at start-up).
- Signed-in callers are not counted: staff at the counter are identified and
  accountable, and their work must not stop because the public is busy.
- A breach is answered by the app's own handlers (:class:`TooManyAttempts`:
  problem+json under ``/api/``, the Vietnamese error page elsewhere) with
  ``Retry-After``, the seconds left in the window.
- Redis down: the product keeps serving. Each worker counts in its own memory
  meanwhile (the limits still hold, per worker) and tries Redis again after
  1, 2, 4… seconds; anything else the limiter fails at is logged, never a 500.
- The client address is ``request.remote_addr``; behind a reverse proxy,
  ``TRUSTED_PROXIES`` (:mod:`app.core.headers`) makes it the real client's.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from functools import wraps
from typing import Callable

from flask import Flask, current_app
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.errors import StorageError

from app.core.errors import TooManyAttempts
from app.core.identity import current_user

WAIT = "Có quá nhiều yêu cầu gửi từ địa chỉ của bạn. Vui lòng thử lại sau {wait}."
#: Flask-Limiter's switches that keep the product serving while its storage is down
RESILIENT = {"RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True, "RATELIMIT_SWALLOW_ERRORS": True}
#: an unreachable Redis must not hold a request for long; its errors come as StorageError
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1, "wrap_exceptions": True}
_EXTENSION = "public_limits"


@dataclass
class _Limits:
    """One application's limiter and its views wrapped by it (built at their first call)."""

    limiter: Limiter
    views: dict[Callable, Callable] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    """This application's own limiter, on the storage of ``RATELIMIT_STORAGE_URI``."""
    for name, value in RESILIENT.items():
        app.config.setdefault(name, value)
    if app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_OPTIONS)
    limiter = Limiter(key_func=get_remote_address)
    limiter.logger = app.logger.getChild("limits")  # its warnings (Redis lost) reach the app's log
    limiter.init_app(app)
    _check_only_in_limited_views(app, limiter)
    app.extensions[_EXTENSION] = _Limits(limiter)


def _check_only_in_limited_views(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter also checks every request in a ``before_request`` hook, for
    default and blueprint limits we do not use; the limited views check
    themselves (:func:`public`). Dropping the hook saves a tenth of a
    millisecond on every request, the hot path's included."""
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def public(setting: str) -> Callable:
    """Limit a view's anonymous calls per client address by ``setting`` (e.g. ``"RATE_LIMIT_LOOKUP"``).

    The setting's name stays on the view as ``rate_limit``.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def limited(*args, **kwargs):
            try:
                return _guarded(view, setting)(*args, **kwargs)
            except RateLimitExceeded:
                seconds = _seconds_left()
                raise TooManyAttempts(WAIT.format(wait=wait_text(seconds)), retry_after=seconds) from None

        limited.rate_limit = setting
        return limited

    return decorator


def _guarded(view: Callable, setting: str) -> Callable:
    """``view`` behind this application's limiter; Flask-Limiter counts per wrapped view."""
    limits: _Limits = current_app.extensions[_EXTENSION]
    guarded = limits.views.get(view)
    if guarded is None:
        with limits.lock:  # wrapping twice would register the limit twice, and count twice
            guarded = limits.views.get(view) or _wrap(limits.limiter, view, setting)
            limits.views[view] = guarded
    return guarded


def _wrap(limiter: Limiter, view: Callable, setting: str) -> Callable:
    return limiter.limit(lambda: current_app.config[setting], exempt_when=_signed_in)(view)


def _signed_in() -> bool:
    return current_user() is not None


def _seconds_left() -> int:
    """Until the breached window ends; the whole window if the storage cannot say."""
    breached = current_app.extensions[_EXTENSION].limiter.current_limit
    try:
        return max(math.ceil(breached.window.reset_time - time.time()), 1)
    except StorageError:
        return breached.limit.get_expiry()


def wait_text(seconds: int) -> str:
    """"45 giây", "3 phút", "2 giờ": the wait, rounded up, in the unit a person reads."""
    for unit, name in ((3600, "giờ"), (60, "phút")):
        if seconds >= unit:
            return f"{math.ceil(seconds / unit)} {name}"
    return f"{seconds} giây"


def reset(app: Flask) -> None:
    """Forget every count of ``app`` (each test starts from zero; an operator may lift a block)."""
    app.extensions[_EXTENSION].limiter.reset()
