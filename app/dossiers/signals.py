"""What happens to dossiers, for whoever must act on it without the dossiers module knowing them.

:data:`event_recorded` is sent for every line written to a dossier's audit trail, inside the
transaction that writes it: a receiver that adds rows (the notifications' outbox, later the
national portal's messages) adds them to the same transaction, so they exist exactly when
the event does.  Receivers get ``dossier`` as the sender and ``kind``, ``detail``, ``actor``,
``at`` as keywords, and must neither commit nor call out of the process.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

event_recorded = _signals.signal("dossier-event-recorded")
