"""The engine adapter: the only module that imports SpiffWorkflow.

It turns an uploaded BPMN into cached engine specs, starts and restores a
dossier's workflow, advances it, and serializes it again.  The callers (the
dossier and task services) write the serialized state in the same database
transaction as the task rows and the audit events.

Serialized state stays small.  The process specs are never serialized with
a workflow (they are cached per procedure version), and the finished part of
the task tree above the point where all unfinished tasks meet is pruned:
history lives in our own task rows and audit trail, so completing the 50th
step of a long dossier costs what completing the first one did.
"""
from __future__ import annotations

import json
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app import clock
from app.procedures import expressions
from app.procedures.dialect import Problem, ProcedureDefinition, ProcedureError, read_procedure


class EngineError(RuntimeError):
    """The engine could not advance a workflow (e.g. a condition failed)."""

    def __init__(self, message: str, element_id: str | None = None):
        super().__init__(message)
        self.element_id = element_id


class _SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions with :mod:`app.procedures.expressions`, never ``eval``."""

    def evaluate(self, expression, context, external_context=None):
        return expressions.evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script, context, external_context=None):
        raise EngineError("không chạy script trong quy trình (script task không được hỗ trợ)")


_SCRIPT_ENGINE = PythonScriptEngine(environment=_SafeEnvironment())


class _ApplicationClockDatetime(datetime):
    """``datetime`` whose ``now`` is the application clock.

    SpiffWorkflow's timer events read ``datetime.now`` directly; pointing
    that module at this class makes BPMN timers follow the same clock as
    every deadline (and move with it on demo and test instances).
    """

    @classmethod
    def now(cls, tz=None):
        return clock.now().astimezone(tz) if tz is not None else clock.now()


_spiff_timer.datetime = _ApplicationClockDatetime
_VALIDATOR = BpmnValidator()


class _StatelessSpecConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its specs, which we cache per version."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        specs: _Specs = dct.pop("specs")
        workflow = self.target_class(specs.spec, specs.subprocess_specs, deserializing=True,
                                     script_engine=_SCRIPT_ENGINE)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = _StatelessSpecConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()


# --------------------------------------------------------------------------- parsing


def compile_procedure(xml: bytes, forms: Mapping[str, Any] | None = None) -> ProcedureDefinition:
    """Read and check a procedure's BPMN as the engine will run it.

    Raises :class:`ProcedureError` naming the element (and line) at fault:
    dialect problems, BPMN schema violations and what the engine refuses.
    """
    definition = read_procedure(xml, forms)
    _parse_specs(definition.normalized_xml, definition.process_id)
    return definition


def _parse_specs(xml: bytes, process_id: str):
    parser = BpmnParser(validator=_VALIDATOR)
    try:
        with _deep_stack():
            parser.add_bpmn_xml(etree.fromstring(xml), filename="procedure.bpmn")
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as error:
        line = int(error.line_number) if str(error.line_number).isdigit() else None
        message = _in_vietnamese(str(error).split("\n")[0])
        raise ProcedureError([Problem(f"Không nạp được phần tử: {message}.",
                                      error.id or None, line)]) from None
    except etree.DocumentInvalid as error:
        line = error.error_log.last_error.line if error.error_log else None
        raise ProcedureError([Problem("Sơ đồ không đúng lược đồ BPMN 2.0 (phần tử hay thuộc tính không hợp lệ "
                                      "ở dòng này).", None, line)]) from None
    except RecursionError:
        raise ProcedureError([Problem(f"Không nạp được: {_TOO_DEEP}.")]) from None
    except (SpiffWorkflowException, LookupError, ValueError, TypeError):
        raise ProcedureError([Problem("Bộ máy quy trình không nạp được sơ đồ này.")]) from None
    return spec, subprocess_specs


@dataclass(frozen=True)
class _Specs:
    spec: Any
    subprocess_specs: dict


_spec_cache: dict[Any, _Specs] = {}
_spec_lock = threading.Lock()


def _specs(cache_key: Any, xml: bytes, process_id: str) -> _Specs:
    """Parsed specs of a procedure version, parsed once per process."""
    specs = _spec_cache.get(cache_key)
    if specs is None:
        with _spec_lock:
            specs = _spec_cache.get(cache_key)
            if specs is None:
                specs = _Specs(*_parse_specs(xml, process_id))
                _spec_cache[cache_key] = specs
    return specs


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class ReadyTask:
    engine_task_id: str
    element_id: str


class DossierWorkflow:
    """One dossier's workflow in memory, between restore and serialize."""

    SUPPLEMENT_MESSAGE = "supplement_received"

    def __init__(self, workflow: BpmnWorkflow):
        self._workflow = workflow

    @classmethod
    def start(cls, cache_key: Any, xml: bytes, process_id: str, data: Mapping[str, Any]) -> "DossierWorkflow":
        specs = _specs(cache_key, xml, process_id)
        workflow = BpmnWorkflow(specs.spec, specs.subprocess_specs, script_engine=_SCRIPT_ENGINE)
        workflow.data.update(data)
        workflow.task_tree.data.update(data)
        run = cls(workflow)
        run._advance()
        return run

    @classmethod
    def restore(cls, cache_key: Any, xml: bytes, process_id: str, state: str) -> "DossierWorkflow":
        dct = json.loads(state)
        dct["specs"] = _specs(cache_key, xml, process_id)
        with _deep_stack():
            return cls(_SERIALIZER.from_dict(dct))

    def serialize(self) -> str:
        dct = _SERIALIZER.to_dict(self._workflow)
        _prune(dct, self._workflow)
        return json.dumps(dct, separators=(",", ":"))

    def ready_user_tasks(self) -> list[ReadyTask]:
        """Ready steps a person does: user, manual and plain tasks (the engine waits on all three)."""
        with _deep_stack():
            return [
                ReadyTask(str(task.id), task.task_spec.bpmn_id)
                for task in self._workflow.get_tasks(state=TaskState.READY) if _is_step(task)
            ]

    def complete(self, engine_task_id: str, data: Mapping[str, Any]) -> None:
        """Complete a ready user task with validated form data and run on."""
        task = self._workflow.get_task_from_id(UUID(engine_task_id))
        if task.state != TaskState.READY or not _is_step(task):
            raise EngineError("công việc này không còn chờ xử lý", task.task_spec.bpmn_id)
        task.data.update(data)
        _fill_output_item(task, data)
        self._run(task.run, task.task_spec.bpmn_id)
        self._advance()

    def send_message(self, name: str, payload: Mapping[str, Any] | None = None) -> None:
        """Deliver a named message; its payload becomes the data of the task that caught it, and onward."""
        event = BpmnEvent(MessageEventDefinition(name), dict(payload or {}))
        self._run(lambda: self._workflow.send_event(event), None)
        self._advance()

    def task_data(self, engine_task_id: str) -> dict[str, Any]:
        """The data a task sees: what earlier steps recorded."""
        return dict(self._workflow.get_task_from_id(UUID(engine_task_id)).data)

    def waiting_messages(self) -> set[str]:
        """Names of the message events the workflow is waiting for."""
        return {name for _, name in self._message_waits()}

    def waiting_message_tasks(self) -> list[ReadyTask]:
        """The waiting receive tasks and catch events: each is a ``waiting`` row with a deadline."""
        return [ReadyTask(str(task.id), task.task_spec.bpmn_id) for task, _ in self._message_waits()]

    def _message_waits(self):
        with _deep_stack():
            for task in self._workflow.get_tasks(state=TaskState.WAITING):
                definition = getattr(task.task_spec, "event_definition", None)
                if isinstance(definition, MessageEventDefinition):
                    yield task, definition.name

    def next_timer_at(self) -> datetime | None:
        """When the earliest timer event the workflow waits on fires, if any."""
        moments = []
        for task in self._workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            value = definition.details(task).value if isinstance(definition, TimerEventDefinition) else None
            if isinstance(value, str):
                moments.append(datetime.fromisoformat(value))
        return min(moments, default=None)

    def refresh_timers(self) -> None:
        """Fire the timer events whose time has come, and run on."""
        self._run(self._workflow.refresh_timers, None)
        self._advance()

    @property
    def is_completed(self) -> bool:
        return self._workflow.is_completed()

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._workflow.data)

    def _advance(self) -> None:
        self._run(self._workflow.do_engine_steps, None)

    @staticmethod
    def _run(action, element_id: str | None) -> None:
        try:
            with _deep_stack():
                action()
        except expressions.ExpressionError as error:
            raise EngineError(str(error), element_id) from None
        except RecursionError:
            raise EngineError(_TOO_DEEP, element_id) from None
        except (TypeError, ValueError, LookupError) as error:
            # e.g. a multi-instance collection that is not a list: the diagram's data, not our bug
            raise EngineError("dữ liệu của hồ sơ không dùng được cho bước này (ví dụ danh sách lặp "
                              "không phải là danh sách)", element_id) from error
        except SpiffWorkflowException as error:
            failed = getattr(getattr(error, "task", None), "task_spec", None) or getattr(error, "task_spec", None)
            raise EngineError(_in_vietnamese(str(error).split("\n")[0]),
                              getattr(failed, "bpmn_id", element_id)) from None



