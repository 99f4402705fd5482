"""Files over HTTP, for the API and the pages alike: the uploads of a multipart
request, and a stored file as a download.

A download is always an attachment with ``nosniff``, never shown inline: even a
file that passed every check is the citizen's content, and the browser must
not be invited to interpret it on the product's own origin.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, request

from app.core.errors import Invalid
from app.dossiers import files
from app.dossiers.models import DossierFile
from app.dossiers.uploads import Upload


def request_uploads(field: str = "files") -> list[Upload]:
    """The files posted under ``field`` (a part without a file name or bytes counts, as an empty file)."""
    return [Upload(part.filename or "", part.read()) for part in request.files.getlist(field)]


def document_choice(field: str = "document") -> int | None:
    """The optional component a scan is a copy of, posted as its id."""
    value = (request.form.get(field) or "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise Invalid("Giấy tờ được chọn không hợp lệ.",
                      [{"field": field, "message": "Chọn một giấy tờ trong thành phần hồ sơ."}])
    return int(value)


def file_response(row: DossierFile) -> Response:
    """The file as a download under its clean name; never cached (it holds personal data)."""
    response = Response(files.read(row), mimetype=row.content_type)
    response.headers["Content-Disposition"] = disposition(row.name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def disposition(name: str) -> str:
    """``attachment`` with an ASCII name for old clients and the exact name (RFC 6266 / 5987)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isalnum() or c in "._- " else "_" for c in ascii_name).strip() or "tep"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
