"""TITLE_peer_parents

The first revision of the `peer_parents` branch: its own base, labelled with the
module's key, depending on the core revision that made the tables it refers
to (0006: programmes, volunteers, participants, events). `upgrade heads`
runs it with the core (platform/migrate.py adds this directory).

Revision ID: peer_parents_0001
Revises:
Depends on: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "peer_parents_0001"
down_revision = None
branch_labels = ("peer_parents",)
depends_on = "0006"

TENANT_OWNED = (
    "peer_parents_venues",
    "peer_parents_visits",
    "peer_parents_visit_reports",
)


def upgrade() -> None:
    op.create_table(
        "peer_parents_venues",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("locality", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "neuvola",
                "club",
                "school",
                "family_coaching",
                "other",
                name="peer_parents_venue_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_peer_parents_venues_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_peer_parents_venues_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_parents_venues")),
    )
    with op.batch_alter_table("peer_parents_venues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_parents_venues_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_peer_parents_venues_tenant_programme_locality",
            ["tenant_id", "programme_id", "locality"],
            unique=False,
        )
    op.create_table(
        "peer_parents_visits",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column(
            "transition",
            sa.Enum(
                "expecting",
                "day_care",
                "school",
                "puberty",
                "other",
                name="peer_parents_transition",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_peer_parents_visits_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_peer_parents_visits_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["peer_parents_venues.id"],
            name=op.f("fk_peer_parents_visits_venue_id_peer_parents_venues"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_parents_visits")),
        sa.UniqueConstraint("event_id", name="uq_peer_parents_visits_event"),
    )
    with op.batch_alter_table("peer_parents_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_parents_visits_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_peer_parents_visits_tenant_venue", ["tenant_id", "venue_id"], unique=False
        )
    op.create_table(
        "peer_parents_visit_reports",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("parents_reached", sa.Integer(), nullable=False),
        sa.Column("families_present", sa.Integer(), nullable=False),
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by"],
            ["users.id"],
            name=op.f("fk_peer_parents_visit_reports_reported_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_peer_parents_visit_reports_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["peer_parents_visits.id"],
            name=op.f("fk_peer_parents_visit_reports_visit_id_peer_parents_visits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_parents_visit_reports")),
        sa.UniqueConstraint("visit_id", name="uq_peer_parents_visit_reports_visit"),
    )
    with op.batch_alter_table("peer_parents_visit_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_parents_visit_reports_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_peer_parents_visit_reports_tenant_visit", ["tenant_id", "visit_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("peer_parents_visit_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_peer_parents_visit_reports_tenant_visit")
        batch_op.drop_index(batch_op.f("ix_peer_parents_visit_reports_tenant_id"))
    op.drop_table("peer_parents_visit_reports")
    with op.batch_alter_table("peer_parents_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_peer_parents_visits_tenant_venue")
        batch_op.drop_index(batch_op.f("ix_peer_parents_visits_tenant_id"))
    op.drop_table("peer_parents_visits")
    with op.batch_alter_table("peer_parents_venues", schema=None) as batch_op:
        batch_op.drop_index("ix_peer_parents_venues_tenant_programme_locality")
        batch_op.drop_index(batch_op.f("ix_peer_parents_venues_tenant_id"))
    op.drop_table("peer_parents_venues")