def _fill_output_item(task, data: Mapping[str, Any]) -> None:
    """An instance of a multi-instance step whose diagram names an output item
    (``outputDataItem``) hands on its form as that item, unless the form has a
    field of that name: the engine collects one item per instance, and a form
    never writes a variable named after the diagram's item."""
    spec = getattr(task.parent, "task_spec", None) if task.parent is not None else None
    item = getattr(getattr(spec, "output_item", None), "bpmn_id", None)
    if item and item not in task.data:
        task.data[item] = dict(data)


def _is_step(task) -> bool:
    """A step a person completes: the engine marks user, manual and plain tasks ``manual``."""
    return bool(getattr(task.task_spec, "manual", False))


#: SpiffWorkflow walks the diagram recursively (parsing, predicting, restoring):
#: a chain of 2,000 steps needs about this many frames.
_ENGINE_RECURSION = 30_000
_TOO_DEEP = "sơ đồ quá dài hoặc lồng nhau quá sâu để bộ máy quy trình xử lý"
_recursion_lock = threading.Lock()


@contextmanager
def _deep_stack():
    """Let the engine recurse as deep as a long diagram needs.

    Our own checks are iterative; SpiffWorkflow's are not.  The limit is only
    ever raised, never lowered under another thread's feet.
    """
    if sys.getrecursionlimit() < _ENGINE_RECURSION:
        with _recursion_lock:
            sys.setrecursionlimit(max(sys.getrecursionlimit(), _ENGINE_RECURSION))
    yield


