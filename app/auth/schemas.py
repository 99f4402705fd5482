"""Request and response bodies of the accounts API (units, roles, users, tokens)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.auth.services import CODE, UNIT_CODE, USERNAME
from app.core.api import LocalDateTime, bounded
from app.dossiers.codes import AGENCY_CODE


def pattern(regex) -> dict[str, str]:
    """The service's own check, stated in the OpenAPI document (the service still does the checking,
    with its Vietnamese message)."""
    return {"pattern": regex.pattern}


class TokenRequestSchema(Schema):
    username = bounded(64, required=True)
    password = bounded(1024, required=True)


class PasswordSchema(Schema):
    password = bounded(1024, required=True)


class OwnPasswordSchema(PasswordSchema):
    current_password = bounded(1024, required=True)


class TokenSchema(Schema):
    token = fields.String()
    expires_at = LocalDateTime()


class UnitInSchema(Schema):
    code = bounded(64, required=True, metadata=pattern(UNIT_CODE))
    name = bounded(255, required=True)
    kind = bounded(64, required=True, metadata=pattern(CODE))
    parent_code = bounded(64, load_default=None)
    agency_code = bounded(32, load_default=None, allow_none=True,
                          metadata={"pattern": f"^$|{AGENCY_CODE.pattern}", "example": "000.00.12.H29"})


class UnitSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_code = fields.String(attribute="parent.code", dump_default=None, allow_none=True)
    agency_code = fields.String(allow_none=True)


class RoleInSchema(Schema):
    code = bounded(64, required=True, metadata=pattern(CODE))
    name = bounded(255, load_default="")


class RoleSchema(Schema):
    code = fields.String()
    name = fields.String()


class UserInSchema(Schema):
    username = bounded(64, required=True, metadata=pattern(USERNAME))
    password = bounded(1024, required=True)
    full_name = bounded(255, required=True)
    email = fields.Email(load_default=None, validate=validate.Length(max=255))
    title = bounded(255, load_default=None)
    unit_code = bounded(64, required=True)
    roles = fields.List(bounded(64, required=True), required=True, validate=validate.Length(max=50))


class UserSchema(Schema):
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    unit_code = fields.String(attribute="unit.code")
    roles = fields.Pluck(RoleSchema, "code", many=True)
    active = fields.Boolean()
