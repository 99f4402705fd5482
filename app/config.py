"""Configuration, read from the environment once into a frozen :class:`Settings`.

Everything has a default that runs the whole product on a laptop: an SQLite
database and a generated secret key, both kept in ``instance/``.  Every value
is checked here, at start-up, so that a wrong one stops the installer with a
message naming the variable, instead of failing the first request, sweep or
e-mail that needs it.

Services read the settings through :mod:`app.settings` (no Flask needed);
``app.config`` gets Flask's own keys, and the few the web layer, the core and
the commands read there, from :func:`flask_config`.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from app.calendar.workdays import OfficeHours
from app.clock import DEFAULT_TIMEZONE

T = TypeVar("T")


class ConfigError(ValueError):
    """A setting the product cannot run with; the message names the variable, for the installer."""


@dataclass(frozen=True)
class Settings:
    """Every setting of an instance, typed and checked (README, "Installing for real")."""

    secret_key: str
    database_url: str
    timezone: ZoneInfo
    #: OFFICE_HOURS and SAME_DAY_CUTOFF
    office_hours: OfficeHours
    public_base_url: str
    api_token_hours: int
    #: browser sessions and login throttling (app/auth/policy.py); lifetimes on the real clock
    session_idle_minutes: int
    session_max_hours: int
    login_account_limit: int
    login_address_limit: int
    clock_travel: bool
    smtp_host: str
    smtp_port: int
    mail_from: str
    scheduler_interval_seconds: int
    max_upload_bytes: int
    session_cookie_secure: bool
    session_cookie_samesite: str
    #: reverse proxies in front whose X-Forwarded-For/-Proto are believed (app/core/headers.py)
    trusted_proxies: int
    #: where the public endpoints' counts live, and their limits per client address (app/core/limits.py)
    ratelimit_storage_uri: str
    rate_limit_lookup: str
    rate_limit_submit: str
    #: where uploaded files live (app/core/storage.py): ``folder`` (STORAGE_PATH) or ``s3``
    storage_backend: str
    storage_path: Path
    s3_endpoint_url: str
    s3_bucket: str
    s3_region: str
    s3_access_key_id: str
    s3_secret_access_key: str
    #: one uploaded file, and all the files of one dossier (the request body limit is MAX_UPLOAD_BYTES)
    max_file_bytes: int
    max_dossier_bytes: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    #: the brand-name SMS gateway (app/notifications/channels.py): a URL template with
    #: {phone}, {message}, {brandname}, {user}, {password}; GET or POST (form fields from the query)
    sms_gateway_url: str
    sms_gateway_method: str
    sms_gateway_user: str
    sms_gateway_password: str
    sms_brandname: str
    #: the outbox dispatcher gives up after this many attempts (the message is then ``failed``)
    outbox_max_attempts: int
    #: the National Public Service Portal (app/notifications/sync.py): where dossiers' status changes
    #: are POSTed as JSON (unset: kept as ``held``), with HTTP Basic credentials or a bearer token
    national_portal_url: str
    national_portal_user: str
    national_portal_password: str
    national_portal_token: str
    national_portal_timeout_seconds: int
    #: the payment gateway (app/citizens/payments.py): where citizens are sent to pay, and the
    #: shared secret its redirects and callbacks are signed with (HMAC-SHA256)
    payment_gateway_url: str
    payment_gateway_secret: str
    payment_merchant_code: str
    #: a result ready this many days and not collected is listed and the citizen reminded
    uncollected_after_days: int
    #: who may read /metrics beside the loopback (app/core/metrics.py): ``Authorization: Bearer <token>``;
    #: empty: the loopback only
    metrics_token: str = ""
    #: ``text`` (people at a terminal) or ``json`` (JSON lines for a log collector; app/core/logs.py)
    log_format: str = "text"
    #: how long a dispatcher holds a claimed outbox message (app/notifications/dispatch.py): longer than
    #: one send, and as short as can be, since a dispatcher killed mid-send delays it by this much
    outbox_lease_seconds: int = 60


def load_settings(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read every setting once: the environment, with ``overrides`` (``create_app``'s, for tests) on top."""
    instance_path.mkdir(parents=True, exist_ok=True)
    source = _Source({**os.environ, **(overrides or {})})
    return _check_national_portal(_check_storage(Settings(
        secret_key=source.text("SECRET_KEY") or _instance_secret_key(instance_path),
        database_url=source.text("DATABASE_URL", f"sqlite:///{instance_path / 'motcua.db'}"),
        timezone=source.checked("TIMEZONE", DEFAULT_TIMEZONE, _zone),
        office_hours=_office_hours(source),
        public_base_url=source.checked("PUBLIC_BASE_URL", "http://localhost:5000", _web_address),
        api_token_hours=source.number("API_TOKEN_HOURS", 12, minimum=1),
        session_idle_minutes=source.number("SESSION_IDLE_MINUTES", 30, minimum=1),
        session_max_hours=source.number("SESSION_MAX_HOURS", 12, minimum=1),
        login_account_limit=source.number("LOGIN_ACCOUNT_LIMIT", 5, minimum=1),
        login_address_limit=source.number("LOGIN_ADDRESS_LIMIT", 30, minimum=1),
        clock_travel=source.flag("CLOCK_TRAVEL"),
        smtp_host=source.text("SMTP_HOST"),
        smtp_port=source.number("SMTP_PORT", 25, minimum=1, maximum=65535),
        mail_from=source.text("MAIL_FROM", "motcua@localhost"),
        scheduler_interval_seconds=source.number("SCHEDULER_INTERVAL_SECONDS", 60, minimum=1),
        # the whole request body: files of an online dossier included (MAX_DOSSIER_BYTES and a margin)
        max_upload_bytes=source.number("MAX_UPLOAD_BYTES", 32 * 1024 * 1024, minimum=1),
        # Secure: the browser sends the cookie over HTTPS only (set it when served over HTTPS).
        session_cookie_secure=source.flag("SESSION_COOKIE_SECURE"),
        session_cookie_samesite=source.checked("SESSION_COOKIE_SAMESITE", "Lax", _same_site),
        trusted_proxies=source.number("TRUSTED_PROXIES", 0),
        ratelimit_storage_uri=source.checked("RATELIMIT_STORAGE_URI", "memory://", _limit_storage),
        rate_limit_lookup=source.checked("RATE_LIMIT_LOOKUP", "20/minute", _rate_limit),
        rate_limit_submit=source.checked("RATE_LIMIT_SUBMIT", "10/hour", _rate_limit),
        storage_backend=source.checked("STORAGE_BACKEND", "folder", _storage_backend),
        storage_path=Path(source.text("STORAGE_PATH", str(instance_path / "files"))),
        s3_endpoint_url=source.text("S3_ENDPOINT_URL"),
        s3_bucket=source.text("S3_BUCKET"),
        s3_region=source.text("S3_REGION", "us-east-1"),
        s3_access_key_id=source.text("S3_ACCESS_KEY_ID"),
        s3_secret_access_key=source.text("S3_SECRET_ACCESS_KEY"),
        max_file_bytes=source.number("MAX_FILE_BYTES", 10 * 1024 * 1024, minimum=1024),
        max_dossier_bytes=source.number("MAX_DOSSIER_BYTES", 30 * 1024 * 1024, minimum=1024),
        smtp_user=source.text("SMTP_USER"),
        smtp_password=source.text("SMTP_PASSWORD"),
        smtp_starttls=source.flag("SMTP_STARTTLS"),
        sms_gateway_url=source.checked("SMS_GATEWAY_URL", "", _optional_web_address),
        sms_gateway_method=source.checked("SMS_GATEWAY_METHOD", "POST", _http_method),
        sms_gateway_user=source.text("SMS_GATEWAY_USER"),
        sms_gateway_password=source.text("SMS_GATEWAY_PASSWORD"),
        sms_brandname=source.text("SMS_BRANDNAME", "MOTCUA"),
        outbox_max_attempts=source.number("OUTBOX_MAX_ATTEMPTS", 8, minimum=1, maximum=100),
        national_portal_url=source.checked("NATIONAL_PORTAL_URL", "", _optional_web_address),
        national_portal_user=source.text("NATIONAL_PORTAL_USER"),
        national_portal_password=source.text("NATIONAL_PORTAL_PASSWORD"),
        national_portal_token=source.text("NATIONAL_PORTAL_TOKEN"),
        national_portal_timeout_seconds=source.number("NATIONAL_PORTAL_TIMEOUT_SECONDS", 15, minimum=1, maximum=50),
        payment_gateway_url=source.checked("PAYMENT_GATEWAY_URL", "", _optional_web_address),
        payment_gateway_secret=source.text("PAYMENT_GATEWAY_SECRET"),
        payment_merchant_code=source.text("PAYMENT_MERCHANT_CODE", "MOTCUA"),
        uncollected_after_days=source.number("UNCOLLECTED_AFTER_DAYS", 10, minimum=1, maximum=365),
        metrics_token=source.text("METRICS_TOKEN"),
        log_format=source.checked("LOG_FORMAT", "text", _log_format),
        outbox_lease_seconds=source.number("OUTBOX_LEASE_SECONDS", 60, minimum=1, maximum=3600),
    )))


