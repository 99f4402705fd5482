"""Registration of the server-rendered web UI."""
from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register the web blueprints of every domain."""
