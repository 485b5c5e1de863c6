"""data subject requests, retention and tenant exit (issue 12)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:00:00

Reserved slot: left empty until the issue needs tables (expand-only when filled).
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
