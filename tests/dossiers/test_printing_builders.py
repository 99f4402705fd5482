"""The pieces the forms take from the unit tree and the procedure."""
from __future__ import annotations

import pytest

from app.auth.models import Unit
from app.dossiers.forms_print import issuer_of, legal_deadline_text, place_name
from printing import models as M

pytestmark = pytest.mark.unit


def chain(*units: tuple[str, str]) -> Unit:
    """Units from the root down, each the parent of the next; the last one."""
    parent = None
    for name, kind in units:
        parent = Unit(name=name, kind=kind, parent=parent)
    return parent


@pytest.mark.parametrize("province, place", [
    ("UBND tỉnh Hòa Bình (demo)", "Hòa Bình"), ("Tỉnh Bắc Ninh", "Bắc Ninh"), ("UBND thành phố Hà Nội", "Hà Nội"),
    ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"), ("Ủy ban nhân dân tỉnh Tiền Giang", "Tiền Giang"),
    ("Lâm Đồng", "Lâm Đồng"),
])
def test_the_place_is_the_nearest_province_without_its_title(province, place):
    commune = chain((province, "province"), ("UBND huyện Lạc Sơn", "district"), ("UBND xã Tân Lập", "commune"))
    assert place_name(commune) == place
    assert issuer_of(commune) == M.Issuer("UBND xã Tân Lập", "UBND huyện Lạc Sơn", place)


def test_the_nearest_province_counts_and_none_leaves_the_place_blank():
    assert place_name(chain(("Cả nước", "country"), ("UBND tỉnh A", "province"), ("UBND tỉnh B", "province"))) == "B"
    assert place_name(chain(("Bộ Tư pháp", "ministry"), ("Cục Hộ tịch", "department"))) == ""
    assert issuer_of(chain(("Bộ Tư pháp", "ministry"))).parent_name == ""


@pytest.mark.parametrize("limit, text", [("3d", "03 ngày làm việc"), ("4h", "04 giờ làm việc"), ("0d", "Trong ngày"),
                                         ("15d", "15 ngày làm việc"), ("0.5d", "0,5 ngày làm việc")])
def test_legal_deadlines_as_the_forms_write_them(limit, text):
    assert legal_deadline_text(limit) == text
