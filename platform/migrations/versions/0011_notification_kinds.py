"""notification work: reminders, announcements (issue 8)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 16:00:00

Reserved slot: left empty until the issue needs tables (expand-only when filled).
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
