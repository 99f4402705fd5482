"""A payment gateway for the tests, on loopback: what the national payment platform does, in small.

Written from the shape app/citizens/payments.py documents, not from its code: the signature
is computed here again (HMAC-SHA256 over the sorted ``name=value`` fields joined by ``&``).

* ``GET /pay?…`` (where the application redirects the citizen): checks the application's
  signature (400 if wrong) and shows a page with two buttons, "Thanh toán" and "Hủy".
* ``POST /pay/confirm`` (those buttons): calls the application's callback, signed, with a new
  transaction id and ``result_code`` 00 (paid) or 24 (cancelled), then sends the browser back
  to the order's ``return_url``.

Tests also drive it directly: :meth:`Gateway.callback_for` makes the signed callback of an
order (which a test may forge or replay), :meth:`Gateway.deliver` posts fields to the callback.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import Request as UrlRequest, urlopen
from urllib.error import HTTPError

from werkzeug.wrappers import Request, Response

SECRET = "khoa-bi-mat-cua-cong-thanh-toan-thu"
MERCHANT = "MOTCUA-TANHOA"


def signature(fields: dict[str, str], secret: str = SECRET) -> str:
    text = "&".join(f"{name}={fields[name]}" for name in sorted(fields) if name != "signature")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


class Gateway:
    """The gateway's state: orders seen, callbacks sent, where to call back."""

    def __init__(self, callback_url: str = "", secret: str = SECRET):
        self.callback_url, self.secret = callback_url, secret
        self.orders: dict[str, dict[str, str]] = {}
        self.sent: list[dict[str, str]] = []

    # --- what tests call -------------------------------------------------------------------------

    def order_of(self, redirect_url: str) -> dict[str, str]:
        """The order in the application's redirect, once its signature is checked (AssertionError if wrong)."""
        fields = dict(parse_qsl(urlsplit(redirect_url).query))
        assert hmac.compare_digest(fields.get("signature", ""), signature(fields, self.secret)), fields
        self.orders[fields["order_id"]] = fields
        return fields

    def callback_for(self, redirect_url: str, result_code: str = "00", **changes: str) -> dict[str, str]:
        """The signed callback of the order in ``redirect_url``; ``changes`` are made before signing."""
        order = self.order_of(redirect_url)
        fields = {"merchant_code": order["merchant_code"], "order_id": order["order_id"], "amount": order["amount"],
                  "transaction_id": f"GD{uuid.uuid4().hex[:16].upper()}", "result_code": result_code,
                  "pay_date": "20251003101500", **changes}
        return {**fields, "signature": signature(fields, self.secret)}

    def deliver(self, fields: dict[str, str]) -> tuple[int, dict]:
        """POST ``fields`` as JSON to the application's callback; its status and JSON body."""
        self.sent.append(fields)
        request = UrlRequest(self.callback_url, data=json.dumps(fields).encode(), method="POST",
                             headers={"Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except HTTPError as refused:
            return refused.code, json.load(refused)

    # --- the gateway's own pages -----------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/pay" and request.method == "GET":
            response = self._pay_page(request)
        elif request.path == "/pay/confirm" and request.method == "POST":
            response = self._confirm(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _pay_page(self, request: Request) -> Response:
        try:
            order = self.order_of(request.url)
        except AssertionError:
            return Response("Sai chữ ký", status=400)
        hidden = f'<input type="hidden" name="order_id" value="{escape(order["order_id"])}">'
        buttons = "".join(f'<form method="post" action="/pay/confirm">{hidden}<input type="hidden" name="result" '
                          f'value="{code}"><button>{label}</button></form>'
                          for code, label in (("00", "Thanh toán"), ("24", "Hủy")))
        return Response(f"<h1>Thanh toán {escape(order['amount'])} đồng</h1>{buttons}", mimetype="text/html")

    def _confirm(self, request: Request) -> Response:
        order = self.orders[request.form["order_id"]]
        self.deliver(self.callback_for("?" + urlencode(order), result_code=request.form["result"]))
        return Response(status=303, headers={"Location": f"{order['return_url']}?order_id={order['order_id']}"})