def flask_config(settings: Settings) -> dict[str, Any]:
    """What ``app.config`` holds: Flask's and its extensions' keys, and those the web layer,
    the core (which may not import :mod:`app.settings`) and the commands read there."""
    return {
        "SECRET_KEY": settings.secret_key,
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": settings.session_cookie_secure,
        "SESSION_COOKIE_SAMESITE": settings.session_cookie_samesite,
        "TRUSTED_PROXIES": settings.trusted_proxies,
        "DATABASE_URL": settings.database_url,
        "CLOCK_TRAVEL": settings.clock_travel,
        "API_TOKEN_HOURS": settings.api_token_hours,
        "RATELIMIT_STORAGE_URI": settings.ratelimit_storage_uri,
        "RATE_LIMIT_LOOKUP": settings.rate_limit_lookup,
        "RATE_LIMIT_SUBMIT": settings.rate_limit_submit,
        "METRICS_TOKEN": settings.metrics_token,
        "LOG_FORMAT": settings.log_format,
    }


def load_config(instance_path: Path) -> dict[str, Any]:
    """The Flask configuration of the environment alone (no overrides)."""
    return flask_config(load_settings(instance_path))


class _Source:
    """The variables, read and checked one by one.  Overrides may already be typed
    (``{"SMTP_PORT": 2525, "CLOCK_TRAVEL": True}``); the environment gives text."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def text(self, name: str, default: str = "") -> str:
        """The value, or ``default`` when unset or empty."""
        return str(self.values.get(name) or default)

    def checked(self, name: str, default: str, parse: Callable[[str], T]) -> T:
        """``parse(value)``; its ValueError becomes a :class:`ConfigError` naming ``name``."""
        value = self.values.get(name) or default
        try:
            return parse(value)
        except ValueError as error:
            raise ConfigError(f"{name} không hợp lệ ({value!r}): {error}") from None

    def number(self, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        return self.checked(name, str(default), lambda value: _whole_number(value, minimum, maximum))

    def flag(self, name: str) -> bool:
        """``1`` on, ``0`` or unset off; anything else is a mistake worth stopping for."""
        return self.checked(name, "0", _flag)


def _whole_number(value: Any, minimum: int, maximum: int | None) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError("cần một số nguyên không âm / a whole number is needed")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" đến {maximum}" if maximum is not None else " trở lên"
        raise ValueError(f"cần từ {minimum}{upper} / out of range")
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value) not in ("0", "1"):
        raise ValueError("ghi 1 (bật) hoặc 0 (tắt) / use 1 or 0")
    return value == "1"


def _zone(value: Any) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"cần tên múi giờ IANA như {DEFAULT_TIMEZONE} / not an IANA time zone") from None


def _office_hours(source: _Source) -> OfficeHours:
    """OFFICE_HOURS checked alone first (with a cut-off any office allows), so that
    each mistake is reported under the variable that holds it."""
    periods = source.checked("OFFICE_HOURS", "07:30-11:30,13:00-17:00", _periods)
    return source.checked("SAME_DAY_CUTOFF", "15:00", lambda cutoff: OfficeHours.from_text(periods, cutoff))


def _periods(text: str) -> str:
    OfficeHours.from_text(text, "00:00")
    return text


def _web_address(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("cần địa chỉ đầy đủ như https://motcua.example.vn / an http(s) URL is needed")
    return value


def _optional_web_address(value: str) -> str:
    return _web_address(value) if value else ""


def _http_method(value: str) -> str:
    if value.upper() not in ("GET", "POST"):
        raise ValueError("ghi GET hoặc POST / use GET or POST")
    return value.upper()


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise ValueError("ghi text hoặc json / use text or json")
    return value


def _storage_backend(value: str) -> str:
    if value not in ("folder", "s3"):
        raise ValueError("ghi folder (thư mục trong instance/) hoặc s3 / use folder or s3")
    return value


def _check_national_portal(settings: Settings) -> Settings:
    """A user name without its password would be refused at every message: say so at start."""
    if settings.national_portal_user and not settings.national_portal_password:
        raise ConfigError("NATIONAL_PORTAL_PASSWORD chưa được đặt: NATIONAL_PORTAL_USER cần mật khẩu đi kèm.")
    return settings


def _check_storage(settings: Settings) -> Settings:
    """Files in S3 need a bucket: without one the first upload would fail, so the start does."""
    if settings.storage_backend == "s3" and not settings.s3_bucket:
        raise ConfigError("S3_BUCKET chưa được đặt: STORAGE_BACKEND=s3 cần tên bucket lưu tệp.")
    return settings


def _same_site(value: str) -> str:
    """Checked at start-up: a wrong value would fail every response."""
    if value.title() not in ("Lax", "Strict", "None"):
        raise ValueError("phải là Lax, Strict hoặc None")
    return value.title()


def _rate_limit(value: str) -> str:
    """Flask-Limiter's notation, e.g. ``20/minute`` or ``10 per hour;100 per day``."""
    parse_many(value)
    return value


def _limit_storage(value: str) -> str:
    """``memory://`` (one process) or a Redis URL (several workers share the counts)."""
    if urlsplit(value).scheme not in ("memory", "redis", "rediss", "redis+unix", "redis+sentinel"):
        raise ValueError("dùng memory:// hoặc redis://máy:cổng/số / use memory:// or redis://")
    return value


def _instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in ``instance/secret_key``, creating it once."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
