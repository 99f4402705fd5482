"""What the browser tests share: where screenshots go, the two screens, signing in, and the checks of a page."""
from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, username: str) -> None:
    page.goto("/dang-nhap")
    page.fill("#f-username", username)
    page.fill("#f-password", "demo12345")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("text=Xin chào")
    page.wait_for_load_state("load")  # app.js has wired the page up


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
