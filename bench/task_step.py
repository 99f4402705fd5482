"""Benchmark: the cost of completing one task, engine alone versus the product.

The procedure is bench/fixtures/tham-dinh-lap.bpmn: appraisal and signature,
sent back for re-appraisal until the leader approves (a loop in the diagram).

(a) SpiffWorkflow alone: restore a workflow from JSON, complete its first user
    task, serialize it again (the library's own serializer, as a plain Spiff
    app does), measured in blocks spread over the run (see EngineAlone);
(b) the product: POST /api/v1/tasks/{id}/complete through the Flask test client
    on an SQLite file database, at the 1st and at the 50th step of dossiers
    that go round the loop;
(c) the same over real HTTP against one local server.

Prints medians and p99s; the last line is one JSON object.
Run: .venv/bin/python bench/task_step.py [--dossiers N]
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROCEDURE = ROOT / "bench" / "fixtures" / "tham-dinh-lap.bpmn"
PROCESS_ID = "Process_tham_dinh_lap"
STEPS = 50
#: form data per step; the leader sends the dossier back until the last step
FORM_DATA = {
    "Task_phan_cong": {"so_to_trinh": "15/TTr-UBND", "muc_do": "thuong"},
    "Task_tham_dinh": {"ket_qua_tham_dinh": "dat", "can_y_kien": False, "so_trang": 12,
                       "noi_dung_tham_dinh": "Hồ sơ đầy đủ, đúng quy định."},
    "Task_trinh_ky": {"duyet": False, "y_kien_lanh_dao": "Đề nghị thẩm định lại."},
    "Task_phat_hanh": {"so_van_ban": "123/QĐ-UBND"},
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p99_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


class EngineAlone:
    """Restore + complete + serialize with SpiffWorkflow's own API only.

    Measured in blocks of back-to-back rounds, one block after each dossier,
    so that the baseline is taken across the whole run (a machine that gets
    busier slows both alike) yet at its best, with warm caches: the first
    round of a block is not counted.
    """

    BLOCK = 12

    def __init__(self):
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState

        self.ready = TaskState.READY
        parser = BpmnParser()
        parser.add_bpmn_str(PROCEDURE.read_bytes())
        workflow = BpmnWorkflow(parser.get_spec(PROCESS_ID))
        workflow.do_engine_steps()
        self.serializer = BpmnWorkflowSerializer()
        self.state = self.serializer.serialize_json(workflow)
        self.samples: list[float] = []

    def block(self) -> None:
        for index in range(self.BLOCK):
            elapsed = self._round()
            if index:
                self.samples.append(elapsed)

    def _round(self) -> float:
        started = time.perf_counter()
        restored = self.serializer.deserialize_json(self.state)
        (task,) = restored.get_tasks(state=self.ready)
        task.data.update(FORM_DATA[task.task_spec.bpmn_id])
        task.run()
        restored.do_engine_steps()
        self.serializer.serialize_json(restored)
        return time.perf_counter() - started


def make_app(folder: Path):
    from app import create_app
    from app.auth.bootstrap import ensure_base_roles
    from app.auth.services import create_unit, create_user
    from app.cli import _alembic
    from alembic import command
    from app.procedures.services import create_version, publish

    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "PASSWORD_HASH_FAST": True,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        _alembic(command.upgrade, "head")
        ensure_base_roles()
        create_unit("XA", "UBND xã Đo Lường", "commune", None, "000.00.99.H99")
        create_user("motcua", "bench-password", "Tiếp nhận", "XA", ["receptionist"])
        create_user("chuyenvien", "bench-password", "Chuyên viên", "XA", ["officer"])
        create_user("lanhdao", "bench-password", "Lãnh đạo", "XA", ["leader"])
        version = create_version(None, {"code": "tham-dinh-lap", "name": "Thẩm định có vòng lặp",
                                        "legal_limit": "5d"}, PROCEDURE.read_bytes())
        publish(None, version.procedure.code, version.number)
    return app


#: who completes each step
USERS = {"receive": "motcua", "officer": "chuyenvien", "leader": "lanhdao"}


class Api:
    """Calls the API either through the test client or over HTTP."""

    def __init__(self, app, port: int | None = None):
        self.client = app.test_client()
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port) if port else None
        self.tokens = {user: self._json("POST", "/api/v1/auth/token", {"username": user, "password": "bench-password"})["token"]
                       for user in USERS.values()}

    def _json(self, method, path, body, user=None):
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        if self.connection is None:
            response = self.client.open(path, method=method, json=body, headers=headers)
            status, data = response.status_code, response.get_json()
        else:
            self.connection.request(method, path, json.dumps(body), headers)
            reply = self.connection.getresponse()
            status, data = reply.status, json.loads(reply.read())
        if status >= 300:
            raise RuntimeError(f"{method} {path} → {status}: {data}")
        return data

    def receive(self) -> str:
        body = {"procedure_code": "tham-dinh-lap", "applicant": {"full_name": "Người Đo"}, "documents": [],
                "channel": "counter"}
        return self._json("POST", "/api/v1/dossiers", body, "motcua")["code"]

    def open_task(self, code: str) -> dict:
        return self._json("GET", f"/api/v1/dossiers/{code}", None, "chuyenvien")["open_tasks"][0]

    def complete(self, task: dict, last: bool) -> float:
        data = dict(FORM_DATA[task["element_id"]], **({"duyet": True} if last else {}))
        started = time.perf_counter()
        self._json("POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data}, USERS[task["role"]])
        return time.perf_counter() - started


def per_step(api: Api, dossiers: int, steps: int, engine: EngineAlone) -> dict[int, list[float]]:
    """Completion times by step number over several looping dossiers (and an engine block after each)."""
    timings: dict[int, list[float]] = {step: [] for step in range(1, steps + 1)}
    for index in range(dossiers):
        code = api.receive()
        for step in range(1, steps + 1):
            timings[step].append(api.complete(api.open_task(code), last=step == steps))
        engine.block()
        print(f"  hồ sơ {index + 1}/{dossiers}: {steps} bước", file=sys.stderr, flush=True)
    return timings


def serve(app) -> int:
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        per_step(Api(app), 2, 5, EngineAlone())  # warm-up: parse and cache the procedure, fill the pools
        baseline = EngineAlone()
        timings = per_step(Api(app), args.dossiers, STEPS, baseline)
        http_timings = per_step(Api(app, serve(app)), max(3, args.dossiers // 5), 5, baseline)
    engine = baseline.samples
    step1, step50 = timings[1], timings[STEPS]
    api_all = [t for step in (1, STEPS) for t in timings[step]]
    http_all = [t for samples in http_timings.values() for t in samples]
    result = {
        "engine_ms_median": round(median_ms(engine), 3),
        "engine_ms_p99": round(p99_ms(engine), 3),
        "api_ms_median": round(median_ms(api_all), 3),
        "api_ms_p99": round(p99_ms(api_all), 3),
        "api_step1_ms_median": round(median_ms(step1), 3),
        "api_step50_ms_median": round(median_ms(step50), 3),
        "ratio_median": round(median_ms(api_all) / median_ms(engine), 2),
        "step50_vs_step1": round(median_ms(step50) / median_ms(step1), 2),
        "http_ms_median": round(median_ms(http_all), 3),
        "http_vs_engine": round(median_ms(http_all) / median_ms(engine), 2),
    }
    print(f"SpiffWorkflow alone: median {result['engine_ms_median']} ms, p99 {result['engine_ms_p99']} ms")
    print(f"API (test client):   median {result['api_ms_median']} ms, p99 {result['api_ms_p99']} ms "
          f"(step 1: {result['api_step1_ms_median']} ms, step 50: {result['api_step50_ms_median']} ms)")
    print(f"API over HTTP:       median {result['http_ms_median']} ms")
    print(f"ratio_median {result['ratio_median']} (target ≤ 5), step50_vs_step1 {result['step50_vs_step1']} "
          f"(target ≤ 1.5), http_vs_engine {result['http_vs_engine']} (target ≤ 10)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
