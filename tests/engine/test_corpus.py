"""Third-party-style diagrams (tests/engine/corpus): each passes the real upload
check and runs to its end through the REST API, or is refused at upload with a
Vietnamese 422 naming the element and its line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.engine.corpus.expected import ACTORS, DATA, PAYLOADS, REFUSED, RUNS, case_of
from tests.support.api import dossier, ok, problem, receive
from tests.support.procedures import CATALOGUE

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.bpmn"))
#: completions allowed per diagram before the test calls it a loop
MAX_STEPS = 400
#: what Python or SpiffWorkflow would say, never shown to a user
ENGLISH = re.compile(r"Error|Exception|Traceback|argument|not found|Did you mean|recursion", re.I)


def upload(api, path: Path):
    code = path.stem
    return api.post("/procedures", "phantich", json={**CATALOGUE, "code": code, "legal_limit": "90d",
                                                      "bpmn_xml": path.read_text(encoding="utf-8"), "forms": {}})


def test_the_corpus_has_both_dialects_with_and_without_interchange():
    stems = [p.stem for p in CORPUS]
    assert len(stems) >= 40
    assert {case_of(s) for s in stems} == RUNS | set(REFUSED)
    for prefix in ("camunda-", "spiff-"):
        assert any(s.startswith(prefix) and s.endswith("-di") for s in stems)
        assert any(s.startswith(prefix) and not s.endswith("-di") for s in stems)


@pytest.mark.parametrize("path", [p for p in CORPUS if case_of(p.stem) in RUNS], ids=lambda p: p.stem)
def test_runs_to_its_end(api, demo, path):
    ok(upload(api, path), 201)
    ok(api.post(f"/procedures/{path.stem}/versions/1/publish", "phantich"))
    code = receive(api, path.stem)["code"]
    for _ in range(MAX_STEPS):
        state = dossier(api, code)
        if not state["open_tasks"] and not deliver_awaited(api, code):
            break
        if state["open_tasks"]:
            task = state["open_tasks"][0]
            ok(api.post(f"/tasks/{task['id']}/complete", ACTORS[task["role"]],
                        json={"data": DATA.get(task["element_id"], {})}))
    else:
        pytest.fail(f"{path.stem}: still open after {MAX_STEPS} steps")
    assert state["status"] == "ready_for_return", state


def deliver_awaited(api, code: str) -> bool:
    """Deliver the first message the dossier waits for, as another agency's system would."""
    waits = [t for t in ok(api.get(f"/dossiers/{code}/tasks", "chuyenvien.tanhoa")) if t["state"] == "waiting"]
    if waits:
        ok(api.post(f"/dossiers/{code}/messages/{waits[0]['data']['message']}", "chuyenvien.tanhoa",
                    json={"payload": PAYLOADS.get(waits[0]["element_id"], {})}))
    return bool(waits)


@pytest.mark.parametrize("path", [p for p in CORPUS if case_of(p.stem) in REFUSED], ids=lambda p: p.stem)
def test_is_refused_naming_the_element(api, demo, path):
    body = problem(upload(api, path), 422)
    element = REFUSED[case_of(path.stem)]
    named = [e for e in body["errors"] if e["element_id"] == element]
    assert named and named[0]["line"], body["errors"]
    texts = [body["detail"], *(e["message"] for e in body["errors"])]
    assert not any(ENGLISH.search(text) for text in texts), texts
    assert all(p["code"] != path.stem for p in ok(api.get("/procedures", "phantich")))