#: The engine's own (English) messages that a diagram can provoke, as staff should read them.
_ENGINE_MESSAGES = (
    ("No conditions satisfied", "không nhánh nào ra khỏi cổng rẽ nhánh có điều kiện đúng với dữ liệu đã nhập, "
                                "và cổng không có nhánh mặc định"),
    ("Error evaluating expression", "không tính được điều kiện của nhánh"),
    ("is not waiting for", "quy trình không chờ sự kiện này"),
    ("was not found", "không tìm thấy quy trình được gọi trong tệp BPMN"),
    ("cardinality", "không xác định được số lần lặp của bước lặp nhiều lần"),
    ("loop input", "không xác định được danh sách lặp của bước lặp nhiều lần"),
    ("multiinstance", "bước lặp nhiều lần cần đúng một trong hai: số lần hoặc danh sách"),
    ("Loop Tasks", "bước lặp chuẩn cần loopMaximum hoặc loopCondition"),
    ("Unsupported", "phần tử này không được hỗ trợ"),
)


def _in_vietnamese(message: str) -> str:
    """The engine's message in Vietnamese; one we do not know is never shown in English."""
    for marker, text in _ENGINE_MESSAGES:
        if marker in message:
            return text
    return "bộ máy quy trình không chạy tiếp được ở phần tử này"


def _prune(dct: dict, workflow: BpmnWorkflow) -> None:
    """Drop the finished history above the lowest common ancestor of unfinished tasks.

    Everything the engine still needs (open branches, waiting joins, the data
    reached so far) lies below that ancestor; it becomes the new root and
    carries the full data.
    """
    tasks = dct["tasks"]
    unfinished = [tid for tid, t in tasks.items() if not t["state"] & TaskState.FINISHED_MASK]
    if not unfinished:
        return
    new_root = _common_ancestor(tasks, unfinished)
    if not tasks[new_root]["state"] & TaskState.FINISHED_MASK and tasks[new_root]["parent"] is not None:
        # An unfinished task inherits data from its parent: keep that parent.
        new_root = tasks[new_root]["parent"]
    if new_root == dct["root"]:
        return
    keep = _subtree(tasks, new_root)
    root_task = tasks[new_root]
    full_data = workflow.get_task_from_id(UUID(new_root)).data
    root_task["parent"] = None
    root_task["data"] = _SERIALIZER.registry.convert(_SERIALIZER.registry.clean(full_data))
    root_task["delta"] = {}
    # Keep the original order: restoring a task reads its parent's data,
    # so parents must come before their children.
    dct["tasks"] = {tid: task for tid, task in tasks.items() if tid in keep}
    dct["root"] = new_root
    if dct.get("last_task") not in keep:
        dct["last_task"] = None
    dct["subprocesses"] = _live_subprocesses(dct.get("subprocesses", {}), keep)


def _live_subprocesses(subprocesses: dict, keep: set[str]) -> dict:
    """The subprocesses started by a kept task, at any depth.

    A nested subprocess is keyed by a task of its parent subprocess, not of
    the top-level tree: follow kept subprocesses' tasks down, level by level.
    """
    live, frontier = {}, set(keep)
    while frontier:
        found = {tid: sp for tid, sp in subprocesses.items() if tid in frontier and tid not in live}
        live.update(found)
        frontier = {tid for sp in found.values() for tid in sp.get("tasks", {})}
    return live


def _ancestry(tasks: dict, tid: str) -> list[str]:
    chain = []
    while tid is not None:
        chain.append(tid)
        tid = tasks[tid]["parent"]
    return chain[::-1]


def _common_ancestor(tasks: dict, ids: list[str]) -> str:
    common = _ancestry(tasks, ids[0])
    for tid in ids[1:]:
        path = _ancestry(tasks, tid)
        depth = 0
        while depth < min(len(common), len(path)) and common[depth] == path[depth]:
            depth += 1
        common = common[:depth]
    return common[-1]


def _subtree(tasks: dict, root: str) -> set[str]:
    keep, stack = set(), [root]
    while stack:
        tid = stack.pop()
        keep.add(tid)
        stack.extend(tasks[tid]["children"])
    return keep
