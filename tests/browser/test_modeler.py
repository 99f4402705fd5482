"""An analyst draws a procedure in the modeler, fixes what the check finds, saves it,
tries it on a sandbox dossier, publishes it, and a dossier then runs on it: received
at the counter, first step in an officer's inbox.

The diagram's shape is built through the bpmn-js API (window.modeler); the step
properties are set by clicking, as an analyst does. Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.pages import DESKTOP, log_in, shot

pytestmark = pytest.mark.browser

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn" / "procedures"
CODE = "xac-nhan-tinh-trang-nha-o"
NAME = "Xác nhận tình trạng nhà ở (thử nghiệm)"
DOCUMENT = "Đơn đề nghị xác nhận"

#: Template → Thẩm định (with a yes/no form field) → gateway → Phê duyệt → end, or → end when rejected.
BUILD_DIAGRAM = """() => {
  const m = window.modeler, registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const moddle = m.get('moddle'), bpmnFactory = m.get('bpmnFactory');
  const check = registry.get('Task_xu_ly'), end = registry.get('EndEvent_tra_ket_qua');
  modeling.updateLabel(check, 'Thẩm định hồ sơ');
  modeling.removeElements([registry.get('Flow_ket_thuc')]);
  modeling.moveElements([end], {x: 400, y: 0});
  const shape = (type, id, name, x, y) => modeling.createShape(
    {type, businessObject: bpmnFactory.create(type, {id, name})}, {x, y}, check.parent);
  const gateway = shape('bpmn:ExclusiveGateway', 'Gateway_dat_yeu_cau', 'Đạt yêu cầu?', 425, 120);
  const approve = shape('bpmn:UserTask', 'Task_phe_duyet', 'Phê duyệt', 620, 260);
  const condition = (connection, body) => modeling.updateProperties(connection, {
    conditionExpression: moddle.create('bpmn:FormalExpression', {body})});
  modeling.connect(check, gateway);
  condition(modeling.connect(gateway, approve), 'dat_yeu_cau == True');
  modeling.connect(approve, end);
  condition(modeling.connect(gateway, end), 'dat_yeu_cau == False');
  const field = moddle.create('camunda:FormField', {id: 'dat_yeu_cau', label: 'Hồ sơ đạt yêu cầu', type: 'boolean'});
  const formData = moddle.create('camunda:FormData', {fields: [field]});
  modeling.updateProperties(check, {extensionElements: moddle.create('bpmn:ExtensionElements', {values: [formData]})});
}"""


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    """CSRF protection on, as in production: the page's calls to /api/v1 must carry its token."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def message(page) -> str:
    return page.locator("#modeler-message .alert").inner_text()


def said(page, text: str) -> None:
    """Wait until the page's message says ``text`` (a locator: the page's policy forbids eval)."""
    page.locator("#modeler-message .alert", has_text=text).wait_for()


def set_step(page, element_id: str, role: str, limit: str = "") -> None:
    """Select a user task on the canvas and fill the side form, as an analyst does."""
    page.click(f".djs-element[data-element-id='{element_id}']")
    page.wait_for_selector("#step-form:not([hidden])")
    page.select_option("#step-role", role)
    page.fill("#step-time-limit", limit)
    page.press("#step-time-limit", "Tab")  # the change event writes camunda:properties


def draw_procedure(page) -> None:
    page.goto("/thu-tuc/soan")
    page.wait_for_selector("#modeler-canvas.is-ready")
    shot(page, "20-modeler-new")
    page.fill("#f-code", CODE)
    page.fill("#f-name", NAME)
    page.fill("#f-field", "Nhà ở")
    page.fill("#f-legal_limit", "5d")
    page.get_by_role("button", name="+ Thêm giấy tờ").click()
    page.locator("#doc-rows [data-doc='name']").fill(DOCUMENT)
    page.evaluate(BUILD_DIAGRAM)
    page.get_by_role("button", name="Xem toàn bộ sơ đồ").click()
    set_step(page, "Task_xu_ly", "officer", "2d")
    set_step(page, "Task_phe_duyet", "leader")  # no time limit yet


