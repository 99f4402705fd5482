"""The Vietnamese words of every message that leaves the system: e-mail (text and HTML) and SMS.

Each message has two files under ``app/templates/notifications/mail/``: ``<name>.txt`` holds
the blocks ``subject``, ``text`` and ``sms`` (not escaped: plain text), ``<name>.html`` the
e-mail's HTML body (escaped, so an applicant's name with markup stays text).  Rendering uses
plain Jinja (no Flask) because the messages are written inside services, the scheduler and
the CLI, and ``StrictUndefined`` because a message missing a fact must fail in the tests, not
reach a citizen with a blank.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

import printing
from app import clock
from app.settings import get_settings

FOLDER = Path(__file__).resolve().parent.parent / "templates" / "notifications"
#: an SMS in UCS-2 (any diacritic) holds 70 characters alone, 67 a part when split; three parts at most
SMS_LIMIT = 3 * 67

_env = Environment(loader=FileSystemLoader(str(FOLDER)), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sms: str


def render(message: str, /, **context: Any) -> Rendered:
    """The message ``message`` (e.g. ``received``) with ``context`` filled in."""
    words = _env.get_template(f"mail/{message}.txt")
    blocks = {block: _block(words, block, context) for block in ("subject", "text", "sms")}
    html = _env.get_template(f"mail/{message}.html").render(context)
    return Rendered(" ".join(blocks["subject"].split()), blocks["text"], html, sms_text(blocks["sms"]))


def _block(template, block: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[block](template.new_context(context))).strip()


def sms_text(text: str) -> str:
    """One line, precomposed (NFC) so that each letter counts once, cut at a word to three parts."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if len(text) <= SMS_LIMIT:
        return text
    cut = text[:SMS_LIMIT - 1].rsplit(" ", 1)[0]
    return cut + "…"


def applicant_context(dossier) -> dict[str, Any]:
    """What every message to the applicant may say about their dossier."""
    settings = get_settings()
    return dict(code=dossier.code, name=dossier.applicant_name, procedure=dossier.procedure.name,
                unit=dossier.receiving_unit.name, appointment=day(dossier.due_at),
                link=printing.lookup_url(settings.public_base_url, dossier.code, dossier.lookup_secret))


def staff_link(dossier) -> str:
    """The dossier's page for staff (signed in), for messages to units."""
    return f"{get_settings().public_base_url.rstrip('/')}/ho-so/{dossier.code}" if dossier is not None else ""


def day(moment: datetime | str | None) -> str:
    """``dd/mm/yyyy`` in the instance's zone ("" when there is none): dates as citizens write them."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{clock.local(moment):%d/%m/%Y}" if moment is not None else ""


def moment_text(moment: datetime | None) -> str:
    return f"{clock.local(moment):%H:%M %d/%m/%Y}" if moment is not None else ""
