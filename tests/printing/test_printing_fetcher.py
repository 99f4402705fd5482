"""The URL fetcher serves printing/static and data: URIs only, and WeasyPrint really uses it."""
import base64

import pytest

from printing import render
from printing.fetcher import STATIC_DIR, FetchRefused, url_fetcher

pytestmark = pytest.mark.unit


def test_serves_the_stylesheet_inside_static():
    result = url_fetcher((STATIC_DIR / "forms.css").as_uri())
    assert b"@page" in result["string"]
    assert result["mime_type"] == "text/css"


def test_serves_data_uris():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    result = url_fetcher("data:image/svg+xml;base64," + base64.b64encode(svg).decode())
    assert result == {"string": svg, "mime_type": "image/svg+xml"}
    assert url_fetcher("data:,a%20b")["string"] == b"a b"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://evil.example/share/x.css",
    (STATIC_DIR / ".." / "render.py").as_uri(),
    (STATIC_DIR / "forms.css").as_uri().replace("/static/forms.css", "/static/../static/../render.py"),
    (STATIC_DIR / "missing.css").as_uri(),
    STATIC_DIR.as_uri(),
    "http://example.com/x.css",
    "https://example.com/x.png",
    "ftp://example.com/x",
    "/etc/passwd",
    "../render.py",
    "data:no-comma",
])
def test_refuses_everything_else(url):
    with pytest.raises(FetchRefused):
        url_fetcher(url)


def test_refuses_a_symlink_leading_out_of_the_folder(tmp_path, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    (static / "passwd.css").symlink_to("/etc/passwd")
    monkeypatch.setattr("printing.fetcher.STATIC_DIR", static.resolve())
    with pytest.raises(FetchRefused):
        url_fetcher((static / "passwd.css").as_uri())


def test_weasyprint_asks_the_fetcher_and_gets_refused(monkeypatch):
    """Raw HTML trying every way out still prints, and nothing is fetched."""
    asked, refused = [], []

    def spy(url, *args, **kwargs):
        asked.append(url)
        try:
            return url_fetcher(url, *args, **kwargs)
        except FetchRefused:
            refused.append(url)
            raise

    monkeypatch.setattr(render, "url_fetcher", spy)
    pdf = render.html_to_pdf(
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<style>@import url("file:///etc/passwd"); p { background: url(../render.py) }</style>'
        '<p>x</p><img src="file:///etc/passwd"><img src="https://example.com/a.png">')
    assert pdf.startswith(b"%PDF")
    assert refused and refused == asked
    assert {"file:///etc/passwd", "https://example.com/a.png"} <= set(refused)
