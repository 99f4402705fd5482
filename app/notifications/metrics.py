"""The outbox for Prometheus: what the dispatcher sent, and how far behind the queue is.

- ``motcua_outbox_sends_total{channel, outcome}``: each message the dispatcher handled
  (``sent``, ``retried``, ``failed``, ``held``, ``skipped``), counted in the dispatcher's process.
- Read from the database when ``/metrics`` is scraped (:func:`app.core.metrics.at_scrape`), per
  channel (``email``, ``sms``, ``national``: the latter is the National Public Service Portal's
  sync, so its lag is the sync's lag): ``motcua_outbox_messages{channel, state}`` for the pending,
  held and failed messages, and ``motcua_outbox_oldest_pending_age_seconds{channel}``, the age of
  the oldest message still pending (0 when none).

Both queries look the outbox up by ``ix_outbox_channel_state`` (channel, state) for the waiting
states only: their cost follows the messages waiting, never the millions already sent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from app import clock
from app.core.metrics import at_scrape
from app.db import session
from app.notifications.models import OUTBOX_CHANNELS, OutboxMessage

WAITING = ("pending", "held", "failed")

SENDS = Counter("motcua_outbox_sends_total", "Tin hộp thư đi bộ gửi tin đã xử lý, theo kênh và kết quả.",
                ("channel", "outcome"))


def count_send(channel: str, outcome: str) -> None:
    """One message handled by the dispatcher (its own transactions are already committed)."""
    SENDS.labels(channel if channel in OUTBOX_CHANNELS else "other", outcome).inc()


def outbox_figures() -> Iterable[Metric]:
    """The waiting messages by channel and state, and the age of each channel's oldest pending one."""
    counts = GaugeMetricFamily("motcua_outbox_messages", "Số tin hộp thư đi đang chờ, bị giữ hoặc hỏng, theo kênh.",
                               labels=("channel", "state"))
    found = dict(((channel, state), number) for channel, state, number in session.execute(_counts()))
    for channel in OUTBOX_CHANNELS:
        for state in WAITING:
            counts.add_metric((channel, state), found.get((channel, state), 0))
    yield counts
    yield _ages()


def _counts():
    return (select(OutboxMessage.channel, OutboxMessage.state, func.count())
            .where(OutboxMessage.channel.in_(OUTBOX_CHANNELS), OutboxMessage.state.in_(WAITING))
            .group_by(OutboxMessage.channel, OutboxMessage.state))


def _ages() -> Metric:
    ages = GaugeMetricFamily("motcua_outbox_oldest_pending_age_seconds",
                             "Tuổi (giây) của tin chờ gửi lâu nhất, theo kênh; kênh national là độ trễ đồng bộ "
                             "Cổng Dịch vụ công quốc gia.", labels=("channel",))
    oldest = dict(session.execute(
        select(OutboxMessage.channel, func.min(OutboxMessage.created_at))
        .where(OutboxMessage.channel.in_(OUTBOX_CHANNELS), OutboxMessage.state == "pending")
        .group_by(OutboxMessage.channel)).all())
    now = clock.now()
    for channel in OUTBOX_CHANNELS:
        ages.add_metric((channel,), _age(oldest.get(channel), now))
    return ages


def _age(created_at: datetime | None, now: datetime) -> float:
    """Seconds since ``created_at`` (``min()`` keeps the column's type: an aware datetime); 0 when none."""
    return 0.0 if created_at is None else max(0.0, (now - created_at).total_seconds())


at_scrape("outbox", outbox_figures)
