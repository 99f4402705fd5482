"""What each corpus diagram must do: run to its end, or be refused naming an element.

Keyed by case (the file name without its dialect prefix and ``-di`` suffix):
``RUNS`` run to ``ready_for_return`` when each open task is completed by someone
holding its role and each message awaited is delivered; ``REFUSED`` maps a case to the element its 422 must name.
"""
RUNS = {
    "nested-subprocess", "nested-subprocess-3", "manual-task", "plain-task", "plain-task-signoff",
    "mi-parallel-cardinality", "mi-sequential-cardinality", "mi-cardinality-from-field", "mi-subprocess",
    "message-without-name", "parallel-mixed-steps", "call-activity-nested", "long-chain-300",
    "receive-task-message", "message-catch-message", "message-payload-gateway",
}
REFUSED = {
    "receive-task-no-limit": "Receive_tra_loi",     # a message wait needs a deadline, as a step does
    "message-catch-no-limit": "Event_cho",
    "message-start": "Start_tin",
    "mi-cardinality-unknown": "Task_lap",
    "mi-collection-unknown": "Task_lap",
    "call-activity-missing": "Call_thieu",
    "plain-task-no-role": "Activity_khong_vai_tro",
    "manual-task-no-limit": "Task_khong_han",
}
#: form data a step needs (by element id); every other step is signed off with {}
DATA = {"Task_tiep_nhan": {"so_ban": 2}}
#: what another system replies when a dossier waits at an element (delivered through the messages API)
PAYLOADS = {"Event_cho": {"ket_qua": "dong_y"}}
#: who completes a step of each role in the receiving commune (Tân Hòa, the demo)
ACTORS = {"officer": "chuyenvien.tanhoa", "leader": "lanhdao.tanhoa"}


def case_of(stem: str) -> str:
    """``camunda-nested-subprocess-di`` → ``nested-subprocess``."""
    case = stem.split("-", 1)[1]
    return case[:-3] if case.endswith("-di") else case
