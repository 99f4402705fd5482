"""REST API: tokens, passwords, units, roles and users."""
from __future__ import annotations

from flask import Blueprint, request, session

from app.auth import credentials, services
from app.auth.identity import client_address, start_session
from app.auth.schemas import (
    OwnPasswordSchema, PasswordSchema, RoleInSchema, RoleSchema, TokenRequestSchema, TokenSchema, UnitInSchema,
    UnitSchema, UserInSchema, UserSchema,
)
from app.core.api import load_json
from app.core.identity import authenticated_by, bearer_token, current_user, require
from app.core.errors import Forbidden, Unauthorized
from app.core.openapi import operation
from app.dossiers import downloads, forms_print

bp = Blueprint("auth", __name__)
BAD_LOGIN = "Sai tên đăng nhập hoặc mật khẩu."
TOKEN_TO_REVOKE = "Gửi token cần thu hồi trong header Authorization: Bearer <token>."


@bp.post("/auth/token")
@operation(body=TokenRequestSchema, response=TokenSchema, errors=(401, 429))
def issue_token():
    """Issue a bearer token for a username and password.

    After five wrong passwords for an account (or many from one address) the
    answer is 429 with ``Retry-After`` for a while, whether the account exists or not.
    """
    body = load_json(TokenRequestSchema())
    user = credentials.sign_in(body["username"], body["password"], client_address())
    if user is None:
        raise Unauthorized(BAD_LOGIN)
    return _new_token(user)


def _new_token(user):
    token, expires_at = credentials.issue_token(user)
    return TokenSchema().dump({"token": token, "expires_at": expires_at})


@bp.delete("/auth/token")
@require()
@operation(status=204)
def revoke_token():
    """Revoke the token sent in the header: it answers 401 from then on."""
    if authenticated_by() != "token":
        raise Unauthorized(TOKEN_TO_REVOKE)
    credentials.revoke_token(bearer_token(), client_address())
    return "", 204


@bp.put("/auth/password")
@require()
@operation(body=OwnPasswordSchema, response=TokenSchema, errors=(429,))
def change_own_password():
    """Change your own password; every session and token of yours ends, and a new token is returned.

    A browser calling this keeps a fresh session. A wrong current password counts
    as a failed sign-in.
    """
    user, body = current_user(), load_json(OwnPasswordSchema())
    credentials.change_own_password(user, body["current_password"], body["password"], client_address())
    if authenticated_by() == "session":
        start_session(session, user)
    return _new_token(user)


@bp.get("/units")
@require("admin")
@operation(response=UnitSchema, many=True)
def list_units():
    """All units of the administrative tree."""
    return UnitSchema(many=True).dump(services.list_units())


@bp.post("/units")
@require("admin")
@operation(body=UnitInSchema, response=UnitSchema, status=201, errors=(404, 409))
def create_unit():
    """Create a unit under ``parent_code`` (or a root unit)."""
    return UnitSchema().dump(services.create_unit(**load_json(UnitInSchema()))), 201


@bp.get("/units/<code>/register")
@require()
@operation(query=downloads.PeriodSchema, media_type="application/pdf", errors=(404,))
def unit_register(code: str):
    """The unit's dossier register (form 06, A4 landscape) for a range of days, as PDF.

    For the unit's own staff, supervisors and administrators; at most 366 days.
    """
    unit = services.get_unit(code)
    if not forms_print.can_print_register(current_user(), unit):
        raise Forbidden("Chỉ cán bộ của đơn vị, bộ phận giám sát và quản trị được in sổ theo dõi của đơn vị.")
    return downloads.register_response(unit, *downloads.load_period(request.args))


@bp.get("/roles")
@require()
@operation(response=RoleSchema, many=True)
def list_roles():
    """All roles a BPMN task or a user may name."""
    return RoleSchema(many=True).dump(services.list_roles())


@bp.post("/roles")
@require("admin")
@operation(body=RoleInSchema, response=RoleSchema, status=201, errors=(409,))
def create_role():
    """Add a role (e.g. ``civil_status_officer``)."""
    return RoleSchema().dump(services.create_role(**load_json(RoleInSchema()))), 201


@bp.post("/users")
@require("admin")
@operation(body=UserInSchema, response=UserSchema, status=201, errors=(404, 409))
def create_user():
    """Create a user in a unit with roles."""
    return UserSchema().dump(services.create_user(**load_json(UserInSchema()))), 201


@bp.get("/users/<username>")
@require("admin")
@operation(response=UserSchema, errors=(404,))
def get_user(username: str):
    """One user."""
    return UserSchema().dump(services.get_user(username))


@bp.put("/users/<username>/password")
@require("admin")
@operation(body=PasswordSchema, response=UserSchema, errors=(404,))
def set_password(username: str):
    """Set a user's password; every session and token of theirs ends and any sign-in lock is lifted."""
    user = services.get_user(username)
    credentials.change_password(user, load_json(PasswordSchema())["password"], client_address(), current_user())
    return UserSchema().dump(user)


@bp.post("/users/<username>/disable")
@require("admin")
@operation(response=UserSchema, errors=(404, 409))
def disable_user(username: str):
    """Disable an account: every session and token of theirs ends at once (409 for your own)."""
    return _set_active(username, False)


@bp.post("/users/<username>/enable")
@require("admin")
@operation(response=UserSchema, errors=(404,))
def enable_user(username: str):
    """Enable a disabled account again."""
    return _set_active(username, True)


def _set_active(username: str, active: bool):
    user = credentials.set_active(services.get_user(username), active, client_address(), current_user())
    return UserSchema().dump(user)
