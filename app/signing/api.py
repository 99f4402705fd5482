"""REST API: leaders' certificates and the trusted certification authorities."""
from __future__ import annotations

from flask import Blueprint

from marshmallow import Schema, fields

from app.auth.schemas import UserSchema
from app.core.api import load_json
from app.core.identity import require
from app.core.openapi import operation
from app.signing import services


class CertificateSchema(Schema):
    certificate_pem = fields.String(required=True, validate=lambda text: 0 < len(text) <= 20000)


class TrustRootSchema(Schema):
    id = fields.Integer()
    fingerprint = fields.String()
    subject = fields.String()



bp = Blueprint("signing", __name__)

@bp.put("/users/<username>/certificate")
@require("admin")
@operation(body=CertificateSchema, response=UserSchema, errors=(404,))
def register_certificate(username: str):
    """Register the certificate a leader signs apology letters with."""
    body = load_json(CertificateSchema())
    return UserSchema().dump(services.register_certificate(username, body["certificate_pem"]))


@bp.post("/admin/trust-roots")
@require("admin")
@operation(body=CertificateSchema, response=TrustRootSchema, status=201)
def add_trust_root():
    """Trust a certification authority for signatures on apology letters."""
    body = load_json(CertificateSchema())
    return TrustRootSchema().dump(services.add_trust_root(body["certificate_pem"])), 201
