"""The public catalogue as a citizen searches it: the procedures taking dossiers today, found by
a few words of their name typed without accents, and where each may be handed in.

Plain Python (no Flask): the portal's pages and the public API read the same answers.
"""
from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Unit
from app.auth.services import field_errors
from app.core.errors import Invalid
from app.db import session
from app.dossiers import searchtext
from app.procedures.models import Procedure
from app.procedures.services import list_procedures, not_in_force_reason


def in_force() -> list[Procedure]:
    """The procedures taking new dossiers today: published, and within their dates of effect."""
    return [procedure for procedure in list_procedures() if not_in_force_reason(procedure) is None]


def get_in_force(code: str) -> Procedure | None:
    """The procedure if it takes new dossiers today; None for an unknown, draft or expired one,
    which a citizen's page answers alike."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    return procedure if procedure is not None and not_in_force_reason(procedure) is None else None


def search(procedures: list[Procedure], text: str = "", field: str = "") -> list[Procedure]:
    """Those whose name holds every word typed (case and accents aside: "khai sinh" finds
    "Đăng ký khai sinh") and, if a field is chosen, of that field; the catalogue's order kept."""
    words = searchtext.fold(text).split()
    return [p for p in procedures
            if (not field or p.field == field) and all(word in searchtext.fold(p.name) for word in words)]


def fields_of(procedures: list[Procedure]) -> list[str]:
    """The fields (lĩnh vực) the catalogue has, to filter by, in alphabetical order without accents."""
    return sorted({p.field for p in procedures if p.field}, key=searchtext.fold)


def receiving_units(procedure: Procedure) -> list[Unit]:
    """Where a dossier of ``procedure`` may be handed in: the units of its level (a commune's
    procedure at a commune's People's Committee) that have an agency code, which a dossier code needs."""
    query = select(Unit).where(Unit.kind == procedure.level, Unit.agency_code.is_not(None), Unit.agency_code != "")
    return list(session.scalars(query.order_by(Unit.name)))


def takes_online(procedure: Procedure) -> bool:
    """Whether the portal takes this procedure's dossiers: in force with a unit to receive them."""
    return not_in_force_reason(procedure) is None and bool(receiving_units(procedure))



def check_receiving_unit(procedure: Procedure, unit_code: str) -> None:
    """422 naming ``unit_code`` unless it is one of :func:`receiving_units`: a dossier goes only to a
    unit of its procedure's level (a commune's procedure is not handed in at the province)."""
    if unit_code not in {unit.code for unit in receiving_units(procedure)}:
        raise Invalid("Nơi tiếp nhận hồ sơ chưa hợp lệ.",
                      field_errors({"unit_code": "Chọn nơi tiếp nhận hồ sơ trong danh sách."}))
