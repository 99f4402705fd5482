"""Web sign-in and sign-out (a session cookie; the forms carry the CSRF token)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from app.auth import credentials
from app.auth.identity import client_address, end_session, start_session
from app.auth.models import User
from app.core.errors import TooManyAttempts
from app.core.identity import current_user

bp = Blueprint("auth", __name__)
BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def home_url(user: User) -> str:
    """The page each role starts from after signing in: reception for the counter, the inbox for
    others (``/``, the dashboard of each role's counts, is app/reports/views.py ``home``)."""
    return url_for("dossiers.reception" if user.has_role("receptionist") else "tasks.inbox")


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (not ``//host`` or ``/\\host``) may follow the login."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    user = current_user()
    if request.method == "GET" and user is not None:
        return redirect(home_url(user))
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        return _sign_in(username, request.form.get("password", ""))
    return render_template("auth/login.html", username=username, error=None)


def _sign_in(username: str, password: str):
    """The form's answer: the start page, the form again (401), or the wait (429, Retry-After)."""
    try:
        user = credentials.sign_in(username, password, client_address())
    except TooManyAttempts as refusal:
        return render_template("auth/login.html", username=username, error=refusal.detail), 429, refusal.headers
    if user is None:
        return render_template("auth/login.html", username=username, error=BAD_LOGIN), 401
    start_session(session, user)
    flash(f"Xin chào {user.full_name}.", "success")
    return redirect(_safe_next(request.args.get("next")) or home_url(user))


@bp.post("/dang-xuat")
def logout():
    end_session(session, current_user())
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))
