"""TITLE_family_sponsor

The first revision of the `family_sponsor` branch: its own base, labelled with the
module's key, depending on the core revision that made the tables it refers
to (0006: programmes, volunteers, participants, events). `upgrade heads`
runs it with the core (platform/migrate.py adds this directory).

Revision ID: family_sponsor_0001
Revises:
Depends on: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "family_sponsor_0001"
down_revision = None
branch_labels = ("family_sponsor",)
depends_on = "0006"

TENANT_OWNED = (
    "family_sponsor_guidance_acknowledgements",
    "family_sponsor_intake_answers",
)


def upgrade() -> None:
    op.create_table(
        "family_sponsor_guidance_acknowledgements",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_family_sponsor_guidance_acknowledgements_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_family_sponsor_guidance_acknowledgements_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_family_sponsor_guidance_acknowledgements_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_sponsor_guidance_acknowledgements")),
        sa.UniqueConstraint("volunteer_id", name="uq_family_sponsor_guidance_volunteer"),
    )
    with op.batch_alter_table("family_sponsor_guidance_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_sponsor_guidance_acknowledgements_tenant_id"),
            ["tenant_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_family_sponsor_guidance_tenant_volunteer",
            ["tenant_id", "volunteer_id"],
            unique=False,
        )
    op.create_table(
        "family_sponsor_intake_answers",
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("need_scale", sa.Integer(), nullable=False),
        sa.Column("need_text", sa.Text(), nullable=False),
        sa.Column("children_birth_years", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_family_sponsor_intake_answers_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_family_sponsor_intake_answers_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_sponsor_intake_answers")),
        sa.UniqueConstraint("participant_id", name="uq_family_sponsor_intake_answers_participant"),
    )
    with op.batch_alter_table("family_sponsor_intake_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_sponsor_intake_answers_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_family_sponsor_intake_answers_tenant_participant",
            ["tenant_id", "participant_id"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("family_sponsor_intake_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_family_sponsor_intake_answers_tenant_participant")
        batch_op.drop_index(batch_op.f("ix_family_sponsor_intake_answers_tenant_id"))
    op.drop_table("family_sponsor_intake_answers")
    with op.batch_alter_table("family_sponsor_guidance_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_family_sponsor_guidance_tenant_volunteer")
        batch_op.drop_index(batch_op.f("ix_family_sponsor_guidance_acknowledgements_tenant_id"))
    op.drop_table("family_sponsor_guidance_acknowledgements")
