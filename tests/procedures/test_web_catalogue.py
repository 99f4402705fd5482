"""The public catalogue of procedures and the npm assets it serves."""
from __future__ import annotations


def test_the_catalogue_lists_published_procedures(client, demo):
    page = client.get("/thu-tuc").text
    assert "Đăng ký khai sinh" in page and "Chứng thực bản sao từ bản chính" in page
    assert "2.000 đ" in page and "Trong ngày" in page


def test_a_procedure_shows_documents_steps_and_diagram(client, demo):
    page = client.get("/thu-tuc/dang-ky-khai-sinh").text
    assert "Giấy chứng sinh" in page and "Miễn phí" in page
    assert "Xem xét, ký Giấy khai sinh" in page and "2 giờ làm việc" in page
    assert "Công chức tư pháp - hộ tịch" in page and "Đơn vị tiếp nhận hồ sơ" in page
    assert client.get("/thu-tuc/dang-ky-khai-sinh/so-do.bpmn").data.startswith(b"<?xml")


def test_an_unknown_procedure_is_not_found(client, demo):
    response = client.get("/thu-tuc/khong-co")
    assert response.status_code == 404 and "Không tìm thấy thủ tục" in response.text


def test_vendor_assets_come_from_allowed_packages_only(client):
    assert client.get("/static/vendor/bpmn-js/dist/assets/diagram-js.css").status_code == 200
    assert client.get("/static/vendor/swagger-ui-dist/swagger-ui.css").status_code == 200
    assert client.get("/static/vendor/preact/package.json").status_code == 404
    assert client.get("/static/vendor/bpmn-js/../preact/package.json").status_code == 404
