"""The calendar check of each year, read by the administrators' banner

``flask calendar check`` (and the scheduler, once a day) writes one row per year
checked: whether the holiday package only estimates that year and how many of its
days are confirmed; an administrator's confirmation of the year is kept beside it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_year_checks',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('estimated', sa.Boolean(), nullable=False),
    sa.Column('confirmed_days', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_year_checks'))
    )


def downgrade() -> None:
    op.drop_table('calendar_year_checks')
