"""volunteer absences and changes, closing surveys, public intake (issue 6)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 16:00:00

Expand-only: three new tenant-owned tables (with row-level security on
PostgreSQL) and nullable or server-defaulted columns the running release
ignores.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TENANT_OWNED = ("volunteer_absences", "volunteer_changes", "closing_survey_offers")


def upgrade() -> None:
    op.create_table(
        "volunteer_absences",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_volunteer_absences_reported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_volunteer_absences_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_absences_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_absences")),
    )
    with op.batch_alter_table("volunteer_absences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_absences_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_absences_tenant_starts", ["tenant_id", "starts_on"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_absences_tenant_volunteer", ["tenant_id", "volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_changes",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_volunteer_changes_reported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_volunteer_changes_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_changes_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_changes")),
    )
    with op.batch_alter_table("volunteer_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_changes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_changes_tenant_volunteer", ["tenant_id", "volunteer_id"], unique=False
        )

    op.create_table(
        "closing_survey_offers",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.Uuid(), nullable=False),
        sa.Column(
            "side",
            sa.Enum("volunteer", "participant", name="survey_side", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["feedback_answers.id"],
            name=op.f("fk_closing_survey_offers_answer_id_feedback_answers"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["feedback_forms.id"],
            name=op.f("fk_closing_survey_offers_form_id_feedback_forms"),
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_closing_survey_offers_match_id_matches")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_closing_survey_offers_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_closing_survey_offers_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_closing_survey_offers_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closing_survey_offers")),
        sa.UniqueConstraint("match_id", "side", name="uq_closing_survey_offers_side"),
    )
    with op.batch_alter_table("closing_survey_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_closing_survey_offers_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_closing_survey_offers_tenant_match", ["tenant_id", "match_id"], unique=False
        )
        batch_op.create_index(
            "ix_closing_survey_offers_tenant_user", ["tenant_id", "user_id"], unique=False
        )

    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_id", sa.Uuid(), nullable=True))

    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "accepts_participant_applications",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("closing_survey_form_id", sa.Uuid(), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("closing_survey_form_id")
        batch_op.drop_column("accepts_participant_applications")
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.drop_column("match_id")
    for table, indexes in (
        (
            "closing_survey_offers",
            (
                "ix_closing_survey_offers_tenant_user",
                "ix_closing_survey_offers_tenant_match",
                "ix_closing_survey_offers_tenant_id",
            ),
        ),
        (
            "volunteer_changes",
            ("ix_volunteer_changes_tenant_volunteer", "ix_volunteer_changes_tenant_id"),
        ),
        (
            "volunteer_absences",
            (
                "ix_volunteer_absences_tenant_volunteer",
                "ix_volunteer_absences_tenant_starts",
                "ix_volunteer_absences_tenant_id",
            ),
        ),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
