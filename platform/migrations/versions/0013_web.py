"""web application state (issue 9)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 16:00:00

Reserved slot: left empty until the issue needs tables (expand-only when filled).
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
