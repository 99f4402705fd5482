"""The settings of the running instance, where services reach them without Flask.

``create_app`` reads the configuration once (:func:`app.config.load_settings`)
and hands it to :func:`configure`; services, the print models and the
scheduler call :func:`get_settings`, so they run the same in a request, a
command, the scheduler or a plain test.  A process serves one instance, so the
settings are process-wide, like the database binding.  Configuring also sets
the clock's zone: ``TIMEZONE`` is the one source of the time zone.
"""
from __future__ import annotations

from app import clock
from app.config import Settings

_current: Settings | None = None


def configure(settings: Settings) -> Settings:
    """Make ``settings`` the instance's (``create_app``; tests that change a setting)."""
    global _current
    _current = settings
    clock.use_zone(settings.timezone)
    return settings


def get_settings() -> Settings:
    if _current is None:
        raise RuntimeError("settings not configured: create_app() or app.settings.configure() sets them")
    return _current
