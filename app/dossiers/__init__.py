"""Dossiers: reception, the workflow's steps, files, payments and results.

Importing the package connects the receiver that counts dossier events for Prometheus
(:mod:`.metrics`), in every process that records them.
"""
from app.dossiers import metrics  # noqa: F401
