"""Reports: one row of facts per received dossier, the officers' step counters, background jobs

``report_facts`` holds what reports count of each received dossier, kept by the dossier events
from now on (app/reports/facts.py) and filled here from the dossiers already in the database
(their working days taken are left empty: the figures of days are for dossiers finished after
this upgrade). ``report_step_counts`` adds up completed steps per officer and day/month, filled
here from the completed tasks. ``report_jobs`` are the registers printed in the background.
Two partial indexes of ``tasks`` serve the list of late steps.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 12:22:28
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('file_key', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_jobs_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_report_jobs_state', ['state', 'created_at'], unique=False)

    op.create_table('report_step_counts',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('early', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_step_counts_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_step_counts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grain', 'start', 'user_id', 'unit_id', name=op.f('pk_report_step_counts'))
    )
    op.create_table('report_facts',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_month', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('reappointed_at', sa.DateTime(), nullable=True),
    sa.Column('finished_on', sa.Date(), nullable=True),
    sa.Column('finished_month', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('fee', sa.Boolean(), nullable=False),
    sa.Column('paid_online', sa.Boolean(), nullable=False),
    sa.Column('e_result', sa.Boolean(), nullable=False),
    sa.Column('digitised', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('days_taken', sa.Float(), nullable=True),
    sa.Column('legal_days', sa.Float(), nullable=True),
    sa.Column('days_saved', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_report_facts_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_report_facts_procedure_id_procedures')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_facts_unit_id_units')),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_report_facts'))
    )
    with op.batch_alter_table('report_facts', schema=None) as batch_op:
        batch_op.create_index('ix_report_facts_finished', ['finished_on', 'unit_id'], unique=False, postgresql_include=[
            'procedure_id', 'finished_month', 'outcome', 'rating', 'e_result', 'days_taken', 'legal_days', 'days_saved'])
        batch_op.create_index('ix_report_facts_open', ['unit_id'], unique=False, postgresql_where=sa.text('finished_on IS NULL'), sqlite_where=sa.text('finished_on IS NULL'), postgresql_include=[
            'received_on', 'received_month', 'procedure_id', 'finished_on', 'due_at', 'paused', 'reappointed_at'])
        batch_op.create_index('ix_report_facts_received', ['received_on', 'unit_id'], unique=False, postgresql_include=[
            'procedure_id', 'received_month', 'online', 'fee', 'paid_online', 'digitised'])
        batch_op.create_index('ix_report_facts_unit_received', ['unit_id', 'received_on'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_late_due', ['due_at'], unique=False, postgresql_where=sa.text("timeliness = 'late'"), sqlite_where=sa.text("timeliness = 'late'"))
        batch_op.create_index('ix_tasks_open_due', ['due_at'], unique=False, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
    _fill_facts()
    _fill_step_counts()


def _local_day(moment):
    """The local day of a naive UTC time (text on SQLite), in the instance's zone (set before migrations run)."""
    from datetime import datetime, timezone

    from app import clock

    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc).astimezone(clock.LOCAL_TZ).date()


_DOSSIERS = sa.text(
    "SELECT d.id, d.receiving_unit_id, d.procedure_id, d.received_at, d.due_at, d.status, d.channel,"
    " d.reappointed_at, d.finished_at, d.timeliness, p.fee_amount,"
    " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'submitted') AS digitised,"
    " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'result') AS e_result,"
    " EXISTS (SELECT 1 FROM payments m WHERE m.dossier_id = d.id AND m.method = 'online' AND m.state = 'paid')"
    " AS paid_online, (SELECT r.score FROM ratings r WHERE r.dossier_id = d.id) AS rating"
    " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"
    " WHERE d.sandbox = :no AND d.clock_started_at IS NOT NULL")


def _fill_facts() -> None:
    """A row for each dossier already received (refused ones too, if they had been received)."""
    bind = op.get_bind()
    facts = sa.table('report_facts', *(sa.column(name) for name in (
        'dossier_id', 'unit_id', 'procedure_id', 'received_on', 'received_month', 'due_at', 'paused',
        'reappointed_at', 'finished_on', 'finished_month', 'outcome', 'online', 'fee', 'paid_online',
        'e_result', 'digitised', 'rating')))
    rows = [_fact(row) for row in bind.execute(_DOSSIERS, {"no": False})]
    if rows:
        op.bulk_insert(facts, rows)


def _fact(row) -> dict:
    received, finished = _local_day(row.received_at), _local_day(row.finished_at)
    return {
        "dossier_id": row.id, "unit_id": row.receiving_unit_id, "procedure_id": row.procedure_id,
        "received_on": received, "received_month": received.year * 100 + received.month, "due_at": _moment(row.due_at),
        "paused": row.status == "awaiting_supplement", "reappointed_at": _moment(row.reappointed_at),
        "finished_on": finished, "finished_month": finished.year * 100 + finished.month if finished else None,
        "outcome": "refused" if row.status == "refused" else row.timeliness, "online": row.channel == "online",
        "fee": (row.fee_amount or 0) > 0, "paid_online": bool(row.paid_online), "e_result": bool(row.e_result),
        "digitised": bool(row.digitised), "rating": row.rating}


def _moment(value):
    """A stored time as the driver gives it back (text on SQLite), for the insert."""
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else value


_STEPS = sa.text(
    "SELECT t.completed_by_id, u.unit_id, t.completed_at, t.timeliness FROM tasks t"
    " JOIN users u ON u.id = t.completed_by_id JOIN dossiers d ON d.id = t.dossier_id"
    " WHERE t.state = 'completed' AND t.timeliness IS NOT NULL AND d.sandbox = :no")


def _fill_step_counts() -> None:
    """The counters of the steps already completed, per officer and day, and per month."""
    counts: dict[tuple, dict[str, int]] = {}
    for user_id, unit_id, completed_at, timeliness in op.get_bind().execute(_STEPS, {"no": False}):
        day = _local_day(completed_at)
        for key in (("d", day, user_id, unit_id), ("m", day.replace(day=1), user_id, unit_id)):
            row = counts.setdefault(key, {"early": 0, "on_time": 0, "late": 0})
            row[timeliness] = row.get(timeliness, 0) + 1
    table = sa.table('report_step_counts', *(sa.column(name) for name in (
        'grain', 'start', 'user_id', 'unit_id', 'early', 'on_time', 'late')))
    rows = [{"grain": grain, "start": start, "user_id": user, "unit_id": unit, **values}
            for (grain, start, user, unit), values in counts.items()]
    if rows:
        op.bulk_insert(table, rows)



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_due', postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.drop_index('ix_tasks_late_due', postgresql_where=sa.text("timeliness = 'late'"), sqlite_where=sa.text("timeliness = 'late'"))

    with op.batch_alter_table('report_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_report_facts_unit_received')
        batch_op.drop_index('ix_report_facts_received')
        batch_op.drop_index('ix_report_facts_open', postgresql_where=sa.text('finished_on IS NULL'), sqlite_where=sa.text('finished_on IS NULL'))
        batch_op.drop_index('ix_report_facts_finished')

    op.drop_table('report_facts')
    op.drop_table('report_step_counts')
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_report_jobs_state')
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))

    op.drop_table('report_jobs')
