"""Reading a procedure's BPMN: the Camunda 7 and SpiffArena dialects.

This module reads what *we* need from a BPMN file (who does each user task,
its time limit and unit, its form, the gateway conditions) in either dialect
of CONTRACT.md §1, and reports every problem with the element id and line.
It parses with entity resolution, DTDs and network access off, so a hostile
upload cannot read files or expand entity bombs.  Executing the diagram is
the engine adapter's job (``app.engine``); this module never imports it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping

from lxml import etree

from app.calendar.workdays import LimitError, TimeLimit, parse_limit
from app.procedures import expressions
from app.tasks.forms import (
    FIELD_TYPES, FormDefinitionError, FormField, checked_form, fields_from_json_schema, from_constraints,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "spiff": SPIFF_NS}
MAX_BPMN_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
#: steps done by a person: a plain task (every modeler's default shape) and a
#: manual task are read like a user task (role, timeLimit, optional form);
#: an empty form makes the step a sign-off
STEP_TAGS = ("userTask", "manualTask", "task")
#: the one message the product itself sends (the receptionist records a supplement)
SUPPLEMENT_MESSAGE = "supplement_received"
#: task spec names the engine uses for itself
RESERVED_IDS = {"Start", "End", "Root"}
#: elements the engine here cannot run: refused by name rather than failing a dossier later
UNSUPPORTED = {
    "scriptTask": "không chấp nhận tác vụ kịch bản (scriptTask, script): dùng bước xử lý và điều kiện ở cổng",
    "serviceTask": "tác vụ dịch vụ (serviceTask) không được hỗ trợ",
    "businessRuleTask": "tác vụ quy tắc nghiệp vụ (businessRuleTask) không được hỗ trợ",
    "sendTask": "tác vụ gửi (sendTask) không được hỗ trợ",
    "complexGateway": "cổng phức hợp (complexGateway) không được hỗ trợ",
    "transaction": "giao dịch (transaction) không được hỗ trợ",
    "adHocSubProcess": "tiến trình con ad-hoc không được hỗ trợ",
}
#: A step without a form is only a warning: sign-off steps with nothing to
#: fill in exist in uploaded SpiffArena diagrams (an empty camunda:formData
#: declares such a step explicitly and is not warned about).
MISSING_FORM = "bước không có biểu mẫu (camunda:formData hoặc formJsonSchemaFilename)"
FLOW_NODES = {
    "task", "userTask", "manualTask", "receiveTask", "callActivity", "subProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    *UNSUPPORTED,
}

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
)


@dataclass(frozen=True)
class Problem:
    """Something wrong with an uploaded procedure, pinned to an element."""

    message: str
    element_id: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "line": self.line, "message": self.message}


class ProcedureError(ValueError):
    """The procedure cannot be accepted; ``problems`` says why, element by element.

    ``warnings`` are what was also noticed but does not prevent saving.
    """

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()):
        self.problems = list(problems)
        self.warnings = list(warnings)
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True)
class UserTaskDef:
    element_id: str
    name: str
    role: str
    time_limit: TimeLimit
    unit: str | None
    form: tuple[FormField, ...]
    line: int | None = None


@dataclass(frozen=True)
class MessageWaitDef:
    """A receive task or catch event waiting for a named message another system delivers
    (``POST /dossiers/{code}/messages/{name}``); its timeLimit is how long the dossier may wait."""

    element_id: str
    name: str
    message: str
    time_limit: TimeLimit
    line: int | None = None


@dataclass(frozen=True)
class ElementInfo:
    """A flow node or sequence flow as a diff compares it."""

    element_id: str
    type: str
    name: str
    source: str | None = None
    target: str | None = None
    condition: str | None = None


@dataclass
class ProcedureDefinition:
    process_id: str
    name: str
    user_tasks: dict[str, UserTaskDef]
    #: the BPMN with ``${…}`` condition wrappers removed, as the engine reads it
    normalized_xml: bytes
    #: flow node id -> ids of the nodes its outgoing flows lead to (main process)
    graph: dict[str, list[str]] = field(default_factory=dict)
    #: what does not prevent saving but deserves the analyst's attention
    warnings: list[Problem] = field(default_factory=list)
    #: every flow node and sequence flow of every process, by id (for diffs)
    elements: dict[str, "ElementInfo"] = field(default_factory=dict)
    #: waits for a named message other than the supplement, by element id
    message_waits: dict[str, MessageWaitDef] = field(default_factory=dict)

    def longest_path_hours(self, hours_per_day: Fraction) -> Fraction:
        """The largest sum of user-task limits along a path without repeating a loop."""
        limits = {tid: t.time_limit.hours(hours_per_day) for tid, t in self.user_tasks.items()}
        starts = set(self.graph) - {n for targets in self.graph.values() for n in targets}
        best: dict[str, Fraction] = {}
        for start in sorted(starts or self.graph):
            _longest_from(start, self.graph, limits, best)
        return max((best[node] for node in starts or self.graph), default=Fraction(0))


def _longest_from(start: str, graph: dict[str, list[str]], limits: dict[str, Fraction],
                  best: dict[str, Fraction]) -> None:
    """Depth-first with an explicit stack (a 2,000-step chain must not recurse):
    a node's best sum is its limit plus its best successor's, loops cut where they close."""
    on_path: set[str] = set()
    stack: list[tuple[str, bool]] = [(start, False)]
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(node)
            onward = [best.get(n, Fraction(0)) for n in graph.get(node, []) if n not in on_path]
            best[node] = limits.get(node, Fraction(0)) + max(onward, default=Fraction(0))
        elif node not in best and node not in on_path:
            on_path.add(node)
            stack.append((node, True))
            stack.extend((n, False) for n in graph.get(node, []) if n not in best and n not in on_path)


def read_procedure(xml: bytes, forms: Mapping[str, Any] | None = None) -> ProcedureDefinition:
    """Read a procedure's BPMN, or raise :class:`ProcedureError` listing every problem."""
    root = _parse(xml)
    reader = _Reader(root, forms or {})
    definition = reader.read()
    if reader.problems:
        raise ProcedureError(reader.problems, reader.warnings)
    return definition


