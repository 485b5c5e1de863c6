"""sign-up, plans and billing (issue 10)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 16:00:00

Reserved slot: left empty until the issue needs tables (expand-only when filled).
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
