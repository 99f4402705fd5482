"""Dossiers brought to where fees are taken and results handed back, through the API as clients do."""
from __future__ import annotations

from tests.support.api import complete, dossier, receive

#: a certified copy: a fee (2.000 đ in the catalogue), two steps at Tân Hòa (officer, leader)
CERTIFIED_COPY = "chung-thuc-ban-sao"
CHECKED = {"ten_giay_to": "Bằng tốt nghiệp", "so_trang": 2, "so_ban_sao": 3, "du_dieu_kien_chung_thuc": True}
SIGNED = {"so_chung_thuc": "125/2025-SCT/BS", "ngay_chung_thuc": "2025-10-03"}


def ready_for_return(api, **body) -> dict:
    """A certified copy received at Tân Hòa's counter and done: its result waits for the citizen."""
    receipt = receive(api, CERTIFIED_COPY, **body)
    complete(api, receipt["code"], "Task_kiem_tra_doi_chieu", "chuyenvien.tanhoa", CHECKED)
    complete(api, receipt["code"], "Task_ky_chung_thuc", "lanhdao.tanhoa", SIGNED)
    assert dossier(api, receipt["code"])["status"] == "ready_for_return"
    return receipt
