"""Writes the corpus of third-party-style diagrams (``*.bpmn`` beside this file).

Run it after changing a case: ``.venv/bin/python -m tests.engine.corpus.write_corpus``.
The files are committed so that a reader sees the diagrams as uploaded; each
case is written the way Camunda Modeler (``camunda:`` extensions, forms in
``camunda:formData``) or SpiffArena (``spiffworkflow:`` properties, roles as
properties, JSON-schema forms) writes it, with or without diagram interchange.
Expected outcomes live in ``expected.py``.
"""
from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
        ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
        ' xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_{name}"'
        ' targetNamespace="http://bpmn.io/schema/bpmn" exporter="{exporter}" exporterVersion="5.0.0">\n')
EXPORTER = {"camunda": "Camunda Modeler", "spiff": "SpiffArena"}


class Doc:
    """One diagram being written: its XML parts and the shapes its DI will draw."""

    def __init__(self, dialect: str):
        self.dialect, self.shapes, self.edges, self.x = dialect, [], [], 150
        self.written: set[str] = set()
        self.conditions: dict[str, str] = {}

    def props(self, **values: str) -> str:
        ns = "camunda" if self.dialect == "camunda" else "spiffworkflow"
        inner = "".join(f'<{ns}:property name="{k}" value="{v}" />' for k, v in values.items())
        return f"<{ns}:properties>{inner}</{ns}:properties>"

    def step(self, sid: str, kind: str = "userTask", role: str = "officer", limit: str = "1d",
             fields: str = "", loop: str = "", form: bool = True, extra: str = "") -> str:
        self.shape(sid)
        if self.dialect == "camunda":
            group = f' camunda:candidateGroups="{role}"' if role else ""
            form_xml = f"<camunda:formData>{fields}</camunda:formData>" if form else ""
            props = self.props(timeLimit=limit) if limit else ""
            return (f'<bpmn:{kind} id="{sid}" name="Bước {sid}"{group}><bpmn:extensionElements>{form_xml}{props}'
                    f"</bpmn:extensionElements>{extra}{loop}</bpmn:{kind}>")
        values = {**({"role": role} if role else {}), **({"timeLimit": limit} if limit else {})}
        return (f'<bpmn:{kind} id="{sid}" name="Bước {sid}"><bpmn:extensionElements>{self.props(**values)}'
                f"</bpmn:extensionElements>{extra}{loop}</bpmn:{kind}>")

    def condition(self, flow_id: str, text: str) -> str:
        """A marker replaced by the flow's condition once the XML is assembled (see :func:`write`)."""
        self.conditions[flow_id] = text
        return ""

    def node(self, tag: str, nid: str, body: str = "", **attrs: str) -> str:
        self.shape(nid)
        attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
        return f'<bpmn:{tag} id="{nid}"{attributes}>{body}</bpmn:{tag}>'

    def shape(self, nid: str) -> None:
        self.shapes.append((nid, self.x))
        self.x += 150

    def chain(self, *nodes: tuple[str, str]) -> str:
        """Nodes (id, xml) joined in order by sequence flows."""
        flows = []
        for (a, _), (b, _) in zip(nodes, nodes[1:]):
            flows.append(f'<bpmn:sequenceFlow id="Flow_{a}_{b}" sourceRef="{a}" targetRef="{b}" />')
            self.edges.append((f"Flow_{a}_{b}", a, b))
        fresh = [xml for nid, xml in nodes if nid not in self.written]
        self.written.update(nid for nid, _ in nodes)
        return "\n".join(fresh) + "\n" + "\n".join(flows)

    def di(self, process_id: str) -> str:
        where = dict(self.shapes)
        shapes = "".join(f'<bpmndi:BPMNShape id="{n}_di" bpmnElement="{n}"><dc:Bounds x="{x}" y="100" width="100"'
                         f' height="80" /></bpmndi:BPMNShape>\n' for n, x in self.shapes)
        edges = "".join(f'<bpmndi:BPMNEdge id="{f}_di" bpmnElement="{f}"><di:waypoint x="{where.get(a, 0) + 100}"'
                        f' y="140" /><di:waypoint x="{where.get(b, 0)}" y="140" /></bpmndi:BPMNEdge>\n'
                        for f, a, b in self.edges)
        return (f'<bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="{process_id}">\n'
                f"{shapes}{edges}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n")


def start(d: Doc, sid: str = "Start_1") -> tuple[str, str]:
    return sid, d.node("startEvent", sid)


def end(d: Doc, eid: str = "End_1") -> tuple[str, str]:
    return eid, d.node("endEvent", eid)


def step(d: Doc, sid: str, **kw) -> tuple[str, str]:
    return sid, d.step(sid, **kw)


def sub(d: Doc, sid: str, *inner: tuple[str, str], extra: str = "") -> tuple[str, str]:
    return sid, d.node("subProcess", sid, extra + d.chain(start(d, f"{sid}_start"), *inner, end(d, f"{sid}_end")))


