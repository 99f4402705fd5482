"""The apology gate's fixtures (a late dossier, the demo with signing keys) and the web login helper."""
import pytest

from app.core import timetravel
from tests.escalation.conftest import *  # noqa: F401,F403
from tests.web.conftest import login  # noqa: F401


@pytest.fixture(autouse=True)
def _clock_travels(app):
    """Creating another app (as tests/web's CSRF test does) resets the process-wide clock:
    these tests move it, so make it read this app's stored offset again."""
    timetravel.enable(app)
