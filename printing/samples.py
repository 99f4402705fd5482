"""Realistic sample data for every form: for the benchmark, previews and demos.

``python -m printing.samples OUTDIR`` writes one PDF per form into OUTDIR.
"""
from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from . import models as M
from .codes import lookup_url

UTC = timezone.utc
#: the zone the samples are given in, and printed in
VIETNAM_TIME = timezone(timedelta(hours=7))
CODE = "000.00.12.H29-260305-0042"
BASE_URL = "https://dichvucong.hoabinh.gov.vn"
SECRET = "Xk3p9QzT"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 given in Vietnam time, stored as UTC like the app does."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM_TIME).astimezone(UTC)


def issuer() -> M.Issuer:
    return M.Issuer("Bộ phận Một cửa UBND huyện Lạc Sơn", "UBND tỉnh Hòa Bình", "Hòa Bình")


def dossier(code: str = CODE) -> dict:
    """The fields every dossier form shares."""
    return dict(
        issuer=issuer(), issued_at=_at(5, 8, 30), dossier_code=code,
        lookup_url=lookup_url(BASE_URL, code, SECRET),
        applicant=M.Applicant(
            "Nguyễn Thị Ánh Tuyết", "Số 12, đường Trần Hưng Đạo, phường Đồng Tiến, TP. Hòa Bình",
            "0912 345 678", "tuyet.nguyen@example.vn", "017186000123"),
        procedure_name="Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền "
                       "của Việt Nam cấp")


RECEIVER = M.Person("Đặng Hữu Phước", "Công chức Bộ phận Một cửa")


def receipt(documents: int = 3) -> M.Receipt:
    names = ["Bản chính Căn cước công dân", "Giấy khai sinh", "Sổ hộ khẩu",
             "Giấy chứng nhận quyền sử dụng đất", "Hợp đồng ủy quyền"]
    return M.Receipt(
        **dossier(), number="42/TNHS",
        documents=[(f"{names[i % len(names)]}", 1 + i % 3) for i in range(documents)],
        legal_deadline="Trong ngày làm việc (nếu nộp sau 15 giờ thì trả vào ngày làm việc tiếp theo)",
        received_at=_at(5, 8, 30), due_at=_at(5, 16), return_place="Bộ phận Một cửa UBND huyện Lạc Sơn",
        receiver=RECEIVER, register_book="01", register_entry="42", copy_label="1 (giao người nộp hồ sơ)")


def supplement() -> M.Supplement:
    return M.Supplement(
        **dossier(), number="07/YCBS",
        requirements=["Bản sao Giấy khai sinh có chứng thực", "Tờ khai theo mẫu, ghi đầy đủ ngày tháng năm sinh"],
        reason="Hồ sơ còn thiếu giấy tờ theo quy định", contact_phone="0218 3852 123", officer=RECEIVER)


def refusal() -> M.Refusal:
    return M.Refusal(
        **dossier(), number="03/TC", received_at=_at(5, 8, 30), receiver=RECEIVER,
        reason="Thủ tục không thuộc thẩm quyền giải quyết của UBND huyện Lạc Sơn")


def apology() -> M.Apology:
    return M.Apology(
        **dossier(), number="05/PXL", received_at=_at(5, 8, 30), due_at=_at(10, 16), new_due_at=_at(12, 16),
        reason="Phòng Tài nguyên và Môi trường chậm thẩm định do cán bộ thụ lý ốm đột xuất.",
        responsible_unit="Phòng Tài nguyên và Môi trường huyện Lạc Sơn",
        signer=M.Person("Lê Văn Hùng", "Phó Chủ tịch", "KT. Chủ tịch"))


def control_slip(steps: int = 3) -> M.ControlSlip:
    units = ["Bộ phận Một cửa", "Phòng Tư pháp", "Lãnh đạo UBND huyện"]
    people = ["Đặng Hữu Phước", "Trần Thị Mỹ", "Lê Văn Hùng"]
    results = ["early", "on_time", "late"]
    return M.ControlSlip(
        **dossier(), receipt_number="42/TNHS", handling_unit="Phòng Tư pháp huyện Lạc Sơn",
        coordinating_units="Công an huyện Lạc Sơn; Bảo hiểm xã hội huyện Lạc Sơn",
        steps=[M.Step(units[i % 3], people[i % 3], _at(5 + i // 4, 8 + i % 4), people[(i + 1) % 3],
                      _at(5 + i // 4, 9 + i % 4), results[i % 3], "Chậm 1 ngày" if i % 3 == 2 else "")
               for i in range(steps)])


def register(rows: int = 40) -> M.Register:
    return M.Register(
        issuer=issuer(), issued_at=_at(31, 17), period_from=date(2026, 3, 1), period_to=date(2026, 3, 31),
        rows=[M.RegisterRow(
            f"000.00.12.H29-2603{1 + i % 28:02d}-{i + 1:04d}", "Chứng thực bản sao từ bản chính", 1 + i % 2,
            "Nguyễn Thị Ánh Tuyết" if i % 2 else "Đặng Hữu Phước", "Xã Tân Lập, 0912 345 678",
            "Phòng Tư pháp", _at(1 + i % 28, 8), _at(1 + i % 28, 16), _at(1 + i % 28, 9),
            _at(1 + i % 28, 14), _at(1 + i % 28, 15) if i % 3 else None, "Trả trước hạn" if i % 5 == 0 else "")
            for i in range(rows)])


def fee_receipt() -> M.FeeReceipt:
    return M.FeeReceipt(
        **dossier(), number="0000123", form_code="01BLP0-001", series="AA-26P", tax_code="5400123456",
        items=[M.FeeItem("Chứng thực bản sao: 2 trang đầu", 4000),
               M.FeeItem("Chứng thực bản sao: 24 trang tiếp theo", 24000),
               M.FeeItem("Chứng thực chữ ký", 24000)],
        collector=RECEIVER)


SAMPLES = {"receipt": receipt, "supplement": supplement, "refusal": refusal, "apology": apology,
           "control-slip": control_slip, "register": register, "fee-receipt": fee_receipt}


def main(outdir: str) -> None:
    from .render import render_pdf

    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in SAMPLES.items():
        (folder / f"{name}.pdf").write_bytes(render_pdf(name, make(), VIETNAM_TIME))
        print(folder / f"{name}.pdf")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
