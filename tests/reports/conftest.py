"""The week of known outcomes (tests/reports/scenario.py), built once per test that asks for it."""
import pytest

from tests.reports.scenario import Week


@pytest.fixture
def week(api, demo, signing_demo, stopped_clock, tmp_path, override_settings) -> Week:
    override_settings(storage_backend="folder", storage_path=tmp_path / "files")
    return Week(api, stopped_clock).build()
