"""Reading the printed PDFs back with poppler and zbar, as a person or a scanner would.

Tests that need a binary skip with the reason when it is missing; nothing
else is ever skipped.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

A5 = (419.53, 595.28)
A4_LANDSCAPE = (841.89, 595.28)


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (poppler-utils / zbar-tools)")
    return path


def _write(pdf: bytes, tmp_path: Path, name: str = "form.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_info(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    out = subprocess.run([need("pdfinfo"), _write(pdf, tmp_path)], capture_output=True, text=True,
                         check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def page_size(pdf: bytes, tmp_path: Path) -> tuple[float, float]:
    width, height = re.match(r"\s*([\d.]+) x ([\d.]+) pts", pdf_info(pdf, tmp_path)["Page size"]).groups()
    return float(width), float(height)


def page_count(pdf: bytes, tmp_path: Path) -> int:
    return int(pdf_info(pdf, tmp_path)["Pages"])


def pdf_text(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    """The text in drawing order (``pdftotext -raw``), UTF-8, exactly as extracted."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run([need("pdftotext"), "-raw", "-enc", "UTF-8", *pages, _write(pdf, tmp_path), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace collapsed, so that a value wrapped over lines still reads as one."""
    return " ".join(text.split())


def word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, str]]:
    """(xMin, xMax, word) of every word, from ``pdftotext -bbox``."""
    html = subprocess.run([need("pdftotext"), "-bbox", "-enc", "UTF-8", _write(pdf, tmp_path), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    return [(float(x0), float(x1), word) for x0, x1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', html)]


def scanned_codes(pdf: bytes, tmp_path: Path, dpi: int = 200) -> dict[str, str]:
    """Symbols found by zbarimg on page 1 rasterised at ``dpi``: {type: data}."""
    pdftoppm, zbarimg = need("pdftoppm"), need("zbarimg")
    pdf_path = _write(pdf, tmp_path)
    subprocess.run([pdftoppm, "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", pdf_path,
                    tmp_path / "page"], check=True)
    out = subprocess.run([zbarimg, "--quiet", tmp_path / "page.png"], capture_output=True)
    found = {}
    for line in out.stdout.decode("utf-8").splitlines():
        kind, _, data = line.partition(":")
        found[kind] = data
    return found
