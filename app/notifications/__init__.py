"""Messages to officers, units and citizens: in-app rows, and an outbox the dispatcher sends by e-mail and SMS.

Importing the package connects the receivers of dossier events (:mod:`.events`, and
:mod:`.sync` for the national portal): every
process that maps the tables (``app.models``) writes the outbox rows its events call for.
It also gives ``/metrics`` the outbox's figures (:mod:`.metrics`).
"""
from app.notifications import events, metrics, sync  # noqa: F401
