"""REST API: tokens, units, roles and users ."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from app.auth import services
from app.auth.schemas import (
    RoleInSchema, RoleSchema, TokenRequestSchema, TokenSchema, UnitInSchema, UnitSchema, UserInSchema, UserSchema,
)
from app.core.api import load_json
from app.core.identity import current_user, require
from app.core.errors import Forbidden, Unauthorized
from app.core.openapi import operation
from app.dossiers import printing



bp = Blueprint("auth", __name__)

@bp.post("/auth/token")
@operation(body=TokenRequestSchema, response=TokenSchema, errors=(401,))
def issue_token():
    """Issue a bearer token for a username and password."""
    body = load_json(TokenRequestSchema())
    user = services.authenticate(body["username"], body["password"])
    if user is None:
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.")
    token, expires_at = services.issue_token(user, current_app.config["API_TOKEN_HOURS"])
    return TokenSchema().dump({"token": token, "expires_at": expires_at})


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
@operation(query=printing.PeriodSchema, media_type="application/pdf", errors=(404,))
def unit_register(code: str):
    """The unit's dossier register (form 06, A4 landscape) for a range of days, as PDF.

    For the unit's own staff, supervisors and administrators; at most 366 days.
    """
    unit = services.get_unit(code)
    if not printing.can_print_register(current_user(), unit):
        raise Forbidden("Chỉ cán bộ của đơn vị, bộ phận giám sát và quản trị được in sổ theo dõi của đơn vị.")
    return printing.register_response(unit, *printing.load_period(request.args))


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
