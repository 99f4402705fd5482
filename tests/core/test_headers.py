"""Security headers on every kind of response, HSTS only over HTTPS, the proxy's
word taken only when configured, the session cookie's settings, and templates
without inline script or style (what the Content-Security-Policy forbids)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import load_config

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
BIRTH_DIAGRAM = "/thu-tuc/dang-ky-khai-sinh/so-do.bpmn"
#: one of each kind: page, API answer, API problem, static file, npm asset, web error page
RESPONSES = {
    "/dang-nhap": 200,
    "/thu-tuc/dang-ky-khai-sinh": 200,
    "/api/v1/openapi.json": 200,
    "/api/v1/dossiers": 401,
    "/api/v1/khong-co": 404,
    "/api/docs": 200,
    "/static/css/app.css": 200,
    "/static/js/api-docs.js": 200,
    "/static/vendor/bpmn-js/dist/assets/bpmn-js.css": 200,
    "/trang-khong-co": 404,
}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    parts = (part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def assert_protected(response) -> None:
    directives = policy(response)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", RESPONSES)
def test_every_kind_of_response_carries_the_headers(client, demo, path):
    response = client.get(path)
    assert response.status_code == RESPONSES[path]
    assert_protected(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_a_post_refused_by_the_api_carries_them_too(client):
    response = client.post("/api/v1/auth/token", json={})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert_protected(response)


def test_the_bpmn_xml_keeps_its_stricter_policy(client, demo):
    response = client.get(BIRTH_DIAGRAM)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/dang-nhap").headers
    secure = client.get("/dang-nhap", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_forwarded_scheme_is_ignored_by_default(client):
    response = client.get("/dang-nhap", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_a_forwarded_scheme_counts_behind_a_trusted_proxy(app_factory):
    behind_proxy = app_factory(TRUSTED_PROXIES=1).test_client()
    response = behind_proxy.get("/dang-nhap", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in behind_proxy.get("/dang-nhap").headers


def test_only_the_modeler_allows_its_fonts_and_the_panel_s_two_styles(client, login):
    login("phantich")
    modeler = policy(client.get("/thu-tuc/soan"))
    assert modeler["font-src"] == "'self' data:"
    assert modeler["style-src-attr"].startswith("'unsafe-hashes' 'sha256-")
    assert modeler["style-src-attr"].count("sha256-") == 2
    catalogue = policy(client.get("/thu-tuc"))
    assert "font-src" not in catalogue and "style-src-attr" not in catalogue


def test_cookie_settings_come_from_the_environment(tmp_path, monkeypatch):
    defaults = load_config(tmp_path)
    assert defaults["SESSION_COOKIE_SECURE"] is False and defaults["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert defaults["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("SESSION_COOKIE_SAMESITE", "strict")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    configured = load_config(tmp_path)
    assert configured["SESSION_COOKIE_SECURE"] is True and configured["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert configured["TRUSTED_PROXIES"] == 1


def test_a_wrong_same_site_value_stops_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SAMESITE", "sometimes")
    with pytest.raises(ValueError, match="SESSION_COOKIE_SAMESITE"):
        load_config(tmp_path)


def test_a_secure_session_cookie_is_marked_so(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    cookie = client.get("/dang-nhap", base_url="https://localhost").headers["Set-Cookie"]
    assert "session=" in cookie and "; Secure" in cookie and "SameSite=Lax" in cookie


#: what a Content-Security-Policy without 'unsafe-inline' would block in a template
INLINE = {
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
}


def inline_parts(text: str) -> list[str]:
    return [name for name, pattern in INLINE.items() if pattern.search(text)]


def test_the_scan_finds_what_it_looks_for():
    assert inline_parts('<form style="display:inline"><script>go()</script><a onclick="x()">') == [
        "style attribute", "event handler attribute", "inline <script>"]
    assert inline_parts('<script src="/a.js"></script><script type="application/json" id="d">{}</script>') == []


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_no_template_has_inline_script_or_style(template):
    assert inline_parts((TEMPLATES / template).read_text(encoding="utf-8")) == []
