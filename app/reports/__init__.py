"""Dashboards, reports, the Decision 766 indicators and their exports (issue #12).

Importing the package connects the receiver that keeps the reports' facts (:mod:`.facts`) in
the transaction of every dossier event, so the web, the CLI and the scheduler all keep them.
"""
from app.reports import facts  # noqa: F401