def mi(sequential: bool = False, cardinality: str | None = None, collection: str | None = None,
       variable: str = "muc", dialect: str = "camunda") -> str:
    seq = ' isSequential="true"' if sequential else ""
    if collection and dialect == "camunda":
        return (f'<bpmn:multiInstanceLoopCharacteristics{seq} camunda:collection="${{{collection}}}"'
                f' camunda:elementVariable="{variable}" />')
    body = (f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>" if cardinality else
            f'<bpmn:loopDataInputRef>{collection}</bpmn:loopDataInputRef><bpmn:inputDataItem id="{variable}" name="{variable}" />')
    return f"<bpmn:multiInstanceLoopCharacteristics{seq}>{body}</bpmn:multiInstanceLoopCharacteristics>"


LONG_FIELD = ('<camunda:formField id="so_ban" label="Số bản" type="long"><camunda:validation>'
              '<camunda:constraint name="required" /></camunda:validation></camunda:formField>')


def write(name: str, dialect: str, body, with_di: bool, messages: str = "", extra_processes: str = "") -> None:
    d = Doc(dialect)
    process = body(d)
    for flow_id, text in d.conditions.items():
        process = process.replace(f'<bpmn:sequenceFlow id="{flow_id}" ', f'<bpmn:sequenceFlow id="{flow_id}" when="', 1)
        process = re.sub(f'(<bpmn:sequenceFlow id="{flow_id}") when="(.*?) />',
                         lambda m: f'{m[1]} {m[2]}><bpmn:conditionExpression>{escape(text)}</bpmn:conditionExpression>'
                                   '</bpmn:sequenceFlow>', process)
    xml = (HEAD.format(name=name, exporter=EXPORTER[dialect]) + messages
           + f'<bpmn:process id="Process_{name.replace("-", "_")}" isExecutable="true">\n{process}\n</bpmn:process>\n'
           + extra_processes + (d.di(f'Process_{name.replace("-", "_")}') if with_di else "")
           + "</bpmn:definitions>\n")
    (HERE / f"{name}.bpmn").write_text(xml, encoding="utf-8")


def limits(d: Doc, limit: str = "2d") -> str:
    """A message wait's deadline, written as a step's."""
    return f"<bpmn:extensionElements>{d.props(timeLimit=limit)}</bpmn:extensionElements>"


def simple(*middle):
    return lambda d: d.chain(start(d), *[m(d) for m in middle], end(d))


