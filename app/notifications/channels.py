"""The ways out: e-mail through SMTP, SMS through an HTTP gateway, status messages to the national portal.

Each channel says whether it is configured (else the dispatcher holds its messages instead
of failing them) and sends one message, raising :class:`SendError` with a Vietnamese
reason for the dossier page (the technical detail goes to the log only).  A permanent
error (the server refuses the recipient for good) is not retried.
"""
from __future__ import annotations

import functools
import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

import requests

from app.config import Settings
from app.notifications.models import OutboxMessage

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15
SENDER_NAME = "Một cửa điện tử"


class SendError(Exception):
    """A message did not go; ``reason`` is Vietnamese and shown to staff."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


# --------------------------------------------------------------------------- e-mail


class EmailChannel:
    """One SMTP connection for a batch of messages, opened at the first and reopened after an error."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, message: OutboxMessage, attachments: list[Attachment]) -> None:
        mail = build_email(message, attachments, self.settings.mail_from)
        try:
            self._connection().send_message(mail)
        except smtplib.SMTPRecipientsRefused as refused:
            self.close()
            raise _refused(refused) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            log.warning("SMTP, thư %s: %r", message.key, error)
            raise SendError(_smtp_reason(error)) from None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = _open_smtp(self.settings)
        return self._smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _open_smtp(settings: Settings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, local_hostname=helo_name(), timeout=TIMEOUT_SECONDS)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except (OSError, smtplib.SMTPException):
        smtp.close()
        raise
    return smtp


@functools.cache
def helo_name() -> str:
    """The name this host gives in EHLO, looked up once per process: smtplib asks the resolver at
    every connection, and a slow resolver then delays every dispatcher pass by seconds."""
    return socket.getfqdn()


def build_email(message: OutboxMessage, attachments: list[Attachment], sender: str) -> EmailMessage:
    """Text and HTML (multipart/alternative), then the attachments; the Message-ID is made of the
    message's key, so a message sent again after a crash is recognisably the same one."""
    mail = EmailMessage()
    mail["From"] = formataddr((SENDER_NAME, sender))
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{message.key}@{_domain(sender)}>"
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    for item in attachments:
        maintype, subtype = item.content_type.split("/", 1)
        mail.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.filename)
    return mail


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[1] if "@" in address else "localhost"


def _refused(refused: smtplib.SMTPRecipientsRefused) -> SendError:
    codes = [code for code, _text in refused.recipients.values()]
    log.warning("SMTP từ chối người nhận: %r", refused.recipients)
    permanent = bool(codes) and all(code >= 500 for code in codes)
    return SendError(f"Máy chủ thư từ chối địa chỉ người nhận (mã {', '.join(map(str, codes))}).", permanent)


def _smtp_reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "Máy chủ thư không chấp nhận tên đăng nhập hoặc mật khẩu (SMTP_USER, SMTP_PASSWORD)."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"Máy chủ thư trả lời lỗi (mã {error.smtp_code})."
    if isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)):
        return "Mất kết nối hoặc không kết nối được máy chủ thư."
    return "Không gửi được thư qua máy chủ thư."


# --------------------------------------------------------------------------- SMS


