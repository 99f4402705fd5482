"""Security headers on every response: pages, API answers, static files, error pages.

Why each one:

- ``Content-Security-Policy``: scripts and styles come only from our own files,
  so text a user typed can never run, even if a template forgot to escape it.
  No inline ``<script>`` or ``<style>`` and no ``style="…"`` attribute are left
  in the templates. What the vendored parts need is allowed and no more, per
  page where only one page needs it (the modeler). A response that already
  carries its own policy keeps it (the BPMN XML is served with
  ``default-src 'none'; sandbox``).
- ``X-Frame-Options`` and ``frame-ancestors``: no other site may frame a page
  and trick an officer into clicking (both, for older browsers).
- ``X-Content-Type-Options: nosniff``: an uploaded file is never guessed into
  a script or a page.
- ``Referrer-Policy: same-origin``: dossier codes in our URLs never leak to
  other sites.
- ``Strict-Transport-Security``: only on an answer to an HTTPS request, since
  a browser ignores it over plain HTTP and a wrong one would lock users out of
  an instance that has no certificate.

Behind a reverse proxy the request reaches us over HTTP; ``TRUSTED_PROXIES``
(the number of proxies in front) lets werkzeug's ProxyFix take the scheme and
the client's address from their ``X-Forwarded-Proto`` and ``X-Forwarded-For``.
Left at 0, those headers are ignored, since anyone could send them. The host is
never taken from ``X-Forwarded-Host``: the proxy passes ``Host`` on itself.
"""
from __future__ import annotations

from functools import lru_cache

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: the policy of every response; a page may add to it (:data:`PAGE_POLICIES`)
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # the empty favicon of base.html, Swagger UI's icons
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: The modeler bundle embeds the BPMN icon font as ``data:``, and the properties
#: panel (@bpmn-io/properties-panel) writes two fixed ``style="…"`` attributes
#: into its markup; allowed by their hashes, no other inline style is. After an
#: npm update the browser test names any new hash in its failure.
MODELER = {
    "font-src": "'self' data:",
    "style-src-attr": "'unsafe-hashes' 'sha256-nR5hyLltSjfvi2rqC26RbcredWrJvTaPA1yqPX96jpY=' "  # height: 100%
                      "'sha256-LIWyuNLBDBQuKJLr4mOx2cFEzHX9lM0BrbfcAAzCvSU='",  # flex: none; height: auto
}
#: endpoint → what its page needs beyond :data:`POLICY`
PAGE_POLICIES = {"procedures.modeler_new": MODELER, "procedures.modeler_edit": MODELER}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
#: one year; not ``includeSubDomains``: other services of the same domain may not have HTTPS yet
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Trust the configured proxies' headers, and add the headers to every response."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Set each header the response does not set for itself (a stricter policy wins)."""
    response.headers.setdefault("Content-Security-Policy", policy_for(request.endpoint))
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


@lru_cache(maxsize=None)
def policy_for(endpoint: str | None) -> str:
    """The Content-Security-Policy of a response of ``endpoint``, as header text
    (built once per endpoint: every response, the hot path's too, asks for it)."""
    directives = POLICY | PAGE_POLICIES.get(endpoint or "", {})
    return "; ".join(f"{name} {value}" for name, value in directives.items())
