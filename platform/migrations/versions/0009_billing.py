"""sign-up, plans and billing (issue 10)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 16:00:00

Only new tables (expand-only): the running release ignores them.
`tenant_billing` and `tenant_signups` are tenant-owned (row-level security).
`stripe_events` is written across tenants (before the event's organisation is
known) but carries the organisation's id, so it gets the same policy: an
event with no organisation is visible only to cross-tenant code.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TENANT_OWNED = ("tenant_billing", "tenant_signups", "stripe_events")


def upgrade() -> None:
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_stripe_events_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stripe_events")),
    )
    op.create_table(
        "tenant_billing",
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("requested_plan", sa.String(length=32), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "free",
                "trialing",
                "active",
                "past_due",
                "cancelled",
                name="billing_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_email", sa.String(length=254), nullable=False),
        sa.Column("vat_id", sa.String(length=20), nullable=False),
        sa.Column("einvoice_address", sa.String(length=35), nullable=False),
        sa.Column("einvoice_operator", sa.String(length=35), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=255), nullable=True),
        sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_only_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_billing_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_billing")),
        sa.UniqueConstraint("tenant_id", name="uq_tenant_billing_tenant_id"),
    )
    with op.batch_alter_table("tenant_billing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tenant_billing_stripe_customer_id"), ["stripe_customer_id"]
        )
        batch_op.create_index(batch_op.f("ix_tenant_billing_tenant_id"), ["tenant_id"])

    op.create_table(
        "tenant_signups",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_signups_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tenant_signups_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_signups")),
        sa.UniqueConstraint("tenant_id", name="uq_tenant_signups_tenant_id"),
    )
    with op.batch_alter_table("tenant_signups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_signups_tenant_id"), ["tenant_id"])

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("tenant_signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_signups_tenant_id"))
    op.drop_table("tenant_signups")
    with op.batch_alter_table("tenant_billing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_billing_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_tenant_billing_stripe_customer_id"))
    op.drop_table("tenant_billing")
    op.drop_table("stripe_events")
