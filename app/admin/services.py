"""What the administrators' pages need beyond the API's services: the unit tree and moving a
unit in it, changing a user's unit and roles, finding users, the facts of a certificate, and
the audit trail.

Creating units, roles and users, passwords, disabling accounts and registering certificates
stay with :mod:`app.auth.services`, :mod:`app.auth.credentials` and :mod:`app.signing.services`,
so that the API, the CLI and the pages follow one rule each. Every check here happens before
anything changes and raises :class:`Invalid` or :class:`Conflict` naming the form's field, so a
page can show the message beside it. Plain Python: the pages hand in what was posted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Mapping

from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from app import clock
from app.auth import services as accounts
from app.auth.models import AuthEvent, Role, Unit, User, user_roles
from app.core.errors import AppError, Invalid, NotFound
from app.db import session
from app.dossiers.models import Dossier, DossierEvent
from app.dossiers.searchtext import LIKE_ESCAPE, contains_pattern
from app.signing import services as signing
from app.signing.models import TrustRoot

PAGE_SIZE = 50
#: a certificate this close to its end is flagged on the pages
EXPIRY_WARNING_DAYS = 30
MAX_TEXT = 255
#: the API's bound on a PEM text (app.signing.api), the same on the pages
MAX_PEM = 20000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _text(values: Mapping[str, Any], name: str) -> str:
    return str(values.get(name) or "").strip()


def _raise_if(errors: dict[str, str], detail: str) -> None:
    if errors:
        raise Invalid(detail, accounts.field_errors(errors))


def _merge(errors: dict[str, str], error: AppError) -> None:
    """Keep a service's field messages beside the page's own, so one answer names every field at fault."""
    errors.update({item["field"]: item["message"] for item in error.errors or () if "field" in item})


def _unit_in_field(code: str, name: str, errors: dict[str, str]) -> Unit | None:
    """The unit a form's select names; an unknown one is the field's error rather than a 404 page."""
    try:
        return accounts.get_unit(code) if code else None
    except NotFound:
        errors[name] = f"Không có đơn vị mã '{code}': chọn một đơn vị trong danh sách."
        return None


@dataclass(frozen=True)
class Page:
    """One page of a list, newest or alphabetical first; ``more`` says whether a next page exists."""

    rows: list
    number: int
    more: bool


def _page_of(query: Select, number: int) -> Page:
    rows = list(session.scalars(query.limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)).unique())
    return Page(rows[:PAGE_SIZE], number, len(rows) > PAGE_SIZE)


# --------------------------------------------------------------------------- units


@dataclass
class Node:
    """A unit of the tree, its children, and how many accounts it holds."""

    unit: Unit
    users: int
    children: list["Node"] = field(default_factory=list)


def unit_tree() -> list[Node]:
    """Every unit under its parent, by name: one query for the units, one for the counts."""
    units = session.scalars(select(Unit).order_by(Unit.name)).all()
    counts = dict(session.execute(select(User.unit_id, func.count()).group_by(User.unit_id)).all())
    nodes = {unit.id: Node(unit, counts.get(unit.id, 0)) for unit in units}
    roots: list[Node] = []
    for unit in units:
        (nodes[unit.parent_id].children if unit.parent_id in nodes else roots).append(nodes[unit.id])
    return roots


def walk(nodes: list[Node], depth: int = 0) -> Iterator[tuple[Node, int]]:
    """The tree in reading order, each node with its depth (for indented lists and selects)."""
    for node in nodes:
        yield node, depth
        yield from walk(node.children, depth + 1)


def subtree_ids(unit: Unit) -> set[int]:
    """The unit and every unit below it, from one query of the parent links."""
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    found, waiting = set(), [unit.id]
    while waiting:
        current = waiting.pop()
        found.add(current)
        waiting.extend(children.get(current, ()))
    return found


def create_unit(values: Mapping[str, Any]) -> Unit:
    """A new unit from the page's form; an unknown parent is the parent field's error."""
    errors: dict[str, str] = {}
    _unit_in_field(_text(values, "parent_code"), "parent_code", errors)
    _raise_if(errors, "Thông tin đơn vị chưa hợp lệ.")
    return accounts.create_unit(_text(values, "code"), _text(values, "name"), _text(values, "kind"),
                                _text(values, "parent_code") or None, _text(values, "agency_code") or None)


def update_unit(unit: Unit, values: Mapping[str, Any]) -> Unit:
    """Rename, re-kind, re-code or move ``unit``; a move under itself or its own descendant is refused."""
    name, kind, agency_code = _text(values, "name"), _text(values, "kind"), _text(values, "agency_code") or None
    errors = accounts.unit_field_errors(name, kind, agency_code)
    parent = _unit_in_field(_text(values, "parent_code"), "parent_code", errors)
    if parent is not None and parent.id in subtree_ids(unit):
        errors["parent_code"] = (f"Không thể chuyển {unit.name} vào {parent.name} ({parent.code}): "
                                 "đó là chính đơn vị này hoặc một đơn vị cấp dưới của nó.")
    _raise_if(errors, "Thông tin đơn vị chưa hợp lệ.")
    accounts.check_agency_code_free(agency_code, unit)
    unit.name, unit.kind, unit.agency_code, unit.parent = name, kind, agency_code, parent
    session.commit()
    return unit


def unit_kinds() -> list[str]:
    """The kinds (levels) in use, offered when typing a unit's kind."""
    return list(session.scalars(select(Unit.kind).distinct().order_by(Unit.kind)))