class SmsChannel:
    """An HTTP gateway named by a URL template: ``{phone} {message} {brandname} {user} {password}``
    are filled in (URL-encoded); GET sends the URL as is, POST its query as form fields."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._http = requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.settings.sms_gateway_url)

    def send(self, message: OutboxMessage, attachments: list[Attachment]) -> None:
        url = gateway_url(self.settings, message.recipient, message.body_text)
        try:
            response = self._request(url)
        except requests.RequestException as error:
            log.warning("Cổng SMS, tin %s: %r", message.key, error)
            raise SendError("Không kết nối được cổng SMS.") from None
        if not 200 <= response.status_code < 300:
            log.warning("Cổng SMS, tin %s: HTTP %s %s", message.key, response.status_code, response.text[:200])
            raise SendError(f"Cổng SMS trả lời lỗi (mã HTTP {response.status_code}).")

    def _request(self, url: str) -> requests.Response:
        if self.settings.sms_gateway_method.upper() == "GET":
            return self._http.get(url, timeout=TIMEOUT_SECONDS)
        parts = urlsplit(url)
        return self._http.post(urlunsplit(parts._replace(query="")), data=parse_qsl(parts.query, keep_blank_values=True),
                               timeout=TIMEOUT_SECONDS)

    def close(self) -> None:
        self._http.close()


def gateway_url(settings: Settings, phone: str, text: str) -> str:
    values = {"phone": phone, "message": text, "brandname": settings.sms_brandname,
              "user": settings.sms_gateway_user, "password": settings.sms_gateway_password}
    url = settings.sms_gateway_url
    for name, value in values.items():
        url = url.replace("{" + name + "}", quote_plus(value))
    return url


# --------------------------------------------------------------------------- the national portal


class NationalChannel:
    """The National Public Service Portal: the message's JSON POSTed to NATIONAL_PORTAL_URL with its
    key as ``Idempotency-Key`` (a message sent again after a crash is recognisably the same).
    2xx is sent; 408, 429, 5xx, a timeout or no connection are tried again; another 4xx is the
    portal refusing this message for good, which no retry mends (the dead letter)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._http = requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.settings.national_portal_url)

    def send(self, message: OutboxMessage, attachments: list[Attachment]) -> None:
        try:
            response = self._http.post(self.settings.national_portal_url, data=message.body_text.encode(),
                                       headers=portal_headers(self.settings, message.key), auth=self._auth(),
                                       timeout=self.settings.national_portal_timeout_seconds, allow_redirects=False)
        except requests.Timeout:
            raise SendError("Cổng Dịch vụ công quốc gia không trả lời kịp (quá thời gian chờ).") from None
        except requests.RequestException as error:
            log.warning("Cổng DVC quốc gia, tin %s: %r", message.key, error)
            raise SendError("Không kết nối được Cổng Dịch vụ công quốc gia.") from None
        _check_portal_answer(message, response)

    def _auth(self) -> tuple[bytes, bytes] | None:
        """HTTP Basic, the name and password in UTF-8 (a Vietnamese password is not Latin-1); none with a token."""
        user = self.settings.national_portal_user
        if not user or self.settings.national_portal_token:
            return None
        return user.encode(), self.settings.national_portal_password.encode()

    def close(self) -> None:
        self._http.close()


def portal_headers(settings: Settings, key: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json", "Idempotency-Key": key}
    if settings.national_portal_token:
        headers["Authorization"] = f"Bearer {settings.national_portal_token}"
    return headers


def _check_portal_answer(message: OutboxMessage, response: requests.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    log.warning("Cổng DVC quốc gia, tin %s: HTTP %s %s", message.key, status, response.text[:300])
    permanent = 400 <= status < 500 and status not in (408, 429)
    if status in (401, 403):
        raise SendError(f"Cổng Dịch vụ công quốc gia từ chối thông tin đăng nhập (mã HTTP {status}); kiểm tra "
                        "NATIONAL_PORTAL_USER, NATIONAL_PORTAL_PASSWORD hoặc NATIONAL_PORTAL_TOKEN.", permanent)
    what = "không nhận nội dung tin" if permanent else "đang lỗi, sẽ gửi lại"
    raise SendError(f"Cổng Dịch vụ công quốc gia {what} (mã HTTP {status}).", permanent)


Channel = EmailChannel | SmsChannel | NationalChannel


def channels_for(settings: Settings) -> dict[str, Channel]:
    """The channels the dispatcher can use, by the outbox's channel names."""
    return {"email": EmailChannel(settings), "sms": SmsChannel(settings), "national": NationalChannel(settings)}
