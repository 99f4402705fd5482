"""Work that several scheduler processes share: rows claimed in batches, each handled once.

A batch is selected and, on PostgreSQL, locked with ``FOR UPDATE SKIP LOCKED``, so that
concurrent schedulers take different rows; on SQLite the write transaction is exclusive
anyway.  The caller's query re-reads the "not yet done" condition under that lock, so a row
handled and committed by one scheduler no longer matches for the next.  Used by the deadline
sweep and by the reminders of uncollected results.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from app.db import session

BATCH = 200


def drain(query, handle: Callable[[Any, datetime], int], now: datetime, options: tuple = ()) -> int:
    """Claim and handle batches until none is left, committing each; returns how many were handled.

    A row still matching after it was handled (a timer that did not fire) is not taken
    again in this run.  ``options`` are loader options for the claimed rows.
    """
    done, seen = 0, set()
    while True:
        rows = claim(query, options)
        fresh = [row for row in rows if row.id not in seen]
        for row in fresh:
            done += handle(row, now)
            seen.add(row.id)
        session.commit()
        if len(rows) < BATCH or not fresh:
            return done


def claim(query, options: tuple = ()) -> list:
    """The next batch of rows, locked for this transaction (skipping rows another process holds)."""
    entity = query.column_descriptions[0]["entity"]
    query = query.options(*options).limit(BATCH)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=entity, skip_locked=True)
    return list(session.scalars(query).unique())
