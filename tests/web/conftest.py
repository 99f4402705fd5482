"""Helpers for the web UI tests: signing in and receiving a dossier at the counter."""
from __future__ import annotations

import re

import pytest

from tests.web.data import BIRTH_FORM, PASSWORD


@pytest.fixture
def login(client, demo):
    """Sign ``username`` in on the shared test client (signing out whoever was in)."""

    def sign_in(username: str):
        client.post("/dang-xuat")
        response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return sign_in


@pytest.fixture
def receive(client, login):
    """Receive a birth registration at Tân Hòa's counter; return its dossier code."""

    def received(**changes) -> str:
        login("motcua.tanhoa")
        response = client.post("/tiep-nhan", data={**BIRTH_FORM, **changes})
        assert response.status_code == 302, response.text
        return response.location.rsplit("/", 1)[1]

    return received


@pytest.fixture
def open_task(client, login):
    """Sign ``username`` in and return the id of the first task in their inbox."""

    def first(username: str) -> int:
        login(username)
        inbox = client.get("/cong-viec").text
        return int(re.search(r'href="/cong-viec/(\d+)"', inbox).group(1))

    return first
