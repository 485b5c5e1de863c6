"""room for sealed SSO client secrets (platform/encryption.py)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:40:00

`sso_providers.client_secret` holds the secret sealed with Fernet, longer
than the plain text it held: varchar(255) -> text. Widening only (no table
rewrite on PostgreSQL); the previous release reads and writes it as before.
Existing values stay plain text until written again or `tukiverkko
encryption reseal` runs (after every process runs this release).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sso_providers") as batch:
        batch.alter_column(
            "client_secret", existing_type=sa.String(length=255), type_=sa.Text(),
            existing_nullable=False,
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("sso_providers") as batch:
        batch.alter_column(
            "client_secret", existing_type=sa.Text(), type_=sa.String(length=255),
            existing_nullable=False,
        )  # fmt: skip
