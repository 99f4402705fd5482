"""Audit chain: each dossier event carries the hash of the one before, each dossier its chain's head

``dossier_events`` gain ``prev_hash`` and ``hash``, ``dossiers`` gain ``audit_head``
(app/dossiers/auditchain.py). The events already stored are chained here, per dossier in the
order of their ids, a batch of dossiers at a time so that a large table is never held in memory.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 15:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

#: dossiers chained per round trip (their events are read in one query)
BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head', sa.String(length=64), nullable=True))
    _chain_existing(op.get_bind())


_DOSSIERS = sa.text("SELECT id, code FROM dossiers WHERE id > :after ORDER BY id LIMIT :size")
#: typed, so that both drivers give back a datetime and parsed JSON
_EVENTS = sa.table('dossier_events', *(sa.column(name) for name in ('id', 'dossier_id', 'kind', 'actor_id',
                                                                    'task_id')),
                   sa.column('at', sa.DateTime()), sa.column('detail', sa.JSON()))
_SET_EVENT = sa.text("UPDATE dossier_events SET prev_hash = :prev, hash = :hash WHERE id = :id")
_SET_HEAD = sa.text("UPDATE dossiers SET audit_head = :head WHERE id = :id")


def _chain_existing(bind) -> None:
    after = 0
    while dossiers := bind.execute(_DOSSIERS, {"after": after, "size": BATCH}).all():
        _chain_batch(bind, {row.id: row.code for row in dossiers})
        after = dossiers[-1].id


def _chain_batch(bind, codes: dict) -> None:
    """Chain the events of these dossiers (ids to codes) and write their heads."""
    from app.dossiers.auditchain import GENESIS, seal

    heads, links = {}, []
    query = sa.select(_EVENTS).where(_EVENTS.c.dossier_id.in_(list(codes))).order_by(
        _EVENTS.c.dossier_id, _EVENTS.c.id)
    for event in bind.execute(query):
        prev = heads.get(event.dossier_id, GENESIS)
        heads[event.dossier_id] = seal(prev, codes[event.dossier_id], event.kind, event.actor_id, event.task_id,
                                       event.at, event.detail)
        links.append({"id": event.id, "prev": prev, "hash": heads[event.dossier_id]})
    if links:
        bind.execute(_SET_EVENT, links)
        bind.execute(_SET_HEAD, [{"id": dossier_id, "head": head} for dossier_id, head in heads.items()])


def downgrade() -> None:
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_column('audit_head')
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
