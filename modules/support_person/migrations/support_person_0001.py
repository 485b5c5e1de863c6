"""MLL Kaveri: the answers asked at intake

The first revision of the `support_person` branch: its own base, labelled with the
module's key, depending on the core revision that made the tables it refers
to (0004: programmes, volunteers, participants, matches). `upgrade heads`
runs it with the core (platform/migrate.py adds this directory).

Revision ID: support_person_0001
Revises:
Depends on: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "support_person_0001"
down_revision = None
branch_labels = ("support_person",)
depends_on = "0004"

TENANT_OWNED = ("support_person_intake_answers",)


def upgrade() -> None:
    op.create_table(
        "support_person_intake_answers",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("child_protection_client", sa.Boolean(), nullable=False),
        sa.Column("guardian_consent_given_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_support_person_intake_answers_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_support_person_intake_answers_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_person_intake_answers")),
        sa.UniqueConstraint("participant_id", name="uq_support_person_intake_answers_participant"),
    )
    with op.batch_alter_table("support_person_intake_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_support_person_intake_answers_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_support_person_intake_answers_tenant_participant",
            ["tenant_id", "participant_id"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("support_person_intake_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_support_person_intake_answers_tenant_participant")
        batch_op.drop_index(batch_op.f("ix_support_person_intake_answers_tenant_id"))

    op.drop_table("support_person_intake_answers")
