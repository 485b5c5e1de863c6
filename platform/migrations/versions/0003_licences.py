"""programme models, licences, model courses, orientation-folder files

Revision ID: 0003
Revises: 0001

All tables here are global (federation-level, guarded by role): none has a
tenant_id, so none needs row-level security. Branches from 0001 beside
0002; `upgrade heads` runs both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_models",
        sa.Column("owner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("module_key", sa.String(length=64), nullable=False),
        sa.Column("operating_principles", sa.Text(), nullable=False),
        sa.Column("curriculum", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_programme_models_owner_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_models")),
        sa.UniqueConstraint("name", name=op.f("uq_programme_models_name")),
    )
    with op.batch_alter_table("programme_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programme_models_module_key"), ["module_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_programme_models_owner_tenant_id"), ["owner_tenant_id"], unique=False
        )

    op.create_table(
        "licences",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "under_review",
                "rejected",
                "granted",
                "active",
                "suspended",
                "revoked",
                "expired",
                name="licence_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("application_note", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("how_to_apply", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["programme_models.id"],
            name=op.f("fk_licences_model_id_programme_models"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_licences_partner_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licences")),
    )
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licences_model_id"), ["model_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_licences_partner_tenant_id"), ["partner_tenant_id"], unique=False
        )

    op.create_table(
        "model_courses",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["programme_models.id"],
            name=op.f("fk_model_courses_model_id_programme_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_courses")),
    )
    with op.batch_alter_table("model_courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_courses_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_courses_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "model_materials",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "training",
                "brochure",
                "curriculum",
                "application_guide",
                "ad_template",
                "press_release_template",
                "logo",
                "logo_guidelines",
                name="material_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["programme_models.id"],
            name=op.f("fk_model_materials_model_id_programme_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_materials")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_model_materials_storage_key")),
    )
    with op.batch_alter_table("model_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_materials_model_id"), ["model_id"], unique=False)

    op.create_table(
        "course_enrolments",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("partner_tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("participant_name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "enrolled",
                "completed",
                "cancelled",
                name="course_enrolment_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("enrolled_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by", sa.Uuid(), nullable=False),
        sa.Column("completed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["model_courses.id"],
            name=op.f("fk_course_enrolments_course_id_model_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_tenant_id"],
            ["tenants.id"],
            name=op.f("fk_course_enrolments_partner_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_course_enrolments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_enrolments")),
        sa.UniqueConstraint("course_id", "user_id", name=op.f("uq_course_enrolments_course_id")),
    )
    with op.batch_alter_table("course_enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_enrolments_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_enrolments_partner_tenant_id"),
            ["partner_tenant_id"],
            unique=False,
        )

    op.create_table(
        "licence_conditions",
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "course_completed",
                "agreement_signed",
                "resources_declared",
                name="licence_condition_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("satisfied_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("satisfied_by", sa.Uuid(), nullable=True),
        sa.Column("satisfied_by_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_licence_conditions_licence_id_licences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_conditions")),
        sa.UniqueConstraint("licence_id", "kind", name=op.f("uq_licence_conditions_licence_id")),
    )
    with op.batch_alter_table("licence_conditions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_conditions_licence_id"), ["licence_id"], unique=False
        )

    op.create_table(
        "licence_events",
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_tenant_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licences.id"], name=op.f("fk_licence_events_licence_id_licences")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_events")),
    )
    with op.batch_alter_table("licence_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_licence_events_licence_id"), ["licence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("licence_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_events_licence_id"))
        batch_op.drop_index(batch_op.f("ix_licence_events_at"))

    op.drop_table("licence_events")
    with op.batch_alter_table("licence_conditions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_conditions_licence_id"))

    op.drop_table("licence_conditions")
    with op.batch_alter_table("course_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_enrolments_partner_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_course_enrolments_course_id"))

    op.drop_table("course_enrolments")
    with op.batch_alter_table("model_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_materials_model_id"))

    op.drop_table("model_materials")
    with op.batch_alter_table("model_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_courses_starts_at"))
        batch_op.drop_index(batch_op.f("ix_model_courses_model_id"))

    op.drop_table("model_courses")
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licences_partner_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_licences_model_id"))

    op.drop_table("licences")
    with op.batch_alter_table("programme_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programme_models_owner_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_programme_models_module_key"))

    op.drop_table("programme_models")