CASES = {
    # --- runs to the end
    "nested-subprocess": lambda d: d.chain(start(d), sub(d, "Sub_ngoai", sub(d, "Sub_trong", step(d, "Task_tham_dinh"))),
                                           step(d, "Task_ky", role="leader", limit="0.5d"), end(d)),
    "nested-subprocess-3": lambda d: d.chain(start(d), sub(d, "Sub_1", sub(d, "Sub_2", sub(d, "Sub_3", step(
        d, "Task_sau"), step(d, "Task_sau_2", kind="manualTask")))), end(d)),
    "manual-task": simple(lambda d: step(d, "Task_kiem_tra", kind="manualTask"),
                          lambda d: step(d, "Task_ky", role="leader")),
    "plain-task": simple(lambda d: step(d, "Activity_1", kind="task"), lambda d: step(d, "Activity_2", kind="task")),
    "plain-task-signoff": simple(lambda d: step(d, "Activity_xac_nhan", kind="task", form=False)),
    "mi-parallel-cardinality": simple(lambda d: step(d, "Task_y_kien", loop=mi(cardinality="3")),
                                      lambda d: step(d, "Task_tong_hop")),
    "mi-sequential-cardinality": simple(lambda d: step(d, "Task_y_kien", kind="manualTask",
                                                       loop=mi(sequential=True, cardinality="2"))),
    "mi-cardinality-from-field": simple(lambda d: step(d, "Task_tiep_nhan", fields=LONG_FIELD),
                                        lambda d: step(d, "Task_in_ban", loop=mi(cardinality="${so_ban}"))),
    "mi-subprocess": lambda d: d.chain(start(d), sub(d, "Sub_lap", step(d, "Task_trong_lap"),
                                                     extra=mi(sequential=True, cardinality="2")), end(d)),
    "message-without-name": lambda d: d.chain(start(d), step(d, "Task_1"), (
        "Event_bao", d.node("intermediateThrowEvent", "Event_bao", '<bpmn:messageEventDefinition messageRef="Message_1" />')),
        end(d)),
    "parallel-mixed-steps": lambda d: "\n".join([
        d.chain(start(d), (g := ("Gateway_tach", d.node("parallelGateway", "Gateway_tach")))),
        d.chain(g, step(d, "Task_a"), (j := ("Gateway_gop", d.node("parallelGateway", "Gateway_gop")))),
        d.chain(g, step(d, "Task_b", kind="manualTask"), j),
        d.chain(g, step(d, "Task_c", kind="task"), j),
        d.chain(j, step(d, "Task_ky", role="leader"), end(d))]),
    "call-activity-nested": lambda d: d.chain(start(d), ("Call_con", d.node("callActivity", "Call_con", calledElement="Process_con")),
                                              end(d)),
    "long-chain-300": lambda d: d.chain(start(d), *[step(d, f"Task_{i}", limit="1h", kind=("userTask", "task", "manualTask")[i % 3])
                                                    for i in range(300)], end(d)),
    "receive-task-message": simple(lambda d: step(d, "Task_1"), lambda d: (
        "Receive_tra_loi", d.node("receiveTask", "Receive_tra_loi", limits(d), messageRef="Message_tra_loi")),
                                   lambda d: step(d, "Task_ky", role="leader")),
    "message-catch-message": simple(lambda d: ("Event_cho", d.node("intermediateCatchEvent", "Event_cho", limits(d)
                                    + '<bpmn:messageEventDefinition messageRef="Message_tra_loi" />')),
                                    lambda d: step(d, "Task_1")),
    # the payload is workflow data: no branch's condition holds without it
    "message-payload-gateway": lambda d: "\n".join([
        d.chain(start(d), ("Event_cho", d.node("intermediateCatchEvent", "Event_cho", limits(d, "3d")
                + '<bpmn:messageEventDefinition messageRef="Message_tra_loi" />')),
                (g := ("Gateway_ket_qua", d.node("exclusiveGateway", "Gateway_ket_qua")))),
        d.chain(g, step(d, "Task_ky", role="leader"), end(d)),
        d.chain(g, end(d, "End_tu_choi")),
        *[d.condition(f"Flow_Gateway_ket_qua_{target}", text) for target, text in (
            ("Task_ky", "${ket_qua == 'dong_y'}"), ("End_tu_choi", "${ket_qua == 'tu_choi'}"))]]),
    # --- refused at upload
    "receive-task-no-limit": simple(lambda d: step(d, "Task_1"), lambda d: (
        "Receive_tra_loi", d.node("receiveTask", "Receive_tra_loi", messageRef="Message_tra_loi"))),
    "message-catch-no-limit": simple(lambda d: ("Event_cho", d.node(
        "intermediateCatchEvent", "Event_cho", '<bpmn:messageEventDefinition messageRef="Message_tra_loi" />'))),
    "message-start": lambda d: d.chain(("Start_tin", d.node("startEvent", "Start_tin",
                                                            '<bpmn:messageEventDefinition messageRef="Message_tra_loi" />')),
                                       step(d, "Task_1"), end(d)),
    "mi-cardinality-unknown": simple(lambda d: step(d, "Task_lap", loop=mi(cardinality="${so_nguoi}"))),
    "mi-collection-unknown": simple(lambda d: step(d, "Task_lap", loop=mi(collection="danh_sach"))),
    "call-activity-missing": simple(lambda d: ("Call_thieu", d.node("callActivity", "Call_thieu", calledElement="Process_khong_co"))),
    "plain-task-no-role": simple(lambda d: step(d, "Activity_khong_vai_tro", kind="task", role="")),
    "manual-task-no-limit": simple(lambda d: step(d, "Task_khong_han", kind="manualTask", limit="")),
}
MESSAGES = {
    "message-without-name": '<bpmn:message id="Message_1" />\n',
    **{case: '<bpmn:message id="Message_tra_loi" name="tra_loi_lien_thong" />\n' for case in (
        "receive-task-no-limit", "message-catch-no-limit", "receive-task-message", "message-catch-message",
        "message-payload-gateway")},
    "message-start": '<bpmn:message id="Message_tra_loi" name="tra_loi_lien_thong" />\n',
}
#: cases written in one dialect only (the construct is that dialect's)
ONLY = {"mi-cardinality-from-field": ("camunda",), "long-chain-300": ("camunda",)}


def called_process(dialect: str) -> str:
    d = Doc(dialect)
    return ('<bpmn:process id="Process_con" isExecutable="false">\n'
            + d.chain(start(d, "Start_con"), sub(d, "Sub_con", step(d, "Task_con")), end(d, "End_con"))
            + "\n</bpmn:process>\n")


def main() -> None:
    for old in HERE.glob("*.bpmn"):
        old.unlink()
    for case, body in CASES.items():
        for dialect in ONLY.get(case, ("camunda", "spiff")):
            for with_di in (False, True) if case != "long-chain-300" else (False,):
                name = f"{dialect}-{case}" + ("-di" if with_di else "")
                extra = called_process(dialect) if case == "call-activity-nested" else ""
                write(name, dialect, body, with_di, MESSAGES.get(case, ""), extra)


if __name__ == "__main__":
    main()
