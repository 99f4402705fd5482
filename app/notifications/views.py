"""The administrators' page of the national portal's synchronisation (``/quan-tri/dong-bo``).

The dead letters first: a message the portal refused for good (or that ran out of attempts)
holds back its dossier's later ones until an administrator sends it again from here; then
what is held (NATIONAL_PORTAL_URL unset), waiting, and sent.  Posted forms carry the CSRF token.
"""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.admin.views import SECTIONS
from app.core.errors import Conflict
from app.core.identity import require
from app.core.web import MenuItem
from app.notifications import national, sync
from app.settings import get_settings

bp = Blueprint("notifications", __name__, url_prefix="/quan-tri/dong-bo")
MENU = (MenuItem("notifications.national_sync", "Đồng bộ DVCQG", ("admin",), order=80),)


@bp.get("")
@require("admin")
def national_sync():
    state, number = request.args.get("trang_thai") or None, _page_number()
    rows = sync.listing(state, (number - 1) * sync.PAGE_SIZE, sync.PAGE_SIZE + 1)
    return render_template(
        "notifications/national_sync.html", sections=SECTIONS, rows=rows[:sync.PAGE_SIZE], state=state,
        number=number, more=len(rows) > sync.PAGE_SIZE, counts=sync.counts(), labels=sync.STATE_LABELS,
        order=sync.STATE_ORDER, names=national.STATUS_NAMES, record=sync.payload, preview=_preview,
        configured=bool(get_settings().national_portal_url), page_url=_page_url)


def _page_number() -> int:
    text = request.args.get("trang", "1")
    return max(int(text), 1) if text.isdigit() else 1


def _page_url(number: int) -> str:
    return url_for("notifications.national_sync", **{**request.args.to_dict(), "trang": number})


def _preview(row) -> str:
    return json.dumps(sync.payload(row), ensure_ascii=False, indent=2)


@bp.post("/<int:message_id>/gui-lai")
@require("admin")
def retry(message_id: int):
    """One failed message back in line; a message in any other state is refused with a flash."""
    try:
        row = sync.retry(message_id)
    except Conflict as refusal:
        flash(refusal.detail, "error")
    else:
        flash(f"Đã đưa tin {row.key} vào hàng chờ gửi lại.", "success")
    return redirect(url_for("notifications.national_sync"))


@bp.post("/gui-lai-tat-ca")
@require("admin")
def retry_all():
    count = sync.retry_failed()
    flash(f"Đã đưa {count} tin hỏng vào hàng chờ gửi lại." if count else "Không có tin hỏng nào để gửi lại.",
          "success" if count else "info")
    return redirect(url_for("notifications.national_sync"))
