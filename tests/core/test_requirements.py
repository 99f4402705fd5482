"""Every library the product imports is pinned in ``requirements.lock``, the file a server installs
alone: a module that only the test pins bring in works here and fails to start in production."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("app", "scheduler", "printing", "migrations", "wsgi.py")
LOCAL = {"app", "scheduler", "printing", "migrations", "wsgi"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> set[str]:
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    return {_canonical(line.split("==")[0]) for line in lines if re.match(r"^[A-Za-z0-9]", line)}


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _product_imports() -> dict[str, set[str]]:
    """Top-level module → the product files importing it, outside the standard library and the product."""
    found: dict[str, set[str]] = {}
    for part in PRODUCT:
        target = ROOT / part
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            for name in _imported(path) - LOCAL - set(sys.stdlib_module_names):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _missing(locked: set[str]) -> dict[str, set[str]]:
    distributions = packages_distributions()
    return {name: files for name, files in _product_imports().items()
            if not any(_canonical(dist) in locked for dist in distributions.get(name, [name]))}


def test_every_library_the_product_imports_is_in_the_production_lock():
    missing = _missing(_locked())
    assert missing == {}, f"imported by the product but not pinned in requirements.lock: {missing}"


def test_the_check_names_a_library_whose_pin_is_gone():
    """requests (the outbox's HTTP channels) without its pin: named, with the file importing it."""
    missing = _missing(_locked() - {"requests"})
    assert set(missing) == {"requests"} and "app/notifications/channels.py" in missing["requests"]
