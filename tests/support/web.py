"""Form data the web tests post, and the demo password they sign in with."""

PASSWORD = "demo12345"
BIRTH = "dang-ky-khai-sinh"
#: The form of the counter for a complete birth registration (the three required documents).
BIRTH_FORM = {
    "procedure_code": BIRTH, "action": "receive",
    "applicant.full_name": "Trần Thị Mai", "applicant.id_number": "037190001234",
    "applicant.phone": "0912345678", "applicant.email": "mai@example.vn", "applicant.address": "Thôn 2, xã Tân Hòa",
    **{f"documents[{i}].received": "1" for i in range(3)},
    **{f"documents[{i}].copies": "1" for i in range(5)},
}
#: What the civil-status officer records in the first step of a birth registration.
BIRTH_CHECK = {"ho_ten_tre": "Trần Minh An", "ngay_sinh_tre": "2025-08-01", "gioi_tinh_tre": "nam",
               "noi_sinh": "Trạm y tế xã Tân Hòa", "dan_toc": "Kinh"}
