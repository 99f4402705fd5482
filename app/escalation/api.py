"""REST API: escalations of late steps, the apology letter and its signature,
and running a deadline sweep ."""
from __future__ import annotations

from flask import Blueprint, Response, request

from app.core.api import load_json, load_query
from app.core.identity import current_user, require
from app.core.errors import Invalid
from app.core.openapi import operation
from app.escalation import services
from app.escalation.schemas import (
    DecisionSchema, EscalationQuerySchema, EscalationSchema, ExplanationSchema, NoteSchema, PinSchema, SweepSchema,
)
from app.escalation.sweep import sweep

_ONE, _MANY = EscalationSchema(), EscalationSchema(many=True)
MAX_SIGNED_PDF = services.MAX_SIGNED_PDF

bp = Blueprint("escalation", __name__)


@bp.get("/escalations")
@require()
@operation(query=EscalationQuerySchema, response=EscalationSchema, many=True)
def list_escalations():
    """Escalations of the caller's unit (supervisors and admins: all), oldest first, with their age."""
    query = load_query(EscalationQuerySchema())
    return _MANY.dump(services.search(current_user(), query["state"], query["limit"], query["offset"]))


@bp.get("/escalations/<int:escalation_id>")
@require()
@operation(response=EscalationSchema, errors=(404,))
def get_escalation(escalation_id: int):
    return _ONE.dump(services.get_for(current_user(), escalation_id))


@bp.post("/escalations/<int:escalation_id>/explanation")
@require()
@operation(body=ExplanationSchema, response=EscalationSchema, errors=(404, 409))
def explain(escalation_id: int):
    """The responsible unit's officer explains the delay and proposes a new appointment
    (a working day after today and after the old appointment); the letter is then issued."""
    body = load_json(ExplanationSchema())
    return _ONE.dump(services.explain(current_user(), escalation_id, body["reason"], body["new_due_date"]))


@bp.get("/escalations/<int:escalation_id>/letter")
@require()
@operation(media_type="application/pdf", errors=(404, 409))
def letter(escalation_id: int):
    """The apology letter (form 04) as PDF: as issued for signature, or as signed."""
    escalation = services.get_for(current_user(), escalation_id)
    return Response(services.letter(escalation), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="thu-xin-loi-{escalation.id}.pdf"'})


@bp.post("/escalations/<int:escalation_id>/signature")
@require()
@operation(body=PinSchema, response=EscalationSchema, multipart=True, errors=(404, 409, 429))
def sign(escalation_id: int):
    """A leader of the responsible unit signs: either upload the letter signed elsewhere
    (multipart ``file``) or send ``{pin}`` to sign with the key held for the leader.
    The signature is verified before the dossier is unblocked; 422 says why it was refused."""
    upload = request.files.get("file")
    if upload is not None:
        signed = upload.read(MAX_SIGNED_PDF + 1)
        if len(signed) > MAX_SIGNED_PDF:
            raise Invalid("Tệp quá lớn.", [{"field": "file", "message": "Tối đa 10 MB."}])
        return _ONE.dump(services.sign_with_upload(current_user(), escalation_id, signed))
    body = load_json(PinSchema())
    return _ONE.dump(services.sign_with_pin(current_user(), escalation_id, body["pin"]))


@bp.post("/escalations/<int:escalation_id>/reject")
@require()
@operation(body=NoteSchema, response=EscalationSchema, errors=(404, 409))
def reject(escalation_id: int):
    """A leader sends the explanation back to the officer, with a note."""
    body = load_json(NoteSchema())
    return _ONE.dump(services.reject(current_user(), escalation_id, body["note"]))


@bp.post("/escalations/<int:escalation_id>/decision")
@require()
@operation(body=DecisionSchema, response=EscalationSchema, errors=(404, 409))
def decide(escalation_id: int):
    """Level 2: the head of the one-stop centre records the decision on a dossier late again."""
    body = load_json(DecisionSchema())
    return _ONE.dump(services.decide(current_user(), escalation_id, body["decision"]))


@bp.post("/admin/scheduler/run")
@require("admin")
@operation(response=SweepSchema)
def run_sweep():
    """Run one deadline sweep now: warn near deadlines, escalate late steps."""
    return sweep().as_dict()
