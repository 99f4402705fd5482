"""What changed between two versions of a procedure's diagram.

A pure function over two :class:`ProcedureDefinition` (as the dialect reader
gives them): elements added and removed, and for elements in both, the
fields that differ — name, type, flows' source, target and condition, and
for user tasks their role, time limit, unit and form.
"""
from __future__ import annotations

from typing import Any

from app.procedures.dialect import ElementInfo, ProcedureDefinition, UserTaskDef
from app.tasks.forms import FormField

#: the fields compared, in the order they are reported
FIELDS = ("type", "name", "source", "target", "condition", "role", "time_limit", "unit", "form")


def diff(old: ProcedureDefinition, new: ProcedureDefinition) -> dict[str, list[dict[str, Any]]]:
    """``{added, removed, changed}`` from ``old`` to ``new``, each sorted by element id."""
    before, after = _described(old), _described(new)
    return {
        "added": [_summary(after[i]) for i in sorted(after.keys() - before.keys())],
        "removed": [_summary(before[i]) for i in sorted(before.keys() - after.keys())],
        "changed": [
            {"element_id": element_id, "changes": changes}
            for element_id in sorted(before.keys() & after.keys())
            if (changes := _changes(before[element_id], after[element_id]))
        ],
    }


def _described(definition: ProcedureDefinition) -> dict[str, dict[str, Any]]:
    return {element_id: _describe(element, definition.user_tasks.get(element_id))
            for element_id, element in definition.elements.items()}


def _describe(element: ElementInfo, task: UserTaskDef | None) -> dict[str, Any]:
    description = {"element_id": element.element_id, "type": element.type, "name": element.name,
                   "source": element.source, "target": element.target, "condition": element.condition}
    if task is not None:
        description.update(role=task.role, time_limit=str(task.time_limit), unit=task.unit,
                           form=[_field_summary(f) for f in task.form])
    return description


def _field_summary(form_field: FormField) -> str:
    """One form field in a line: ``so_ban: long, bắt buộc, 1–10``."""
    parts = [form_field.type]
    if form_field.required:
        parts.append("bắt buộc")
    if form_field.min is not None or form_field.max is not None:
        parts.append(f"{_number(form_field.min)}–{_number(form_field.max)}")
    if form_field.options:
        parts.append("|".join(value for value, _label in form_field.options))
    return f"{form_field.id}: {', '.join(parts)}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _summary(description: dict[str, Any]) -> dict[str, Any]:
    return {key: description[key] for key in ("element_id", "type", "name")}


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"field": name, "old": old.get(name), "new": new.get(name)}
            for name in FIELDS if old.get(name) != new.get(name)]
