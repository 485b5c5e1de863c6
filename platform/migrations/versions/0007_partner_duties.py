"""partner duties: change reports and yearly reports (issue 5)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:00:00

Expand-only: two new federation-level tables (global like `licences`, so no
row-level security), nullable or server-defaulted columns for the yearly
report's deadline, and the publication time of a partner's event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_change_reports",
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "coordinator_changed",
                "contact_person_changed",
                "activity_paused",
                "activity_resumed",
                "other",
                name="licence_change_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licences.id"],
            name=op.f("fk_licence_change_reports_licence_id_licences"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_change_reports")),
    )
    with op.batch_alter_table("licence_change_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_change_reports_licence_id"), ["licence_id"], unique=False
        )

    op.create_table(
        "licence_yearly_reports",
        sa.Column("licence_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "due",
                "submitted",
                "acknowledged",
                name="yearly_report_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Uuid(), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"],
            ["licences.id"],
            name=op.f("fk_licence_yearly_reports_licence_id_licences"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_yearly_reports")),
        sa.UniqueConstraint(
            "licence_id", "year", name=op.f("uq_licence_yearly_reports_licence_id")
        ),
    )
    with op.batch_alter_table("licence_yearly_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_yearly_reports_licence_id"), ["licence_id"], unique=False
        )

    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report_due_month", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("report_due_day", sa.Integer(), nullable=True))

    with op.batch_alter_table("programme_models", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_due_month", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("report_due_day", sa.Integer(), server_default="31", nullable=False)
        )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("published_at")
    with op.batch_alter_table("programme_models", schema=None) as batch_op:
        batch_op.drop_column("report_due_day")
        batch_op.drop_column("report_due_month")
    with op.batch_alter_table("licences", schema=None) as batch_op:
        batch_op.drop_column("report_due_day")
        batch_op.drop_column("report_due_month")
    with op.batch_alter_table("licence_yearly_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_yearly_reports_licence_id"))
    op.drop_table("licence_yearly_reports")
    with op.batch_alter_table("licence_change_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_change_reports_licence_id"))
    op.drop_table("licence_change_reports")
