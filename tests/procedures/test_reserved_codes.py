"""``/procedures/check`` is an operation, never a procedure's address."""
from __future__ import annotations

from tests.procedures.test_procedures_api import CAMUNDA, CATALOGUE


def test_a_procedure_cannot_take_the_code_of_an_operation(api, demo):
    code = next(iter(CATALOGUE))
    response = api.post("/procedures", "phantich", json={**CATALOGUE[code], "code": "check", "bpmn_xml": CAMUNDA})
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["code"]


def test_the_check_operation_allows_only_what_the_document_says(client, app):
    allowed = {method.strip() for method in client.options("/api/v1/procedures/check").headers["Allow"].split(",")}
    assert allowed - {"OPTIONS", "HEAD"} == {"POST"}
    assert client.get("/api/v1/procedures/check-lai").status_code in (401, 404)