# --------------------------------------------------------------------------- users


def search_users(text: str = "", unit_code: str = "", role_code: str = "", number: int = 1) -> Page:
    """Accounts whose username, name or e-mail contains ``text``, of one unit and one role if given."""
    query = select(User).options(joinedload(User.unit)).order_by(User.username)
    if text:
        pattern = contains_pattern(text)
        query = query.where(or_(*(column.ilike(pattern, escape=LIKE_ESCAPE)
                                  for column in (User.username, User.full_name, User.email))))
    if unit_code:
        query = query.where(User.unit.has(Unit.code == unit_code))
    if role_code:
        query = query.where(User.roles.any(Role.code == role_code))
    return _page_of(query, number)


def _text_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with an account's name, e-mail and title (the database holds 255 characters of each)."""
    errors = {}
    full_name, email = _text(values, "full_name"), _text(values, "email")
    if not full_name or len(full_name) > MAX_TEXT:
        errors["full_name"] = f"Cần nhập họ tên (tối đa {MAX_TEXT} ký tự)."
    if email and (len(email) > MAX_TEXT or not EMAIL.match(email)):
        errors["email"] = "Địa chỉ e-mail chưa đúng, ví dụ: ten@xa.gov.vn."
    if len(_text(values, "title")) > MAX_TEXT:
        errors["title"] = f"Chức vụ tối đa {MAX_TEXT} ký tự."
    return errors


def _check_profile(values: Mapping[str, Any], roles: list[str], errors: dict[str, str]) -> tuple[Unit | None, list[Role]]:
    """Add the profile's errors to ``errors``; return the unit and roles the form names."""
    errors.update(_text_errors(values))
    unit = _unit_in_field(_text(values, "unit_code"), "unit_code", errors)
    if unit is None and "unit_code" not in errors:
        errors["unit_code"] = "Chọn đơn vị của người dùng."
    try:
        return unit, accounts.roles_by_code(roles)
    except Invalid as unknown:
        _merge(errors, unknown)
        return unit, []


def create_user(values: Mapping[str, Any], roles: list[str]) -> User:
    """A new account from the page's form, every field at fault named at once."""
    errors = accounts.user_field_errors(_text(values, "username"), str(values.get("password") or ""),
                                        _text(values, "full_name"))
    _check_profile(values, roles, errors)
    _raise_if(errors, "Thông tin người dùng chưa hợp lệ.")
    return accounts.create_user(_text(values, "username"), str(values["password"]), _text(values, "full_name"),
                                _text(values, "unit_code"), roles, _text(values, "email") or None,
                                _text(values, "title") or None)


