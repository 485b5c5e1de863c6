"""data subject requests, retention and tenant exit (issue 12)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 16:00:00

Only new tables (expand-only): the running release ignores them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TENANT_OWNED = ("privacy_requests", "privacy_settings", "erased_subjects", "tenant_exports")


def _subject_type() -> sa.Enum:
    return sa.Enum(
        "volunteer",
        "participant",
        "user",
        name="privacy_subject_type",
        native_enum=False,
        length=32,
    )


def upgrade() -> None:
    op.create_table(
        "erased_subjects",
        sa.Column("subject_type", _subject_type(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum("request", "retention", name="erasure_reason", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_erased_subjects_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_subjects")),
        sa.UniqueConstraint(
            "tenant_id", "subject_type", "subject_id", name="uq_erased_subjects_once"
        ),
    )
    with op.batch_alter_table("erased_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erased_subjects_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "privacy_settings",
        sa.Column("controller_name", sa.String(length=200), nullable=False),
        sa.Column("controller_contact", sa.String(length=500), nullable=False),
        sa.Column("dpo_contact", sa.String(length=500), nullable=False),
        sa.Column("retention_ended_volunteers_days", sa.Integer(), nullable=False),
        sa.Column("retention_closed_participants_days", sa.Integer(), nullable=False),
        sa.Column("retention_sign_in_events_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_privacy_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_settings")),
        sa.UniqueConstraint("tenant_id", name="uq_privacy_settings_tenant"),
    )
    with op.batch_alter_table("privacy_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_settings_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "tenant_exits",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["tenants.id"],
            name=op.f("fk_tenant_exits_organisation_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_exits")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_tenant_exits_organisation_id")),
    )

    op.create_table(
        "privacy_requests",
        sa.Column(
            "kind",
            sa.Enum(
                "access",
                "rectification",
                "erasure",
                name="privacy_request_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_type", _subject_type(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "completed",
                "refused",
                name="privacy_request_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("export_key", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["users.id"], name=op.f("fk_privacy_requests_handled_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_privacy_requests_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_privacy_requests_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_requests_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_privacy_requests_tenant_status_due",
            ["tenant_id", "status", "due_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_privacy_requests_tenant_subject", ["tenant_id", "subject_id"], unique=False
        )

    op.create_table(
        "tenant_exports",
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "ready",
                "failed",
                name="tenant_export_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_tenant_exports_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_exports_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_exports")),
    )
    with op.batch_alter_table("tenant_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenant_exports_tenant_id"), ["tenant_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    for table in ("tenant_exports", "privacy_requests", "privacy_settings", "erased_subjects"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_tenant_id"))
            if table == "privacy_requests":
                batch_op.drop_index("ix_privacy_requests_tenant_status_due")
                batch_op.drop_index("ix_privacy_requests_tenant_subject")
        op.drop_table(table)
    op.drop_table("tenant_exits")
