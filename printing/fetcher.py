"""The only way WeasyPrint may load anything while printing a form.

Forms carry citizens' text; even though every field is escaped, the fetcher
is the second wall: it serves files inside ``printing/static`` and ``data:``
URIs, and refuses everything else (other files, http(s), ftp, paths that
climb out of the folder through ``..`` or symlinks) by raising
:class:`FetchRefused`.  WeasyPrint turns that into a logged warning and
leaves the resource out, so a refused URL never breaks a render.

Fonts are not affected: they come from fontconfig, not from URLs.
"""
from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

STATIC_DIR = (Path(__file__).parent / "static").resolve()


class FetchRefused(ValueError):
    """A URL the printing package does not load."""


def url_fetcher(url: str, timeout: float = 10, ssl_context=None, **_ignored) -> dict:
    """WeasyPrint URL fetcher: ``data:`` URIs and files under ``static/`` only."""
    if url.startswith("data:"):
        return _data_uri(url)
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"printing does not fetch {url!r}")
    path = Path(url2pathname(parts.path)).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise FetchRefused(f"printing does not fetch {url!r}: outside printing/static")
    mime_type, _ = mimetypes.guess_type(path.name)
    return {"string": path.read_bytes(), "mime_type": mime_type, "redirected_url": path.as_uri()}


def _data_uri(url: str) -> dict:
    """Decode ``data:[<type>][;base64],<data>`` (RFC 2397)."""
    header, comma, payload = url[5:].partition(",")
    if not comma:
        raise FetchRefused("malformed data: URI")
    params = header.split(";")
    mime_type = params[0] or "text/plain"
    if "base64" in params[1:]:
        try:
            data = base64.b64decode(payload, validate=False)
        except ValueError as error:
            raise FetchRefused(f"malformed data: URI: {error}") from None
    else:
        data = unquote_to_bytes(payload)
    return {"string": data, "mime_type": mime_type}
