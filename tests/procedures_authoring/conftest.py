"""Helpers for the procedure-authoring tests: the API helpers and stopped
clock of ``tests/api`` (Friday 3 October 2025, 10:00 in Hà Nội), and the
Camunda fixture ``cap-trich-luc`` (look-up → gateway → sign | answer)."""
from __future__ import annotations

import pytest

from tests.api.conftest import FIXTURES, move_clock, ok  # noqa: F401  (move_clock: the stopped clock)

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


@pytest.fixture
def draft(api, demo) -> dict:
    """Version 1 of cap-trich-luc, a draft."""
    return ok(upload(api), 201)
