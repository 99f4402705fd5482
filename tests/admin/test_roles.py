"""Roles: listed with how many accounts hold each, and added from the page."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import Role
from app.db import session
from tests.admin.conftest import field_error, flashed, text


def holders(page) -> dict[str, int]:
    rows = re.findall(r'<td class="code">([a-z_]+)</td>\s*<td>[^<]*</td>\s*<td><a [^>]*>(\d+) người dùng</a>', text(page))
    return {code: int(count) for code, count in rows}


def test_each_role_shows_how_many_hold_it(admin):
    counts = holders(admin.get("/quan-tri/vai-tro"))
    assert counts["leader"] == 2 and counts["receptionist"] == 2 and counts["admin"] == 1
    assert counts["police_officer"] == 2 and counts["insurance_officer"] == 1
    admin.post("/quan-tri/nguoi-dung/hotich.tanhoa", data={
        "full_name": "Đỗ Thị Hộ Tịch", "unit_code": "XA-TAN-HOA", "roles": ["civil_status_officer", "leader"]})
    assert holders(admin.get("/quan-tri/vai-tro"))["leader"] == 3


def test_a_role_is_added(admin):
    done = admin.post("/quan-tri/vai-tro", data={"code": "land_officer", "name": "Công chức địa chính"})
    assert done.status_code == 302
    assert "Đã thêm vai trò Công chức địa chính (land_officer)." in flashed(admin.get(done.location))
    assert session.scalar(select(Role.name).where(Role.code == "land_officer")) == "Công chức địa chính"
    assert holders(admin.get("/quan-tri/vai-tro"))["land_officer"] == 0


def test_bad_roles_are_refused_beside_the_field(admin):
    taken = admin.post("/quan-tri/vai-tro", data={"code": "leader", "name": "Lãnh đạo 2"})
    assert taken.status_code == 409 and field_error(taken, "code") == "Mã vai trò 'leader' đã được dùng."
    assert 'value="Lãnh đạo 2"' in text(taken)
    bad = admin.post("/quan-tri/vai-tro", data={"code": "Lãnh đạo", "name": "x"})
    assert bad.status_code == 422
    assert field_error(bad, "code") == "Mã vai trò là chữ thường, số và dấu _, ví dụ: civil_status_officer."
    long = admin.post("/quan-tri/vai-tro", data={"code": "dai", "name": "x" * 256})
    assert long.status_code == 422 and field_error(long, "name")