def _parse(xml: bytes) -> etree._Element:
    if len(xml) > MAX_BPMN_BYTES:
        raise ProcedureError([Problem(f"Tệp BPMN vượt quá {MAX_BPMN_BYTES // 1024} KiB.")])
    if b"<!DOCTYPE" in xml[:4096].upper() or b"<!ENTITY" in xml.upper():
        raise ProcedureError([Problem("Không chấp nhận khai báo DOCTYPE hay ENTITY trong tệp BPMN.")])
    try:
        root = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        raise ProcedureError([Problem(f"XML không đúng cú pháp: {error.msg}", line=error.lineno)]) from None
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise ProcedureError([Problem("Phần tử gốc phải là bpmn:definitions.", line=root.sourceline)])
    if _depth(root) > MAX_DEPTH:
        raise ProcedureError([Problem(f"XML lồng nhau quá {MAX_DEPTH} cấp.")])
    return root


def _depth(element: etree._Element) -> int:
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in node)
    return deepest


class _Reader:
    def __init__(self, root: etree._Element, forms: Mapping[str, Any]):
        self.root = root
        self.forms = forms
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.message_waits: dict[str, MessageWaitDef] = {}

    def problem(self, message: str, element: etree._Element | None = None) -> None:
        element_id = element.get("id") if element is not None else None
        line = element.sourceline if element is not None else None
        self.problems.append(Problem(message, element_id, line))

    def warning(self, message: str, element: etree._Element) -> None:
        self.warnings.append(Problem(message, element.get("id"), element.sourceline))

    def read(self) -> ProcedureDefinition:
        process = self._main_process()
        processes = self.root.findall("bpmn:process", NS)
        elements = _elements(processes)     # as written, before conditions are normalized
        user_tasks: dict[str, UserTaskDef] = {}
        for each in processes:
            self._check_reserved_ids(each)
            self._check_flows(each)
            self._check_gateways(each)
            self._refuse_unsupported(each)
            for container in _containers(each):
                self._check_structure(container)
            self._check_messages(each)
            self._check_call_activities(each, processes)
            for element in _steps(each):
                task = self._user_task(element, _lanes(each))
                if task is not None:
                    user_tasks[task.element_id] = task
            for element in _multi_instances(each):
                self._multi_instance(element, _form_field_ids(each))
        self._name_messages()
        process_id = process.get("id", "") if process is not None else ""
        return ProcedureDefinition(
            process_id=process_id,
            name=(process.get("name") if process is not None else None) or process_id,
            user_tasks=user_tasks,
            normalized_xml=etree.tostring(self.root, xml_declaration=True, encoding="UTF-8"),
            graph=_graph(process) if process is not None else {},
            warnings=self.warnings, elements=elements, message_waits=self.message_waits,
        )

    def _main_process(self) -> etree._Element | None:
        called = {c.get("calledElement") for c in self.root.iterfind(".//bpmn:callActivity", NS)}
        executable = [p for p in self.root.findall("bpmn:process", NS)
                      if p.get("isExecutable") == "true" and p.get("id") not in called]
        if len(executable) != 1:
            self.problem(f"Cần đúng một quy trình thực thi được (isExecutable=\"true\"), đang có {len(executable)}.")
            return None
        return executable[0]

    def _check_reserved_ids(self, process: etree._Element) -> None:
        for element in process.iter():
            element_id = element.get("id") or ""
            if element_id in RESERVED_IDS or element_id.endswith(".EndJoin"):
                self.problem(f"Mã '{element_id}' do bộ máy quy trình dùng riêng: hãy đổi mã phần tử.", element)

    def _check_flows(self, process: etree._Element) -> None:
        ids = {e.get("id") for e in process.iter() if e.get("id")}
        for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in ids:
                    self.problem(f"Luồng trỏ tới phần tử không tồn tại ({end} '{flow.get(end)}').", flow)
            condition = flow.find("bpmn:conditionExpression", NS)
            if condition is not None:
                self._normalize_condition(flow, condition)

    def _normalize_condition(self, flow: etree._Element, condition: etree._Element) -> None:
        try:
            expressions.compile_expression(condition.text or "")
        except expressions.ExpressionError as error:
            self.problem(f"Điều kiện không hợp lệ: {error}", flow)
            return
        condition.text = expressions.to_python(condition.text or "")

    def _check_gateways(self, process: etree._Element) -> None:
        for gateway in process.iterfind(".//bpmn:exclusiveGateway", NS):
            outgoing = [f for f in process.iterfind("bpmn:sequenceFlow", NS) if f.get("sourceRef") == gateway.get("id")]
            if len(outgoing) < 2:
                continue
            default = gateway.get("default")
            for flow in outgoing:
                if flow.get("id") != default and flow.find("bpmn:conditionExpression", NS) is None:
                    self.problem("Luồng ra của cổng loại trừ cần có điều kiện hoặc là luồng mặc định.", flow)

    def _refuse_unsupported(self, process: etree._Element) -> None:
        for tag, message in UNSUPPORTED.items():
            for element in process.iterfind(f".//bpmn:{tag}", NS):
                self.problem(message, element)

    def _name_messages(self) -> None:
        """A ``<message>`` may legally have no name; the engine needs one: its id is its name."""
        for message in self.root.iterfind("bpmn:message", NS):
            if not (message.get("name") or "").strip():
                message.set("name", message.get("id") or "")

    def _check_messages(self, process: etree._Element) -> None:
        """Receive tasks and catch events wait for a message delivered through the API (with a
        deadline, like a step); a message start or a boundary message nothing would send is refused."""
        names = {m.get("id"): (m.get("name") or m.get("id") or "").strip()
                 for m in self.root.iterfind("bpmn:message", NS)}
        for element in process.iter():
            kind = _local(element)
            if kind in ("intermediateThrowEvent", "endEvent", ""):
                continue
            definition = element if kind == "receiveTask" else element.find("bpmn:messageEventDefinition", NS)
            if definition is None:
                continue
            message = names.get(definition.get("messageRef"))
            if kind == "startEvent":
                self.problem("Sự kiện bắt đầu bằng thông điệp không được hỗ trợ: hồ sơ bắt đầu khi "
                             "được tiếp nhận, hãy dùng sự kiện bắt đầu thường.", element)
            elif message != SUPPLEMENT_MESSAGE:
                self._message_wait(element, kind, message)

    def _message_wait(self, element: etree._Element, kind: str, message: str | None) -> None:
        if not message or kind not in ("receiveTask", "intermediateCatchEvent"):
            self.problem(f"Bước chờ thông điệp '{message or '(chưa chọn)'}' sẽ chờ mãi: chỉ tác vụ nhận "
                         "(receiveTask) hay sự kiện chờ trung gian có chọn thông điệp mới nhận được thông điệp "
                         "gửi qua API.", element)
            return
        limit = self._limit(element, _properties(element))
        if limit is not None:
            self.message_waits[element.get("id")] = MessageWaitDef(
                element.get("id"), element.get("name") or message, message, limit, element.sourceline)

    def _check_call_activities(self, process: etree._Element, processes: list[etree._Element]) -> None:
        by_id = {p.get("id"): p for p in processes}
        for call in process.iterfind(".//bpmn:callActivity", NS):
            called = by_id.get(call.get("calledElement"))
            if called is not None:
                called.set("isExecutable", "true")   # modelers mark called processes not executable
            else:
                self.problem(f"Hoạt động gọi quy trình '{call.get('calledElement') or ''}' không có trong tệp: "
                             "quy trình được gọi phải nằm cùng tệp BPMN.", call)

    def _multi_instance(self, element: etree._Element, known: set[str]) -> None:
        """A multi-instance step runs once per item; how many must be knowable
        from a number or from a form field a step fills in, else it is refused here."""
        loop = element.find("bpmn:multiInstanceLoopCharacteristics", NS)
        collection = (loop.get(f"{{{CAMUNDA_NS}}}collection") or "").strip()
        if collection:
            _camunda_collection(loop, expressions.strip_wrapper(collection),
                                (loop.get(f"{{{CAMUNDA_NS}}}elementVariable") or "").strip())
        cardinality = loop.find("bpmn:loopCardinality", NS)
        reference = loop.find("bpmn:loopDataInputRef", NS)
        for node in (cardinality, loop.find("bpmn:completionCondition", NS)):
            if node is not None:
                node.text = self._python(element, node.text or "")
        if cardinality is not None and reference is None:
            self._check_cardinality(element, cardinality.text or "", known)
        elif reference is not None and cardinality is None:
            if (reference.text or "").strip() not in known:
                self.problem(f"Không xác định được danh sách lặp '{(reference.text or '').strip()}': "
                             "phải là một trường biểu mẫu của một bước trước.", element)
        else:
            self.problem("Bước lặp nhiều lần cần đúng một trong hai: số lần (loopCardinality) "
                         "hoặc danh sách (camunda:collection / loopDataInputRef).", element)

    def _python(self, element: etree._Element, text: str) -> str:
        try:
            return expressions.to_python(text)
        except expressions.ExpressionError as error:
            self.problem(f"Biểu thức '{text}' không hợp lệ: {error}", element)
            return text

    def _check_cardinality(self, element: etree._Element, text: str, known: set[str]) -> None:
        try:
            names = {n.id for n in ast.walk(expressions.compile_expression(text)) if isinstance(n, ast.Name)}
        except expressions.ExpressionError as error:
            self.problem(f"Số lần lặp '{text}' không hợp lệ: {error}", element)
            return
        unknown = sorted(names - known)
        if unknown or not text.strip():
            self.problem(f"Không xác định được số lần lặp '{text}': chỉ dùng số hoặc trường biểu mẫu "
                         f"của một bước trước (không biết: {', '.join(unknown) or 'trống'}).", element)

    def _check_structure(self, container: etree._Element) -> None:
        """Dangling elements are errors; unreachable ones and gateways that
        neither split nor join are warnings (one container at a time)."""
        nodes = [n for n in container if _local(n) in FLOW_NODES and not _is_event_subprocess(n)]
        incoming: dict[str, int] = {}
        outgoing: dict[str, list[str]] = {}
        for flow in container.findall("bpmn:sequenceFlow", NS):
            incoming[flow.get("targetRef")] = incoming.get(flow.get("targetRef"), 0) + 1
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        for node in nodes:
            self._check_node_flows(node, incoming.get(node.get("id"), 0), len(outgoing.get(node.get("id"), [])))
        reached = _reachable(nodes, outgoing)
        for node in nodes:
            if node.get("id") not in reached and node.get("id") in incoming:
                self.warning("phần tử không thể tới được từ sự kiện bắt đầu", node)

    def _check_node_flows(self, node: etree._Element, incoming: int, outgoing: int) -> None:
        kind = _local(node)
        needs_incoming = kind not in ("startEvent", "boundaryEvent")
        needs_outgoing = kind != "endEvent"
        if (needs_incoming and not incoming) or (needs_outgoing and not outgoing):
            missing = "luồng vào" if needs_incoming and not incoming else "luồng ra"
            self.problem(f"phần tử bị treo (dangling): không có {missing}", node)
        elif kind.endswith("Gateway") and outgoing == 1 and incoming <= 1:
            self.warning("cổng chỉ có một luồng vào và một luồng ra: không rẽ nhánh cũng không hợp nhánh", node)

    def _user_task(self, element: etree._Element, lanes: dict[str, str]) -> UserTaskDef | None:
        before = len(self.problems)
        props = _properties(element)
        role = self._role(element, props, lanes)
        limit = self._limit(element, props)
        form = self._form(element, props)
        if len(self.problems) > before or role is None or limit is None:
            return None
        return UserTaskDef(
            element_id=element.get("id"), name=element.get("name") or element.get("id"),
            role=role, time_limit=limit, unit=props.get("unit") or None, form=form,
            line=element.sourceline,
        )

    def _role(self, element, props: dict[str, str], lanes: dict[str, str]) -> str | None:
        groups = element.get(f"{{{CAMUNDA_NS}}}candidateGroups")
        role = (groups if groups is not None else props.get("role") or lanes.get(element.get("id")) or "").strip()
        if not role:
            self.problem("Bước xử lý chưa có vai trò (camunda:candidateGroups, thuộc tính 'role' hoặc làn).", element)
            return None
        if "," in role:
            self.problem(f"Bước xử lý ghi nhiều vai trò '{role}': chỉ được ghi một.", element)
            return None
        return role

    def _limit(self, element, props: dict[str, str]) -> TimeLimit | None:
        if "timeLimit" not in props:
            self.problem("Bước xử lý chưa có thời hạn (thuộc tính timeLimit).", element)
            return None
        try:
            return parse_limit(props["timeLimit"])
        except LimitError as error:
            self.problem(f"Thời hạn (timeLimit) không hợp lệ: {error}", element)
            return None

    def _form(self, element, props: dict[str, str]) -> tuple[FormField, ...]:
        if "formJsonSchemaFilename" not in props and element.find(
                "bpmn:extensionElements/camunda:formData", NS) is None:
            self.warning(MISSING_FORM, element)
        try:
            if "formJsonSchemaFilename" in props:
                return tuple(self._json_form(props["formJsonSchemaFilename"]))
            return tuple(_camunda_fields(element))
        except FormDefinitionError as error:
            self.problem(f"Biểu mẫu không hợp lệ: {error}", element)
            return ()

    def _json_form(self, filename: str) -> list[FormField]:
        if filename not in self.forms:
            raise FormDefinitionError(f"chưa tải lên tệp biểu mẫu '{filename}' cùng sơ đồ BPMN")
        return fields_from_json_schema(self.forms[filename])


