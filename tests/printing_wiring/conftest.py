"""The stopped clock of the API tests (Friday 3 October 2025, 10:00 in Hà Nội), and
signing in and receiving at the counter on the web, shared with this folder."""
from tests.api.conftest import move_clock  # noqa: F401  (autouse)
from tests.web.conftest import login, receive  # noqa: F401