def test_an_analyst_draws_checks_publishes_and_a_dossier_runs_on_it(open_page):
    page = open_page(DESKTOP)
    log_in(page, "phantich")
    draw_procedure(page)

    page.get_by_role("button", name="Kiểm tra").click()
    page.wait_for_selector(".djs-element.check-error[data-element-id='Task_phe_duyet']")
    assert page.locator(".djs-element.check-error[data-element-id='Task_xu_ly']").count() == 0
    assert page.locator(".check-badge-error").count() >= 1
    assert "Task_phe_duyet" in page.locator("#check-results").inner_text()
    shot(page, "21-modeler-check-error")

    page.locator(".check-item-error button").first.click()  # selects the task at fault
    page.wait_for_selector("#step-form:not([hidden])")
    assert page.input_value("#step-role") == "leader"
    page.fill("#step-time-limit", "1d")
    page.press("#step-time-limit", "Tab")
    page.get_by_role("button", name="Kiểm tra").click()
    said(page, "Sơ đồ hợp lệ")
    assert page.locator(".djs-element.check-error").count() == 0

    page.fill("#f-name", "")
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.locator("#f-name + .field-error", has_text="Cần nhập tên thủ tục.").wait_for()
    page.fill("#f-name", NAME)
    page.get_by_role("button", name="Lưu bản nháp").click()
    said(page, "Đã lưu bản nháp số 1")
    try_it(page)
    page.get_by_role("button", name="Công bố").click()
    said(page, "Đã công bố")
    assert page.url.endswith(f"/thu-tuc/{CODE}/soan")
    shot(page, "23-modeler-published")

    exported = export_bpmn(page)
    assert 'camunda:candidateGroups="leader"' in exported and 'name="timeLimit" value="1d"' in exported

    code = receive_dossier(open_page(DESKTOP))
    officer = open_page(DESKTOP)
    log_in(officer, "chuyenvien.tanhoa")
    officer.goto("/cong-viec")
    row = officer.locator("tr", has_text=code)
    assert "Thẩm định hồ sơ" in row.inner_text()
    shot(officer, "24-modeler-dossier-in-inbox")


def try_it(page) -> None:
    """A test run on the saved draft: the path taken and the due dates, step by step."""
    page.get_by_role("button", name="Chạy thử").click()
    run = page.locator("#test-run")
    run.get_by_text("Đang xử lý: Thẩm định hồ sơ").wait_for()
    assert re.search(r"hạn giải quyết \d\d/\d\d/\d{4} \d\d:\d\d", run.inner_text())
    assert page.locator(".djs-element.run-current[data-element-id='Task_xu_ly']").count() == 1
    run.get_by_label("Hồ sơ đạt yêu cầu").select_option("true")
    run.get_by_role("button", name="Hoàn thành bước").click()
    run.get_by_text("Đang xử lý: Phê duyệt").wait_for()
    assert "Thẩm định hồ sơ" in run.locator(".run-path").inner_text()
    assert page.locator(".djs-element.run-done[data-element-id='Task_xu_ly']").count() == 1
    shot(page, "22-modeler-test-run")
    run.get_by_role("button", name="Hoàn thành bước").click()
    run.get_by_text("đã đi hết quy trình").wait_for()
    assert "Phê duyệt" in run.locator(".run-path").inner_text()
    run.get_by_role("button", name="Kết thúc chạy thử").click()
    assert run.is_hidden()


def export_bpmn(page) -> str:
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất tệp .bpmn").click()
    assert download.value.suggested_filename == f"{CODE}.bpmn"
    return open(download.value.path(), encoding="utf-8").read()


def receive_dossier(page) -> str:
    log_in(page, "motcua.tanhoa")
    page.select_option("#f-procedure_code", CODE)
    page.wait_for_url(re.compile(f"procedure_code={CODE}"))
    page.fill("#f-applicant-full_name", "Lê Văn Nam")
    page.fill("#f-applicant-id_number", "037190005678")
    page.fill("#f-applicant-phone", "0912000111")
    page.fill("#f-applicant-address", "Thôn 1, xã Tân Hòa")
    page.check("input[name='documents[0].received']")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    page.wait_for_url(re.compile(r"/ho-so/"))
    return re.search(r"Đã tiếp nhận hồ sơ (\S+)\.", page.locator(".alert-success").inner_text()).group(1)


def test_an_existing_procedure_opens_with_its_steps_and_a_file_can_be_imported(open_page):
    page = open_page(DESKTOP)
    log_in(page, "phantich")
    page.goto("/thu-tuc/dang-ky-khai-sinh/soan")
    page.wait_for_selector("#modeler-canvas.is-ready")
    assert page.input_value("#f-code") == "dang-ky-khai-sinh" and page.locator("#f-code").get_attribute("readonly") is not None
    assert page.locator("#doc-rows .doc-row").count() >= 3
    page.click(".djs-element[data-element-id='Task_kiem_tra_ho_so']")
    assert page.input_value("#step-role") == "civil_status_officer"
    assert page.input_value("#step-time-limit") == "3h"
    panel = page.locator("#modeler-panel")  # the Camunda panel: Forms → Generated Task Forms → Form fields
    panel.get_by_text("Forms", exact=True).click()
    assert panel.locator("select").first.input_value() == "formData"
    panel.get_by_text("Form fields", exact=True).click()
    panel.get_by_text("ho_ten_tre", exact=True).wait_for()
    shot(page, "25-modeler-existing-forms")

    page.set_input_files("input[data-action='import']", str(BPMN_DIR / "chung-thuc-ban-sao.bpmn"))
    page.wait_for_selector(".djs-element[data-element-id='Task_ky_chung_thuc']")
    assert "Đã nhập tệp chung-thuc-ban-sao.bpmn" in message(page)
