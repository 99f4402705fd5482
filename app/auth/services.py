"""Users, roles, units and passwords: the service functions behind the API, web and CLI.

Tokens, sessions and what ends them are in :mod:`app.auth.credentials`."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.auth.models import Role, Unit, User
from app.core.errors import Conflict, Invalid, NotFound
from app.db import session
from app.dossiers.codes import is_valid_agency_code

_hasher = PasswordHasher()
#: Cheaper argon2 parameters for the test suite, which creates many users.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
UNIT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD = 8


def use_fast_password_hashing() -> None:
    global _hasher
    _hasher = _FAST_HASHER


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be chosen, or None."""
    return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự." if len(password or "") < MIN_PASSWORD else None


def authenticate(username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def get_unit(code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị '{code}'.")
    return unit


def list_units() -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def create_unit(code: str, name: str, kind: str, parent_code: str | None = None,
                agency_code: str | None = None) -> Unit:
    errors = {} if UNIT_CODE.match(code or "") else {
        "code": "Mã đơn vị chỉ gồm chữ, số, dấu chấm, gạch ngang (tối đa 64 ký tự)."}
    errors.update(unit_field_errors(name, kind, agency_code))
    if errors:
        raise Invalid("Thông tin đơn vị không hợp lệ.", field_errors(errors))
    parent = get_unit(parent_code) if parent_code else None
    if session.scalar(select(Unit).where(Unit.code == code)) is not None:
        raise Conflict(f"Đơn vị '{code}' đã tồn tại.", field_errors({"code": f"Mã đơn vị '{code}' đã được dùng."}))
    check_agency_code_free(agency_code)
    unit = Unit(code=code, name=name.strip(), kind=kind, parent=parent, agency_code=agency_code or None)
    session.add(unit)
    session.commit()
    return unit


def unit_field_errors(name: str, kind: str, agency_code: str | None) -> dict[str, str]:
    """What is wrong with a unit's name, kind and agency code: one check for creating and changing a unit."""
    errors = {}
    if not (name or "").strip() or len(name.strip()) > 255:
        errors["name"] = "Cần nhập tên đơn vị (tối đa 255 ký tự)."
    if not CODE.match(kind or ""):
        errors["kind"] = "Loại đơn vị là mã chữ thường, ví dụ: province, commune, police."
    if agency_code and not is_valid_agency_code(agency_code):
        errors["agency_code"] = "Mã định danh cơ quan có dạng 000.00.12.H29."
    return errors


def check_agency_code_free(agency_code: str | None, unit: Unit | None = None) -> None:
    """409 naming the field when another unit has the agency code: it prefixes dossier codes, which must not repeat."""
    if not agency_code:
        return
    holder = session.scalar(select(Unit).where(Unit.agency_code == agency_code))
    if holder is not None and holder is not unit:
        message = f"Mã định danh {agency_code} đã là của đơn vị {holder.name} ({holder.code})."
        raise Conflict(message, field_errors({"agency_code": message}))


def create_role(code: str, name: str) -> Role:
    if not CODE.match(code or ""):
        raise Invalid("Mã vai trò không hợp lệ.", field_errors(
            {"code": "Mã vai trò là chữ thường, số và dấu _, ví dụ: civil_status_officer."}))
    if session.scalar(select(Role).where(Role.code == code)) is not None:
        raise Conflict(f"Vai trò '{code}' đã tồn tại.", field_errors({"code": f"Mã vai trò '{code}' đã được dùng."}))
    role = Role(code=code, name=(name or code).strip())
    session.add(role)
    session.commit()
    return role


def list_roles() -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.code)))


def roles_by_code(codes: list[str]) -> list[Role]:
    roles = list(session.scalars(select(Role).where(Role.code.in_(codes))))
    missing = sorted(set(codes) - {r.code for r in roles})
    if missing:
        raise Invalid("Vai trò không tồn tại.", field_errors({"roles": f"Không có vai trò: {', '.join(missing)}."}))
    return roles


def create_user(username: str, password: str, full_name: str, unit_code: str, roles: list[str],
                email: str | None = None, title: str | None = None) -> User:
    errors = user_field_errors(username, password, full_name)
    if errors:
        raise Invalid("Thông tin người dùng không hợp lệ.", field_errors(errors))
    unit = get_unit(unit_code)
    role_rows = roles_by_code(list(roles or []))
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập '{username}' đã được dùng.",
                       field_errors({"username": f"Tên đăng nhập '{username}' đã được dùng."}))
    user = User(username=username, password_hash=hash_password(password), full_name=full_name.strip(),
                email=email or None, title=title or None, unit=unit, roles=role_rows)
    session.add(user)
    session.commit()
    return user


def user_field_errors(username: str, password: str, full_name: str) -> dict[str, str]:
    """What is wrong with a new account's username, password and name (the pages add their own fields' checks)."""
    errors = {}
    if not USERNAME.match(username or ""):
        errors["username"] = "Tên đăng nhập gồm chữ, số, dấu chấm, gạch (2–64 ký tự)."
    if password_problem(password):
        errors["password"] = password_problem(password)
    if not (full_name or "").strip():
        errors["full_name"] = "Cần nhập họ tên."
    return errors


def get_user(username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng '{username}'.")
    return user


def nearest_unit_of_kind(unit: Unit, kind: str) -> Unit | None:
    """The unit of ``kind`` that serves ``unit``: among its children first,
    then among the children of each ancestor in turn (CONTRACT.md §1)."""
    if unit.kind == kind:
        return unit
    for scope in [unit, *unit.ancestors()]:
        if scope.kind == kind:
            return scope
        match = next((child for child in scope.children if child.kind == kind), None)
        if match is not None:
            return match
    return None


def resolve_step_unit(receiving_unit: Unit, value: str | None) -> Unit | None:
    """The unit that does a step: absent → the receiving unit; a unit code; or a unit kind."""
    if not value:
        return receiving_unit
    by_code = session.scalar(select(Unit).where(Unit.code == value))
    return by_code or nearest_unit_of_kind(receiving_unit, value)


def unit_value_exists(value: str) -> bool:
    """Whether a BPMN ``unit`` property names a known unit code or unit kind."""
    return session.scalar(select(Unit.id).where((Unit.code == value) | (Unit.kind == value)).limit(1)) is not None


def field_errors(errors: dict[str, str]) -> list[dict[str, str]]:
    return [{"field": name, "message": message} for name, message in errors.items()]


