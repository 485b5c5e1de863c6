"""notification work: reminders, announcements (issue 8)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 16:00:00

Expand-only: one nullable column (the booked interview time of a volunteer,
for the interview reminder); the running release ignores it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interview_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_column("interview_at")
