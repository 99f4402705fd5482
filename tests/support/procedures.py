"""The procedure-authoring tests' material: the Camunda fixture ``cap-trich-luc``
(look-up → gateway → sign | answer), its catalogue entry, and diagram edits."""
from __future__ import annotations

from tests.support.api import FIXTURES

CAMUNDA = (FIXTURES / "cap-trich-luc.bpmn").read_text(encoding="utf-8")
CODE = "cap-trich-luc"
CATALOGUE = {
    "code": CODE, "name": "Cấp bản sao trích lục hộ tịch", "field": "Hộ tịch", "level": "commune",
    "legal_limit": "1d", "fee": {"amount": 8000, "description": "8.000 đồng/bản"}, "documents": ["Tờ khai"],
}
LOOK_UP = {"loai_trich_luc": "khai_sinh", "so_ban": 2, "co_trong_so": True}


def line_of(xml: str, element_id: str) -> int:
    return next(number for number, line in enumerate(xml.splitlines(), 1) if f'id="{element_id}"' in line)


def upload(api, xml: str = CAMUNDA, user: str = "phantich", **catalogue):
    return api.post("/procedures", user, json={**CATALOGUE, **catalogue, "bpmn_xml": xml, "forms": {}})


def with_step(xml: str, role: str = "officer", limit: str | None = "2d") -> str:
    """The new-diagram template's task given a role and, unless None, a time limit."""
    extension = ("<bpmn:extensionElements><camunda:properties>"
                 f'<camunda:property name="timeLimit" value="{limit}" />'
                 "</camunda:properties></bpmn:extensionElements>") if limit else ""
    return xml.replace('<bpmn:userTask id="Task_xu_ly" name="Xử lý hồ sơ">',
                       f'<bpmn:userTask id="Task_xu_ly" name="Xử lý hồ sơ" camunda:candidateGroups="{role}">'
                       + extension)
