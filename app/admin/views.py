"""The administrators' pages: units as a tree, users, roles, signing certificates and trust
roots, and the audit trail; the working calendar is its own page (``/lich``), linked from here.

Every form follows the house pattern: the service checks, a refusal comes back as the page
with the message beside the field and the values typed kept (its own 4xx status), a success
flashes and redirects. A form posted with no CSRF token never reaches a view (``create_app``).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.admin import services
from app.auth import credentials
from app.auth.identity import client_address
from app.auth.services import get_unit, get_user
from app.core.errors import AppError, Conflict, Invalid
from app.core.identity import current_user, require
from app.core.web import MenuItem, errors_by_field
from app.dossiers.labels import EVENT_LABELS

bp = Blueprint("admin_pages", __name__, url_prefix="/quan-tri")
MENU = (MenuItem("admin_pages.index", "Quản trị", ("admin",), order=79),)
#: the administration's own navigation, shown on each of its pages (the calendar page is the calendar module's)
SECTIONS = (("admin_pages.units", "Đơn vị"), ("admin_pages.users", "Người dùng"), ("admin_pages.roles", "Vai trò"),
            ("admin_pages.certificates", "Chứng thư số"), ("calendar.year", "Lịch làm việc"),
            ("admin_pages.dossier_audit", "Nhật ký hồ sơ"), ("admin_pages.sign_in_audit", "Nhật ký đăng nhập"),
            ("notifications.national_sync", "Đồng bộ DVC quốc gia"))
#: what each line of a dossier's trail says: the dossier page's words (app/dossiers/labels.py)
DOSSIER_EVENTS = EVENT_LABELS
#: the security log's outcomes (app.auth.throttle.record)
SIGN_IN_EVENTS = {
    "success": "Đăng nhập thành công", "failure": "Đăng nhập không thành công", "locked": "Tạm khóa đăng nhập",
    "refused": "Từ chối vì đang bị khóa", "logout": "Đăng xuất", "token_revoked": "Thu hồi token API",
    "password_changed": "Đổi mật khẩu", "disabled": "Khóa tài khoản", "enabled": "Mở khóa tài khoản",
}
#: the certificate states (services.CertificateFacts.state): label and badge tone
CERTIFICATE_STATES = {"expired": ("Đã hết hạn", "danger"), "soon": ("Sắp hết hạn", "warn"),
                      "not_yet": ("Chưa đến hạn hiệu lực", "warn"), "valid": ("Còn hiệu lực", "ok")}
FIELD_ERRORS = (Invalid, Conflict)


@bp.app_template_global("certificate_state")
def _certificate_state(facts) -> tuple[str, str]:
    return CERTIFICATE_STATES[facts.state]


def _render(template: str, error: AppError | None = None, **context: Any):
    """An administration page: its sub-navigation, the form's error beside its fields (with the error's
    status), the values typed kept."""
    return render_template(f"admin/{template}", sections=SECTIONS, error=error, page_url=_page_url,
                           errors=errors_by_field(error) if error else {}, values=request.form,
                           **context), error.status if error else 200


def _page_url(number: int) -> str:
    """This list's address with the same search, at page ``number``."""
    return url_for(request.endpoint, **{**request.args.to_dict(), "trang": number})


def _done(message: str, endpoint: str, **values: Any):
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _unit_choices(leave_out: frozenset[int] | set[int] = frozenset()) -> list[tuple[str, str]]:
    """The units as a select offers them, indented under their parent; ``leave_out``: ids not offered."""
    return [(node.unit.code, "\u2003" * depth + node.unit.name)
            for node, depth in services.walk(services.unit_tree()) if node.unit.id not in leave_out]


@bp.get("")
@require("admin")
def index():
    return _render("index.html", counts=services.overview())


# --------------------------------------------------------------------------- units


def _units_page(error: AppError | None = None):
    return _render("units.html", error, roots=services.unit_tree(), unit=None,
                   parents=_unit_choices(), kinds=services.unit_kinds())


@bp.get("/don-vi")
@require("admin")
def units():
    return _units_page()


@bp.post("/don-vi")
@require("admin")
def create_unit():
    try:
        unit = services.create_unit(request.form)
    except FIELD_ERRORS as error:
        return _units_page(error)
    return _done(f"Đã tạo đơn vị {unit.name} ({unit.code}).", "admin_pages.units")


def _unit_page(code: str, error: AppError | None = None):
    unit = get_unit(code)
    return _render("unit.html", error, unit=unit,
                   parents=_unit_choices(services.subtree_ids(unit)), kinds=services.unit_kinds())


@bp.get("/don-vi/<code>")
@require("admin")
def unit(code: str):
    return _unit_page(code)


@bp.post("/don-vi/<code>")
@require("admin")
def update_unit(code: str):
    try:
        unit = services.update_unit(get_unit(code), request.form)
    except FIELD_ERRORS as error:
        return _unit_page(code, error)
    return _done(f"Đã lưu đơn vị {unit.name}.", "admin_pages.units")


# --------------------------------------------------------------------------- users


def _users_query() -> dict[str, str]:
    return {name: request.args.get(name, "").strip()[:255] for name in ("q", "don_vi", "vai_tro")}


@bp.get("/nguoi-dung")
@require("admin")
def users():
    query, number = _users_query(), max(request.args.get("trang", 1, type=int), 1)
    found = services.search_users(query["q"], query["don_vi"], query["vai_tro"], number)
    return _render("users.html", found=found, query=query, units=_unit_choices(),
                   roles=[(role.code, role.name) for role, _ in services.roles_with_counts()])


