"""What the administration pages' tests share: the admin signed in, and reading a page's messages."""
from __future__ import annotations

import html
import re

import pytest


@pytest.fixture
def admin(login):
    """The shared test client, signed in as the demo administrator (the greeting already seen)."""
    client = login("admin")
    client.get("/quan-tri")
    return client


def field_error(page, name: str) -> str | None:
    """The message shown beside field ``name`` of the page, or None."""
    found = re.search(rf'<p class="field-error" id="f-{re.escape(name)}-err">(.*?)</p>', page.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None


def flashed(page) -> list[str]:
    """The success and error messages flashed on the page."""
    return [html.unescape(text) for text in
            re.findall(r'<div class="alert alert-(?:success|error)" role="\w+">(.*?)</div>', page.get_data(as_text=True))]


def text(page) -> str:
    return html.unescape(page.get_data(as_text=True))
