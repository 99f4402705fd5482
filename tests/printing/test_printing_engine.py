"""What is loaded once per process stays loaded; the package stands alone."""
import subprocess
import sys
from pathlib import Path

import weasyprint

from printing import FORMS, render, render_pdf, samples

ROOT = Path(__file__).resolve().parents[2]


def _refuse(*args, **kwargs):
    raise AssertionError("built again during a render")


def test_rendering_reuses_templates_stylesheet_and_fonts(monkeypatch):
    engine = render._engine()
    render_pdf("receipt", samples.receipt())
    monkeypatch.setattr(weasyprint.CSS, "__init__", _refuse)
    monkeypatch.setattr(render, "FontConfiguration", _refuse)
    monkeypatch.setattr(render, "Environment", _refuse)
    monkeypatch.setattr(engine.env.loader, "get_source", _refuse)
    for name, make in samples.SAMPLES.items():
        assert render_pdf(name, make()).startswith(b"%PDF")
    assert render._engine() is engine
    assert set(engine.templates) == set(FORMS)


def test_the_package_imports_no_flask_sqlalchemy_or_app():
    code = ("import sys, printing; from printing import samples; printing.render_pdf('receipt', samples.receipt()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'app')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
