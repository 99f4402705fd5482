"""The apology letter (form 04) for an escalation, as issued for signature."""
from __future__ import annotations

from printing import models as M

from app.dossiers import forms_print
from app.escalation.models import Escalation

APOLOGY = ("{unit} thành thật xin lỗi Ông/Bà vì hồ sơ chưa được giải quyết đúng hạn đã hẹn "
           "và hẹn trả kết quả vào ngày mới dưới đây.")
#: the letter sent before the deadline (Decree 61/2018 art. 19): the delay is foreseen, not yet there
EARLY_APOLOGY = ("{unit} thành thật xin lỗi Ông/Bà vì hồ sơ không thể giải quyết kịp ngày hẹn trả kết quả "
                 "và hẹn trả kết quả vào ngày mới dưới đây.")


def render_letter(escalation: Escalation) -> bytes:
    """Render form 04; these exact bytes are what the leader must sign."""
    dossier = escalation.dossier
    unit = escalation.responsible_unit
    data = M.Apology(
        **forms_print.common_fields(dossier, escalation.explained_at),
        number=f"{escalation.id}/XL", received_at=dossier.received_at, due_at=escalation.old_due_at,
        new_due_at=escalation.new_due_at, reason=escalation.reason,
        apology=(EARLY_APOLOGY if escalation.early else APOLOGY).format(unit=unit.name),
        responsible_unit=unit.name, signer=M.Person("", f"LÃNH ĐẠO {unit.name.upper()}"),
    )
    return forms_print.render("apology", data)