def _steps(process: etree._Element) -> list[etree._Element]:
    return [e for tag in STEP_TAGS for e in process.iterfind(f".//bpmn:{tag}", NS)]


def _multi_instances(process: etree._Element) -> list[etree._Element]:
    return [e for e in process.iter() if isinstance(e.tag, str)
            and e.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None]


def _form_field_ids(process: etree._Element) -> set[str]:
    """Names a step's form can write into the dossier's data (Camunda fields;
    a JSON-schema form's fields are read where the step is)."""
    return {f.get("id") for f in process.iterfind(".//camunda:formField", NS) if f.get("id")}


def _camunda_collection(loop: etree._Element, collection: str, variable: str) -> None:
    """Camunda's ``collection``/``elementVariable`` written as BPMN's own data references."""
    if loop.find("bpmn:loopDataInputRef", NS) is None:
        reference = etree.Element(f"{{{BPMN_NS}}}loopDataInputRef")
        reference.text = collection
        loop.insert(0, reference)
    if variable and loop.find("bpmn:inputDataItem", NS) is None:
        etree.SubElement(loop, f"{{{BPMN_NS}}}inputDataItem", id=variable, name=variable)


def _properties(element: etree._Element) -> dict[str, str]:
    """The task's extension properties, in either dialect."""
    found = element.xpath(
        "bpmn:extensionElements/camunda:properties/camunda:property"
        " | bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {p.get("name"): (p.get("value") or "").strip() for p in found if p.get("name")}


def _lanes(process: etree._Element) -> dict[str, str]:
    """flow node id -> name of the lane that holds it."""
    return {
        ref.text.strip(): (lane.get("name") or "").strip()
        for lane in process.iterfind(".//bpmn:lane", NS)
        for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text
    }


def _camunda_fields(element: etree._Element) -> list[FormField]:
    fields = []
    seen = set()
    for node in element.iterfind("bpmn:extensionElements/camunda:formData/camunda:formField", NS):
        form_field = _camunda_field(node)
        if form_field.id in seen:
            raise FormDefinitionError(f"trường '{form_field.id}' được khai báo hai lần")
        seen.add(form_field.id)
        fields.append(form_field)
    return checked_form(fields)


def _camunda_field(node: etree._Element) -> FormField:
    field_id = (node.get("id") or "").strip()
    if not field_id.isidentifier() or field_id.startswith("_"):
        raise FormDefinitionError(f"mã trường '{field_id}' chỉ gồm chữ cái không dấu, chữ số và dấu _")
    kind = node.get("type") or "string"
    if kind not in FIELD_TYPES:
        raise FormDefinitionError(f"trường '{field_id}' có kiểu '{kind}' không được hỗ trợ")
    constraints = [(c.get("name"), c.get("config")) for c in node.iterfind("camunda:validation/camunda:constraint", NS)]
    properties = {p.get("id"): p.get("value") or "" for p in node.iterfind("camunda:properties/camunda:property", NS)}
    options = tuple((v.get("id"), v.get("name") or v.get("id")) for v in node.iterfind("camunda:value", NS))
    if kind == "enum" and not options:
        raise FormDefinitionError(f"trường danh sách '{field_id}' chưa có giá trị nào")
    return FormField(id=field_id, label=node.get("label") or field_id, type=kind, options=options,
                     default=node.get("defaultValue"), **from_constraints(field_id, kind, constraints, properties))


def _graph(process: etree._Element) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        graph.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        graph.setdefault(flow.get("targetRef"), [])
    return graph


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _is_event_subprocess(element: etree._Element) -> bool:
    return _local(element) == "subProcess" and element.get("triggeredByEvent") == "true"


def _containers(process: etree._Element) -> list[etree._Element]:
    """The process and each of its (non-event) subprocesses: each has its own flows."""
    return [process, *(sub for sub in process.iterfind(".//bpmn:subProcess", NS) if not _is_event_subprocess(sub))]


def _reachable(nodes: list[etree._Element], outgoing: dict[str, list[str]]) -> set[str]:
    """Ids reachable from the start events; a boundary event once its activity is."""
    boundaries = {n.get("id"): n.get("attachedToRef") for n in nodes if _local(n) == "boundaryEvent"}
    reached: set[str] = set()
    stack = [n.get("id") for n in nodes if _local(n) == "startEvent"]
    while stack:
        node = stack.pop()
        if node in reached:
            continue
        reached.add(node)
        stack.extend(outgoing.get(node, []))
        stack.extend(b for b, attached in boundaries.items() if attached == node)
    return reached


def _elements(processes: list[etree._Element]) -> dict[str, ElementInfo]:
    found: dict[str, ElementInfo] = {}
    for process in processes:
        for element in process.iter():
            kind = _local(element)
            if kind in FLOW_NODES or kind == "sequenceFlow":
                condition = element.find("bpmn:conditionExpression", NS)
                found[element.get("id")] = ElementInfo(
                    element.get("id"), kind, element.get("name") or "", element.get("sourceRef"),
                    element.get("targetRef"), (condition.text or "").strip() if condition is not None else None)
    return found
