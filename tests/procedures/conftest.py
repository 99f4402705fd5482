"""The procedures' own fixtures: a draft of ``cap-trich-luc``, the analyst in the
modeler, and the diagram a new procedure starts from."""
from __future__ import annotations

import pytest
from flask import render_template

from tests.support.api import ok
from tests.support.procedures import upload


@pytest.fixture
def draft(api, demo) -> dict:
    """Version 1 of cap-trich-luc, a draft."""
    return ok(upload(api), 201)


@pytest.fixture
def analyst(login):
    """The test client signed in as the demo analyst."""
    return login("phantich")


@pytest.fixture
def new_diagram(app) -> str:
    """The diagram a new procedure starts from: start → Task_xu_ly → end, no role nor time limit."""
    with app.test_request_context():
        return render_template("procedures/new-diagram.bpmn")
