"""funder reports (issue 12)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 16:00:00

Reserved slot: left empty until the issue needs tables (expand-only when filled).
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