def _new_user_page(error: AppError | None = None):
    return _render("user_new.html", error, user=None, units=_unit_choices(),
                   roles=services.roles_with_counts(), chosen=request.form.getlist("roles"))


@bp.route("/nguoi-dung-moi", methods=["GET", "POST"])
@require("admin")
def new_user():
    if request.method == "GET":
        return _new_user_page()
    try:
        user = services.create_user(request.form, request.form.getlist("roles"))
    except FIELD_ERRORS as error:
        return _new_user_page(error)
    return _done(f"Đã tạo tài khoản {user.username}.", "admin_pages.user", username=user.username)


def _user_page(username: str, error: AppError | None = None, form: str | None = None):
    """The account's page; ``form`` names which of its forms the error belongs to."""
    user = get_user(username)
    chosen = request.form.getlist("roles") if form == "profile" else sorted(user.role_codes)
    return _render("user.html", error, user=user, form=form,
                   units=_unit_choices(), roles=services.roles_with_counts(), chosen=chosen,
                   facts=services.certificate_facts(user.certificate_pem))


@bp.get("/nguoi-dung/<username>")
@require("admin")
def user(username: str):
    return _user_page(username)


@bp.post("/nguoi-dung/<username>")
@require("admin")
def update_user(username: str):
    try:
        services.update_user(get_user(username), request.form, request.form.getlist("roles"))
    except FIELD_ERRORS as error:
        return _user_page(username, error, "profile")
    return _done("Đã lưu thông tin, đơn vị và vai trò.", "admin_pages.user", username=username)


@bp.post("/nguoi-dung/<username>/mat-khau")
@require("admin")
def reset_password(username: str):
    """The administrator sets a new password: the user's sessions and tokens end, any lock is lifted."""
    try:
        credentials.change_password(get_user(username), request.form.get("password", ""), client_address(),
                                    current_user())
    except FIELD_ERRORS as error:
        return _user_page(username, error, "password")
    return _done(f"Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập và token của họ đã kết thúc.",
                 "admin_pages.user", username=username)


def _set_active(username: str, active: bool):
    try:
        credentials.set_active(get_user(username), active, client_address(), current_user())
    except Conflict as refusal:
        flash(refusal.detail, "error")
        return redirect(url_for("admin_pages.user", username=username))
    message = "Đã mở khóa tài khoản." if active else "Đã khóa tài khoản; các phiên đăng nhập và token đã kết thúc."
    return _done(message, "admin_pages.user", username=username)


@bp.post("/nguoi-dung/<username>/khoa")
@require("admin")
def disable_user(username: str):
    return _set_active(username, False)


@bp.post("/nguoi-dung/<username>/mo-khoa")
@require("admin")
def enable_user(username: str):
    return _set_active(username, True)


# --------------------------------------------------------------------------- roles


def _roles_page(error: AppError | None = None):
    return _render("roles.html", error, roles=services.roles_with_counts())


@bp.get("/vai-tro")
@require("admin")
def roles():
    return _roles_page()


@bp.post("/vai-tro")
@require("admin")
def create_role():
    try:
        role = services.create_role(request.form)
    except FIELD_ERRORS as error:
        return _roles_page(error)
    return _done(f"Đã thêm vai trò {role.name} ({role.code}).", "admin_pages.roles")


# --------------------------------------------------------------------------- certificates


def _certificates_page(error: AppError | None = None, form: str | None = None):
    leaders = services.leaders_with_certificates()
    return _render("certificates.html", error, form=form, leaders=leaders,
                   roots=services.trust_roots(), signers=[(user.username, f"{user.full_name} — {user.unit.name}")
                                                          for user, _ in leaders])


def _posted_pem() -> str:
    upload = request.files.get("certificate_file")
    return services.pem_text(upload.read() if upload else None, request.form.get("certificate_pem"))


@bp.get("/chung-thu")
@require("admin")
def certificates():
    return _certificates_page()


@bp.post("/chung-thu/lanh-dao")
@require("admin")
def register_certificate():
    username = request.form.get("username", "")
    try:
        user = services.register_certificate(username, _posted_pem())
    except FIELD_ERRORS as error:
        return _certificates_page(error, "leader")
    return _done(f"Đã đăng ký chứng thư ký số của {user.full_name}.", "admin_pages.certificates")


@bp.post("/chung-thu/goc")
@require("admin")
def add_trust_root():
    try:
        root = services.add_trust_root(_posted_pem())
    except FIELD_ERRORS as error:
        return _certificates_page(error, "root")
    return _done(f"Đã tin cậy tổ chức chứng thực {root.subject}.", "admin_pages.certificates")


# --------------------------------------------------------------------------- the audit trail


def _audit_page(template: str, search, kinds: dict[str, str]):
    """One log's page; a wrong search is answered 422 with the message beside its field."""
    try:
        query = services.read_audit_query(request.args)
    except Invalid as error:
        return _render(template, error, found=None, kinds=kinds, args=request.args)
    return _render(template, found=search(query), kinds=kinds, args=request.args)


@bp.get("/nhat-ky")
@require("admin")
def dossier_audit():
    return _audit_page("audit_dossiers.html", services.dossier_events, DOSSIER_EVENTS)


@bp.get("/nhat-ky/dang-nhap")
@require("admin")
def sign_in_audit():
    return _audit_page("audit_sign_ins.html", services.auth_events, SIGN_IN_EVENTS)
