"""The page the payment gateway sends the citizen's browser back to. A blueprint of its own,
nested in the citizens' pages blueprint (app/citizens/views.py).

It shows only what this application knows of the order (the gateway's server-to-server callback
decides; the query string of a browser decides nothing), and nothing personal: the order id,
128 random bits, is all it takes, so it shows the dossier code, the amount and the receipt number.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.citizens import payments
from app.core import limits
from app.core.errors import Conflict
from app.dossiers.payments import METHOD_LABELS

bp = Blueprint("payments", __name__)
#: the look-up page offers "pay online" (``citizens/_pay_online.html``) when this says nothing against it
bp.add_app_template_global(payments.online_payment_refusal, "online_payment_refusal")


@bp.post("/thanh-toan/<code>")
@limits.public("RATE_LIMIT_LOOKUP")
def pay(code: str):
    """The look-up page's "pay online" button (form field ``s``: the secret): off to the gateway; a
    wrong secret is the portal's 404; nothing to pay is said on the look-up page."""
    secret = request.values.get("s", "")[:64]
    try:
        return redirect(payments.start_online_payment(code, secret), 303)
    except Conflict as refused:
        flash(refused.detail, "error")
        return redirect(url_for("citizens.lookup", code=code, s=secret), 303)


@bp.get(payments.RETURN_PATH)
@limits.public("RATE_LIMIT_LOOKUP")
def result():
    payment = payments.order(request.args.get("order_id", "")[:64])
    return render_template("citizens/payment_result.html", payment=payment, method_labels=METHOD_LABELS)


@bp.route(payments.DEMO_GATEWAY_PATH, methods=["GET", "POST"])
@limits.public("RATE_LIMIT_LOOKUP")
def demo_gateway():
    """The demo's stand-in for the payment gateway (CLOCK_TRAVEL=1 and no PAYMENT_GATEWAY_URL only):
    a page with "pay" and "cancel", which then send the signed callback and come back as a real one does."""
    signed = {name: request.values[name] for name in payments.REDIRECT_FIELDS if name in request.values}
    if request.method == "GET":
        return render_template("citizens/demo_gateway.html", payment=payments.demo_order(signed), fields=signed)
    payment = payments.demo_pay(signed, request.form.get("result", ""))
    return redirect(url_for(".result", order_id=payment.gateway_order_id), 303)
