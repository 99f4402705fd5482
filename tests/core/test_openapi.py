"""The OpenAPI document and the browsable docs."""
from __future__ import annotations

import json
import re

import pytest

from tests.support.api import problem

pytestmark = pytest.mark.usefixtures("stopped_clock")  # Friday 3 October 2025, 10:00

#: The rows of CONTRACT.md §2 this API serves (in OpenAPI path syntax).
CONTRACT_PATHS = {
    "/api/v1/auth/token": {"post", "delete"},
    "/api/v1/units": {"get", "post"},
    "/api/v1/users": {"post"},
    "/api/v1/roles": {"get", "post"},
    "/api/v1/calendar/due": {"get"},
    "/api/v1/calendar/days": {"post"},
    "/api/v1/procedures": {"get", "post"},
    "/api/v1/procedures/{code}": {"get"},
    "/api/v1/procedures/{code}/versions/{number}/publish": {"post"},
    "/api/v1/dossiers": {"get", "post"},
    "/api/v1/dossiers/{code}": {"get"},
    "/api/v1/dossiers/{code}/supplement-request": {"post"},
    "/api/v1/dossiers/{code}/supplement": {"post"},
    "/api/v1/dossiers/{code}/refuse": {"post"},
    "/api/v1/dossiers/{code}/return": {"post"},
    "/api/v1/tasks": {"get"},
    "/api/v1/tasks/{task_id}/complete": {"post"},
    "/api/v1/public/dossiers/{code}": {"get"},
}


def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return json.loads(response.get_data(as_text=True))


def test_the_document_lists_the_contract_paths(client):
    doc = document(client)
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] and doc["info"]["version"]
    for path, methods in CONTRACT_PATHS.items():
        assert methods <= set(doc["paths"].get(path, {})), path


def test_every_api_route_is_documented_and_nothing_else(app, client):
    doc = document(client)
    served = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/")}
    assert set(doc["paths"]) == served


def test_references_resolve_and_operations_are_described(client):
    doc = document(client)
    text = json.dumps(doc)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in doc["components"]["schemas"], ref
    operation_ids = [spec["operationId"] for operations in doc["paths"].values() for spec in operations.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, operations in doc["paths"].items():
        for method, spec in operations.items():
            assert spec["summary"] and spec["responses"], (method, path)
            assert "security" in spec, (method, path)
            for parameter in re.findall(r"{(\w+)}", path):
                assert parameter in {p["name"] for p in spec["parameters"] if p["in"] == "path"}


def test_security_and_bodies_are_declared(client):
    paths = document(client)["paths"]
    assert paths["/api/v1/units"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/public/dossiers/{code}"]["get"]["security"] == []
    assert {} in paths["/api/v1/dossiers"]["post"]["security"]            # online submission needs no token
    upload = paths["/api/v1/procedures"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(upload)
    receipt = paths["/api/v1/dossiers"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert receipt == {"$ref": "#/components/schemas/Receipt"}
    assert "422" in paths["/api/v1/tasks/{task_id}/complete"]["post"]["responses"]
    assert "423" in paths["/api/v1/tasks/{task_id}/complete"]["post"]["responses"]
    query = {p["name"] for p in paths["/api/v1/dossiers"]["get"]["parameters"] if p["in"] == "query"}
    assert {"status", "unit", "late", "limit", "offset"} <= query


def test_browsable_docs_load_with_or_without_swagger_ui(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "/static/vendor/swagger-ui-dist/swagger-ui.css" in page
    assert 'href="/api/v1/openapi.json"' in page                     # readable without the UI


def test_unknown_api_urls_answer_problem_json(client):
    problem(client.get("/api/v1/nothing-here"), 404)
    problem(client.get("/api/nothing-here"), 404)
    response = client.delete("/api/v1/units")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]