def update_user(user: User, values: Mapping[str, Any], roles: list[str]) -> User:
    """Change a user's name, e-mail, title, unit and roles; they apply from the user's next request."""
    errors: dict[str, str] = {}
    unit, role_rows = _check_profile(values, roles, errors)
    _raise_if(errors, "Thông tin người dùng chưa hợp lệ.")
    user.full_name, user.unit, user.roles = _text(values, "full_name"), unit, role_rows
    user.email, user.title = _text(values, "email") or None, _text(values, "title") or None
    session.commit()
    return user


# --------------------------------------------------------------------------- roles


def roles_with_counts() -> list[tuple[Role, int]]:
    """Every role and how many accounts (active or not) hold it."""
    holders = func.count(user_roles.c.user_id)
    query = (select(Role, holders).outerjoin(user_roles, user_roles.c.role_id == Role.id)
             .group_by(Role.id).order_by(Role.code))
    return [(role, count) for role, count in session.execute(query)]


def create_role(values: Mapping[str, Any]) -> Role:
    name = _text(values, "name")
    _raise_if({"name": f"Tên vai trò tối đa {MAX_TEXT} ký tự."} if len(name) > MAX_TEXT else {},
              "Thông tin vai trò chưa hợp lệ.")
    return accounts.create_role(_text(values, "code"), name)


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateFacts:
    """What an administrator checks of a certificate, and how close its end is (on the application
    clock, the clock the signatures are verified on)."""

    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    days_left: int

    @property
    def state(self) -> str:
        """"expired", "not_yet" (valid later), "soon" (under 30 days left) or "valid"."""
        if self.days_left < 0:
            return "expired"
        if self.not_before > clock.now():
            return "not_yet"
        return "soon" if self.days_left < EXPIRY_WARNING_DAYS else "valid"


def _common_name(name: x509.Name) -> str:
    found = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(found[0].value) if found else name.rfc4514_string()


def certificate_facts(pem: str | None) -> CertificateFacts | None:
    """The facts of a stored PEM (None when there is none, or it no longer reads)."""
    try:
        certificate = x509.load_pem_x509_certificate((pem or "").encode())
    except ValueError:
        return None
    left = certificate.not_valid_after_utc - clock.now()
    return CertificateFacts(_common_name(certificate.subject), _common_name(certificate.issuer),
                            certificate.not_valid_before_utc, certificate.not_valid_after_utc,
                            left.days if left >= timedelta() else -1)


def leaders_with_certificates() -> list[tuple[User, CertificateFacts | None]]:
    """The leaders (who sign apology letters) and anyone else holding a certificate, by unit and name."""
    query = (select(User).join(User.unit).options(joinedload(User.unit))
             .where(or_(User.roles.any(Role.code == "leader"), User.certificate_pem.is_not(None)))
             .order_by(Unit.name, User.full_name))
    return [(user, certificate_facts(user.certificate_pem)) for user in session.scalars(query)]


def trust_roots() -> list[tuple[TrustRoot, CertificateFacts | None]]:
    return [(root, certificate_facts(root.certificate_pem))
            for root in session.scalars(select(TrustRoot).order_by(TrustRoot.subject))]


def pem_text(uploaded: bytes | None, typed: str | None) -> str:
    """The PEM of a form: the file chosen, else the text pasted (422 on the field when neither reads)."""
    raw = uploaded if uploaded else (typed or "").encode()
    problem = None
    if not raw.strip():
        problem = "Chọn tệp chứng thư (.pem, .crt) hoặc dán nội dung PEM."
    elif len(raw) > MAX_PEM:
        problem = f"Chứng thư dạng PEM tối đa {MAX_PEM} ký tự."
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        text, problem = "", problem or "Cần chứng thư dạng PEM (văn bản bắt đầu bằng -----BEGIN CERTIFICATE-----)."
    _raise_if({"certificate_pem": problem} if problem else {}, "Chứng thư số không hợp lệ.")
    return text


