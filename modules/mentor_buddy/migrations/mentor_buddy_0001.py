"""Mieskaverit®: the volunteer's facts for approval, the staged start of a match

The first revision of the `mentor_buddy` branch: its own base, labelled with the
module's key, depending on the core revision that made the tables it refers
to (0004: programmes, volunteers, participants, matches). `upgrade heads`
runs it with the core (platform/migrate.py adds this directory).

Revision ID: mentor_buddy_0001
Revises:
Depends on: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "mentor_buddy_0001"
down_revision = None
branch_labels = ("mentor_buddy",)
depends_on = "0004"

TENANT_OWNED = (
    "mentor_buddy_volunteer_facts",
    "mentor_buddy_start_steps",
)


def upgrade() -> None:
    op.create_table(
        "mentor_buddy_volunteer_facts",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "gender",
            sa.Enum(
                "man", "woman", "other", name="mentor_buddy_gender", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("birth_year", sa.Integer(), nullable=False),
        sa.Column("adult_confirmed", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_mentor_buddy_volunteer_facts_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mentor_buddy_volunteer_facts_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_mentor_buddy_volunteer_facts_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_buddy_volunteer_facts")),
        sa.UniqueConstraint("volunteer_id", name="uq_mentor_buddy_volunteer_facts_volunteer"),
    )
    with op.batch_alter_table("mentor_buddy_volunteer_facts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_buddy_volunteer_facts_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentor_buddy_volunteer_facts_tenant_volunteer",
            ["tenant_id", "volunteer_id"],
            unique=False,
        )

    op.create_table(
        "mentor_buddy_start_steps",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_mentor_buddy_start_steps_match_id_matches")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_mentor_buddy_start_steps_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mentor_buddy_start_steps_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_buddy_start_steps")),
        sa.UniqueConstraint("match_id", "step", name="uq_mentor_buddy_start_steps_match_step"),
    )
    with op.batch_alter_table("mentor_buddy_start_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_buddy_start_steps_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentor_buddy_start_steps_tenant_match", ["tenant_id", "match_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("mentor_buddy_start_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_buddy_start_steps_tenant_match")
        batch_op.drop_index(batch_op.f("ix_mentor_buddy_start_steps_tenant_id"))

    op.drop_table("mentor_buddy_start_steps")
    with op.batch_alter_table("mentor_buddy_volunteer_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_buddy_volunteer_facts_tenant_volunteer")
        batch_op.drop_index(batch_op.f("ix_mentor_buddy_volunteer_facts_tenant_id"))

    op.drop_table("mentor_buddy_volunteer_facts")
