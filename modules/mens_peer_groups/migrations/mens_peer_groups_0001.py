"""Toiminnan Miehet: the anonymous MIESluuri call log

The first revision of the `mens_peer_groups` branch: its own base, labelled with the
module's key, depending on the core revision that made the tables it refers
to (0004: programmes, volunteers, participants, matches). `upgrade heads`
runs it with the core (platform/migrate.py adds this directory).

Revision ID: mens_peer_groups_0001
Revises:
Depends on: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "mens_peer_groups_0001"
down_revision = None
branch_labels = ("mens_peer_groups",)
depends_on = "0004"

TENANT_OWNED = ("mens_peer_groups_calls",)


def upgrade() -> None:
    op.create_table(
        "mens_peer_groups_calls",
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "topic",
            sa.Enum(
                "relationship",
                "divorce",
                "parenthood",
                "loneliness",
                "mental_health",
                "substances",
                "violence",
                "work_money",
                "other",
                name="mens_peer_groups_topic",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("referred_onward", sa.Boolean(), nullable=False),
        sa.Column("shift_date", sa.Date(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_mens_peer_groups_calls_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_calls")),
    )
    with op.batch_alter_table("mens_peer_groups_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_calls_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mens_peer_groups_calls_tenant_shift", ["tenant_id", "shift_date"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("mens_peer_groups_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_calls_tenant_shift")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_calls_tenant_id"))

    op.drop_table("mens_peer_groups_calls")