def register_certificate(username: str, pem: str) -> User:
    """A leader's certificate; an unknown account is the username field's error."""
    errors: dict[str, str] = {}
    if session.scalar(select(User.id).where(User.username == username)) is None:
        errors["username"] = "Chọn người ký trong danh sách."
    _raise_if(errors, "Chưa đăng ký được chứng thư.")
    return signing.register_certificate(username, pem)


def add_trust_root(pem: str) -> TrustRoot:
    return signing.add_trust_root(pem)


# --------------------------------------------------------------------------- the audit trail


@dataclass(frozen=True)
class AuditQuery:
    """A search of the audit trail: each part optional; ``start`` and ``end`` are local days, both included."""

    dossier: str = ""
    user: str = ""
    kind: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1


def _day(values: Mapping[str, Any], name: str, errors: dict[str, str]) -> date | None:
    text = _text(values, name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        errors[name] = "Chọn ngày (ngày/tháng/năm)."
        return None


def read_audit_query(values: Mapping[str, Any]) -> AuditQuery:
    """The search of the page's query string; a wrong day, or a start after the end, names its field."""
    errors: dict[str, str] = {}
    start, end = _day(values, "tu", errors), _day(values, "den", errors)
    if start and end and start > end:
        errors["den"] = "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."
    page = _text(values, "trang") or "1"
    if not page.isdigit() or not 1 <= int(page) <= 100000:
        errors["trang"] = "Số trang là số nguyên dương."
    _raise_if(errors, "Điều kiện tìm kiếm chưa hợp lệ.")
    return AuditQuery(_text(values, "ho_so")[:64], _text(values, "nguoi_dung")[:MAX_TEXT],
                      _text(values, "su_kien")[:64], start, end, int(page))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.LOCAL_TZ)


def _in_period(query: Select, column, search: AuditQuery) -> Select:
    if search.start:
        query = query.where(column >= _local_midnight(search.start))
    if search.end:
        query = query.where(column < _local_midnight(search.end + timedelta(days=1)))
    return query


def dossier_events(search: AuditQuery) -> Page:
    """Lines of the dossiers' trails, newest first (test runs of draft procedures left out)."""
    query = (select(DossierEvent).join(DossierEvent.dossier).outerjoin(DossierEvent.actor)
             .where(Dossier.sandbox.is_(False))
             .options(joinedload(DossierEvent.dossier).load_only(Dossier.code), joinedload(DossierEvent.actor))
             .order_by(DossierEvent.at.desc(), DossierEvent.id.desc()))
    if search.dossier:
        query = query.where(Dossier.code.ilike(contains_pattern(search.dossier), escape=LIKE_ESCAPE))
    if search.user:
        pattern = contains_pattern(search.user)
        query = query.where(or_(User.username.ilike(pattern, escape=LIKE_ESCAPE),
                                User.full_name.ilike(pattern, escape=LIKE_ESCAPE)))
    if search.kind:
        query = query.where(DossierEvent.kind == search.kind)
    return _page_of(_in_period(query, DossierEvent.at, search), search.page)


def auth_events(search: AuditQuery) -> Page:
    """The security log (sign-ins, locks, passwords, accounts disabled), newest first."""
    query = select(AuthEvent).order_by(AuthEvent.at.desc(), AuthEvent.id.desc())
    if search.user:
        query = query.where(AuthEvent.username.ilike(contains_pattern(search.user), escape=LIKE_ESCAPE))
    if search.kind:
        query = query.where(AuthEvent.outcome == search.kind)
    return _page_of(_in_period(query, AuthEvent.at, search), search.page)


# --------------------------------------------------------------------------- the overview


def overview() -> dict[str, int]:
    """The counts of the administration's first page."""
    soon = sum(1 for _, facts in [*leaders_with_certificates(), *trust_roots()]
               if facts is not None and facts.state in ("expired", "soon"))
    return {"units": session.scalar(select(func.count(Unit.id))),
            "users": session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
            "disabled": session.scalar(select(func.count(User.id)).where(User.active.is_(False))),
            "roles": session.scalar(select(func.count(Role.id))), "certificates_to_renew": soon}
