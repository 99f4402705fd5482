"""The suite's fixtures live in one plugin, ``tests/support/plugin.py``; folder
conftests keep only what their own tests use."""

pytest_plugins = ["tests.support.plugin", "tests.support.services"]
