"""The cycle finder of ``make check`` finds cycles, imports inside functions included."""
import sys

import pytest

from tests.support.import_cycles import import_graph, main, shortest_cycle, tangles

pytestmark = pytest.mark.unit


@pytest.fixture
def package(tmp_path, monkeypatch):
    """``knot``: a → b at load time, b → a inside a function, c on its own."""
    folder = tmp_path / "knot"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "a.py").write_text("from knot import b\n")
    (folder / "b.py").write_text("def late():\n    from knot.a import b\n")
    (folder / "c.py").write_text("import knot.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "knot"
    for name in [name for name in sys.modules if name == "knot" or name.startswith("knot.")]:
        del sys.modules[name]


def test_an_import_inside_a_function_closes_a_cycle(package):
    graph = import_graph(package)
    assert tangles(graph) == [["knot.a", "knot.b"]]
    assert shortest_cycle(graph, ["knot.a", "knot.b"]) == ["knot.a", "knot.b", "knot.a"]


def test_the_longest_cycle_is_named_in_order():
    graph = {"m.x": {"m.y"}, "m.y": {"m.z"}, "m.z": {"m.x", "m.w"}, "m.w": set()}
    assert tangles(graph) == [["m.x", "m.y", "m.z"]]
    assert shortest_cycle(graph, ["m.x", "m.y", "m.z"]) == ["m.x", "m.y", "m.z", "m.x"]


def test_the_command_fails_naming_the_cycle(package, capsys):
    assert main(package) == 1
    assert "knot.a -> knot.b -> knot.a" in capsys.readouterr().out
