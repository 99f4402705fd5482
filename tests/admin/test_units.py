"""Units as a tree: created, renamed, re-coded and moved from the page, never under themselves."""
from __future__ import annotations

import re

from app.auth.services import get_unit
from tests.admin.conftest import field_error, flashed, text

NEW_UNIT = {"code": "XA-MOI", "name": "UBND xã Mới", "kind": "commune", "parent_code": "TINH-HB",
            "agency_code": "000.00.16.H37"}


def test_the_tree_shows_each_unit_under_its_parent(admin):
    page = text(admin.get("/quan-tri/don-vi"))
    # the police of Tân Hòa sits inside the open branch of Tân Hòa, which sits inside the province's
    province = page.index("UBND tỉnh Hòa Bình (demo)</a>")
    commune = page.index("UBND xã Tân Hòa (demo)</a>")
    police = page.index("Công an xã Tân Hòa (demo)</a>")
    assert province < commune < police
    branch = page[page.rindex("<details open>", 0, commune):police]
    assert branch.count("<ul class=\"unit-tree\">") == 1 and "</details>" not in branch
    assert re.search(r"XA-TAN-HOA</span>\s*<span class=\"tag\">commune</span>\s*<span class=\"muted\">Mã định danh 000.00.12.H37",
                     page)


def test_a_unit_is_created_under_its_parent(admin):
    done = admin.post("/quan-tri/don-vi", data=NEW_UNIT)
    assert done.status_code == 302 and done.location.endswith("/quan-tri/don-vi")
    unit = get_unit("XA-MOI")
    assert (unit.name, unit.kind, unit.parent.code, unit.agency_code) == (
        "UBND xã Mới", "commune", "TINH-HB", "000.00.16.H37")
    assert flashed(admin.get("/quan-tri/don-vi")) == ["Đã tạo đơn vị UBND xã Mới (XA-MOI)."]


def test_a_taken_agency_code_is_refused_beside_its_field_with_the_values_kept(admin):
    page = admin.post("/quan-tri/don-vi", data={**NEW_UNIT, "agency_code": "000.00.12.H37"})
    assert page.status_code == 409
    assert field_error(page, "agency_code") == \
        "Mã định danh 000.00.12.H37 đã là của đơn vị UBND xã Tân Hòa (demo) (XA-TAN-HOA)."
    assert 'value="UBND xã Mới"' in text(page)


def test_bad_units_are_refused_naming_their_fields(admin):
    taken = admin.post("/quan-tri/don-vi", data={**NEW_UNIT, "code": "XA-TAN-HOA"})
    assert taken.status_code == 409 and field_error(taken, "code") == "Mã đơn vị 'XA-TAN-HOA' đã được dùng."
    bad = admin.post("/quan-tri/don-vi", data={**NEW_UNIT, "agency_code": "12-H37", "kind": "Xã", "name": " "})
    assert bad.status_code == 422
    assert field_error(bad, "agency_code") == "Mã định danh cơ quan có dạng 000.00.12.H29."
    assert field_error(bad, "kind") and field_error(bad, "name")
    nowhere = admin.post("/quan-tri/don-vi", data={**NEW_UNIT, "parent_code": "KHONG-CO"})
    assert nowhere.status_code == 422 and "KHONG-CO" in field_error(nowhere, "parent_code")
    too_long = admin.post("/quan-tri/don-vi", data={**NEW_UNIT, "name": "x" * 256})
    assert too_long.status_code == 422 and field_error(too_long, "name")


def test_a_unit_is_renamed_re_coded_and_moved(admin):
    done = admin.post("/quan-tri/don-vi/CA-TAN-HOA", data={
        "name": "Công an xã Tân Hòa mới", "kind": "police", "agency_code": "000.00.17.H37", "parent_code": "XA-BINH-AN"})
    assert done.status_code == 302
    unit = get_unit("CA-TAN-HOA")
    assert (unit.name, unit.agency_code, unit.parent.code) == ("Công an xã Tân Hòa mới", "000.00.17.H37", "XA-BINH-AN")


def test_keeping_its_own_agency_code_is_no_conflict(admin):
    done = admin.post("/quan-tri/don-vi/XA-TAN-HOA", data={
        "name": "UBND xã Tân Hòa", "kind": "commune", "agency_code": "000.00.12.H37", "parent_code": "TINH-HB"})
    assert done.status_code == 302 and get_unit("XA-TAN-HOA").name == "UBND xã Tân Hòa"


def test_a_unit_moved_under_its_own_child_is_refused_naming_the_parent(admin):
    form = {"name": "UBND xã Tân Hòa (demo)", "kind": "commune", "agency_code": "000.00.12.H37"}
    page = admin.post("/quan-tri/don-vi/XA-TAN-HOA", data={**form, "parent_code": "CA-TAN-HOA"})
    assert page.status_code == 422
    assert field_error(page, "parent_code") == ("Không thể chuyển UBND xã Tân Hòa (demo) vào Công an xã Tân Hòa (demo) "
                                                "(CA-TAN-HOA): đó là chính đơn vị này hoặc một đơn vị cấp dưới của nó.")
    itself = admin.post("/quan-tri/don-vi/XA-TAN-HOA", data={**form, "parent_code": "XA-TAN-HOA"})
    assert itself.status_code == 422 and field_error(itself, "parent_code")
    assert get_unit("XA-TAN-HOA").parent.code == "TINH-HB"
    # the province cannot go under a commune two levels down either
    deep = admin.post("/quan-tri/don-vi/TINH-HB", data={"name": "UBND tỉnh", "kind": "province", "parent_code": "CA-BINH-AN"})
    assert deep.status_code == 422 and get_unit("TINH-HB").parent is None


def test_the_edit_page_offers_no_parent_below_the_unit(admin):
    page = text(admin.get("/quan-tri/don-vi/XA-TAN-HOA"))
    assert 'value="CA-BINH-AN"' in page and 'value="CA-TAN-HOA"' not in page and 'value="XA-TAN-HOA"' not in page


def test_an_unknown_unit_is_a_404_page(admin):
    page = admin.get("/quan-tri/don-vi/KHONG-CO")
    assert page.status_code == 404 and "Không tìm thấy đơn vị 'KHONG-CO'." in text(page)
