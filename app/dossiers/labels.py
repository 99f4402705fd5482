"""What each line of a dossier's audit trail is called, in the words staff read (the dossier page,
the audit trail of the administration); pure, so that any page may show a trail."""
from __future__ import annotations

EVENT_LABELS = {
    "received": "Tiếp nhận hồ sơ", "task_completed": "Hoàn thành bước",
    "supplement_requested": "Yêu cầu bổ sung hồ sơ", "supplement_received": "Nhận giấy tờ bổ sung",
    "refused": "Từ chối hồ sơ", "ready_for_return": "Giải quyết xong, chờ trả kết quả", "returned": "Trả kết quả",
    "submitted": "Công dân nộp hồ sơ trực tuyến", "accepted": "Tiếp nhận hồ sơ nộp trực tuyến",
    "payment_recorded": "Thu phí, lệ phí", "uncollected_reminder": "Nhắc công dân đến nhận kết quả",
    "result_attached": "Đính kèm kết quả điện tử", "files_scanned": "Số hóa (quét) giấy tờ",
    "rated": "Công dân đánh giá mức độ hài lòng", "step_late": "Bước xử lý quá hạn",
    "escalated": "Chuyển xử lý hồ sơ quá hạn", "delay_explained": "Giải trình lý do chậm",
    "apology_signed": "Lãnh đạo ký thư xin lỗi", "early_apology": "Đề nghị xin lỗi trước hạn",
    "early_apology_signed": "Lãnh đạo ký thư xin lỗi (trước hạn)", "letter_rejected": "Lãnh đạo trả lại thư xin lỗi",
    "step_reappointed": "Hẹn lại hạn của bước", "head_decided": "Lãnh đạo Trung tâm quyết định",
    "message_received": "Nhận kết quả liên thông",
}
