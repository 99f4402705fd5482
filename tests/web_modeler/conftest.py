"""The modeler's JSON routes through the test client, signed in as the demo analyst."""
from __future__ import annotations

import pytest
from flask import render_template

from tests.web.data import PASSWORD


@pytest.fixture
def sign_in(client, demo):
    def signed_in(username: str):
        response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return signed_in


@pytest.fixture
def analyst(sign_in):
    return sign_in("phantich")


@pytest.fixture
def new_diagram(app) -> str:
    """The diagram a new procedure starts from: start → Task_xu_ly → end, no role nor time limit."""
    with app.test_request_context():
        return render_template("procedures/new-diagram.bpmn")


def with_step(xml: str, role: str = "officer", limit: str | None = "2d") -> str:
    """The template's task given a role and, unless None, a time limit."""
    extension = ("<bpmn:extensionElements><camunda:properties>"
                 f'<camunda:property name="timeLimit" value="{limit}" />'
                 "</camunda:properties></bpmn:extensionElements>") if limit else ""
    return xml.replace('<bpmn:userTask id="Task_xu_ly" name="Xử lý hồ sơ">',
                       f'<bpmn:userTask id="Task_xu_ly" name="Xử lý hồ sơ" camunda:candidateGroups="{role}">'
                       + extension)
