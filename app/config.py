"""Configuration read from the environment.

Everything has a default that runs the whole product on a laptop: an SQLite
database and a generated secret key, both kept in ``instance/``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in ``instance/secret_key``, creating it once."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(instance_path: Path) -> dict:
    """Build the Flask configuration from environment variables."""
    instance_path.mkdir(parents=True, exist_ok=True)
    default_db = f"sqlite:///{instance_path / 'motcua.db'}"
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret_key(instance_path),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "OFFICE_HOURS": os.environ.get("OFFICE_HOURS", "07:30-11:30,13:00-17:00"),
        "SAME_DAY_CUTOFF": os.environ.get("SAME_DAY_CUTOFF", "15:00"),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000"),
        "CLOCK_TRAVEL": os.environ.get("CLOCK_TRAVEL") == "1",
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "motcua@localhost"),
        "SCHEDULER_INTERVAL_SECONDS": int(os.environ.get("SCHEDULER_INTERVAL_SECONDS", "60")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }
