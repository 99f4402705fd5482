"""Fixtures for the signing tests: a real PKI and letters, no mocks.

Everything is made once per session in a temporary directory (the PEM files
are left there to inspect with openssl or pdfsig when a test fails).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.signing.pki import Pki, build_pki, render_letter, sign_as


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="session")
def pki(pki_dir) -> Pki:
    return build_pki(pki_dir)


@pytest.fixture(scope="session")
def issued() -> bytes:
    return render_letter(
        "<h1>Thư xin lỗi</h1><p>Kính gửi ông Trần Văn Bình,</p>"
        "<p>Hồ sơ 000.00.19.H26-250305-0001 của ông bị trễ hạn. Chúng tôi xin lỗi "
        "và hẹn trả kết quả vào ngày 12/03/2025.</p>"
    )


@pytest.fixture(scope="session")
def signed(issued, pki) -> bytes:
    """The issued letter signed in the product by the allowed leader."""
    return sign_as(pki.leader, issued)


