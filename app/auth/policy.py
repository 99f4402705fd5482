"""How long sessions and tokens live and how many wrong passwords are forgiven.

Built from the instance's settings (:mod:`app.settings`). Every duration here
is measured on the real clock (:func:`app.clock.real_now`): moving the
application clock on a demo instance must neither expire a session nor bring
an ended one back.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from app.config import Settings
from app.settings import get_settings

#: the first lock; each further failure doubles it, up to the rule's ``longest``
FIRST_LOCK = timedelta(minutes=1)


@dataclass(frozen=True)
class ThrottleRule:
    """``limit`` failures lock the subject; a lock grows 1, 2, 4… minutes up to
    ``longest``. One failure is forgotten every ``forget_every`` (a leaky bucket):
    people's occasional typos drain away, a guesser's steady stream does not."""

    limit: int
    longest: timedelta
    forget_every: timedelta

    def remembered(self, failures: int, quiet: timedelta) -> int:
        """What is left of ``failures`` after ``quiet`` without a new one."""
        return max(0, failures - int(quiet / self.forget_every))

    def lock_for(self, failures: int) -> timedelta | None:
        """How long ``failures`` in a row lock the subject (None: not yet)."""
        if failures < self.limit:
            return None
        return min(self.longest, FIRST_LOCK * 2 ** min(failures - self.limit, 16))


@dataclass(frozen=True)
class AuthPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)
    token_lifetime: timedelta = timedelta(hours=12)
    #: per account tried (known or not): a success starts it again; a guesser
    #: who waits out the locks gets one try an hour
    account: ThrottleRule = ThrottleRule(5, timedelta(hours=1), timedelta(hours=1))
    #: per client address: higher, and draining faster, since a whole centre may
    #: share one address behind NAT; a success does not reset it (else one valid
    #: account would let an address spray guesses at all the others)
    address: ThrottleRule = ThrottleRule(30, timedelta(minutes=15), timedelta(minutes=2))

    @classmethod
    def from_settings(cls, settings: Settings) -> "AuthPolicy":
        defaults = cls()
        return cls(
            session_idle=timedelta(minutes=settings.session_idle_minutes),
            session_max=timedelta(hours=settings.session_max_hours),
            token_lifetime=timedelta(hours=settings.api_token_hours),
            account=replace(defaults.account, limit=settings.login_account_limit),
            address=replace(defaults.address, limit=settings.login_address_limit),
        )


def current_policy() -> AuthPolicy:
    """The running instance's policy (from its settings: SESSION_IDLE_MINUTES, …)."""
    return AuthPolicy.from_settings(get_settings())
