"""Toiminnan Miehet: shifts, peer groups, support contacts, meetings, rights and duties

The second revision of the `mens_peer_groups` branch. It depends on the core's 0006
(events), which community meetings refer to.

Revision ID: mens_peer_groups_0002
Revises: mens_peer_groups_0001
Depends on: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tukiverkko.platform.db import tenant_rls_sql

revision = "mens_peer_groups_0002"
down_revision = "mens_peer_groups_0001"
branch_labels = None
depends_on = "0006"

TENANT_OWNED = (
    "mens_peer_groups_shifts",
    "mens_peer_groups_support_contacts",
    "mens_peer_groups_acknowledgements",
    "mens_peer_groups_community_meetings",
    "mens_peer_groups_groups",
    "mens_peer_groups_shift_signups",
    "mens_peer_groups_meetings",
    "mens_peer_groups_members",
    "mens_peer_groups_attendance",
)


def upgrade() -> None:
    op.create_table(
        "mens_peer_groups_shifts",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_mens_peer_groups_shifts_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mens_peer_groups_shifts_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_mens_peer_groups_shifts_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_shifts")),
        sa.UniqueConstraint("programme_id", "starts_at", name="uq_mens_peer_groups_shifts_start"),
    )
    with op.batch_alter_table("mens_peer_groups_shifts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_shifts_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mens_peer_groups_shifts_tenant_programme_start",
            ["tenant_id", "programme_id", "starts_at"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_support_contacts",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("contact_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "face_to_face",
                "video",
                "chat",
                "email",
                "phone",
                name="mens_peer_groups_support_channel",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("referred_onward", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mens_peer_groups_support_contacts_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_support_contacts_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_support_contacts")),
    )
    with op.batch_alter_table("mens_peer_groups_support_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_support_contacts_tenant_id"),
            ["tenant_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_mens_peer_groups_support_contacts_tenant_programme_day",
            ["tenant_id", "programme_id", "contact_on"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_acknowledgements",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_acknowledgements_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_mens_peer_groups_acknowledgements_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_acknowledgements")),
        sa.UniqueConstraint(
            "volunteer_id", "version", name="uq_mens_peer_groups_acknowledgements_once"
        ),
    )
    with op.batch_alter_table("mens_peer_groups_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_acknowledgements_tenant_id"),
            ["tenant_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_mens_peer_groups_acknowledgements_tenant_volunteer",
            ["tenant_id", "volunteer_id"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_community_meetings",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "scope",
            sa.Enum(
                "regional",
                "national",
                name="mens_peer_groups_meeting_scope",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_mens_peer_groups_community_meetings_event_id_events"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mens_peer_groups_community_meetings_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_community_meetings_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_community_meetings")),
        sa.UniqueConstraint("event_id", name="uq_mens_peer_groups_community_meetings_event"),
    )
    with op.batch_alter_table("mens_peer_groups_community_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_community_meetings_tenant_id"),
            ["tenant_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_mens_peer_groups_community_meetings_tenant_programme",
            ["tenant_id", "programme_id"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_groups",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("leader_volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["leader_volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_mens_peer_groups_groups_leader_volunteer_id_volunteers"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mens_peer_groups_groups_programme_id_programmes"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_mens_peer_groups_groups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_groups")),
    )
    with op.batch_alter_table("mens_peer_groups_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_groups_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mens_peer_groups_groups_tenant_programme",
            ["tenant_id", "programme_id"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_shift_signups",
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "signed_up",
                "absent",
                "cancelled",
                name="mens_peer_groups_signup_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("absence_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["mens_peer_groups_shifts.id"],
            name=op.f("fk_mens_peer_groups_shift_signups_shift_id_mens_peer_groups_shifts"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_shift_signups_tenant_id_tenants"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_mens_peer_groups_shift_signups_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_shift_signups")),
        sa.UniqueConstraint(
            "shift_id", "volunteer_id", name="uq_mens_peer_groups_shift_signups_once"
        ),
    )
    with op.batch_alter_table("mens_peer_groups_shift_signups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_shift_signups_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mens_peer_groups_shift_signups_tenant_shift",
            ["tenant_id", "shift_id"],
            unique=False,
        )
    op.create_table(
        "mens_peer_groups_meetings",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["mens_peer_groups_groups.id"],
            name=op.f("fk_mens_peer_groups_meetings_group_id_mens_peer_groups_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_mens_peer_groups_meetings_recorded_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_meetings_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_meetings")),
        sa.UniqueConstraint("group_id", "held_on", name="uq_mens_peer_groups_meetings_group_day"),
    )
    with op.batch_alter_table("mens_peer_groups_meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mens_peer_groups_meetings_tenant_group", ["tenant_id", "group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_meetings_tenant_id"), ["tenant_id"], unique=False
        )
    op.create_table(
        "mens_peer_groups_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["mens_peer_groups_groups.id"],
            name=op.f("fk_mens_peer_groups_members_group_id_mens_peer_groups_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_members_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_members")),
    )
    with op.batch_alter_table("mens_peer_groups_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mens_peer_groups_members_tenant_group", ["tenant_id", "group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_members_tenant_id"), ["tenant_id"], unique=False
        )
    op.create_table(
        "mens_peer_groups_attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["mens_peer_groups_meetings.id"],
            name=op.f("fk_mens_peer_groups_attendance_meeting_id_mens_peer_groups_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["mens_peer_groups_members.id"],
            name=op.f("fk_mens_peer_groups_attendance_member_id_mens_peer_groups_members"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_mens_peer_groups_attendance_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mens_peer_groups_attendance")),
        sa.UniqueConstraint("meeting_id", "member_id", name="uq_mens_peer_groups_attendance_once"),
    )
    with op.batch_alter_table("mens_peer_groups_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mens_peer_groups_attendance_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_mens_peer_groups_attendance_tenant_meeting",
            ["tenant_id", "meeting_id"],
            unique=False,
        )

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_OWNED:
            for statement in tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table("mens_peer_groups_attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_attendance_tenant_meeting")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_attendance_tenant_id"))
    op.drop_table("mens_peer_groups_attendance")
    with op.batch_alter_table("mens_peer_groups_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_members_tenant_id"))
        batch_op.drop_index("ix_mens_peer_groups_members_tenant_group")
    op.drop_table("mens_peer_groups_members")
    with op.batch_alter_table("mens_peer_groups_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_meetings_tenant_id"))
        batch_op.drop_index("ix_mens_peer_groups_meetings_tenant_group")
    op.drop_table("mens_peer_groups_meetings")
    with op.batch_alter_table("mens_peer_groups_shift_signups", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_shift_signups_tenant_shift")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_shift_signups_tenant_id"))
    op.drop_table("mens_peer_groups_shift_signups")
    with op.batch_alter_table("mens_peer_groups_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_groups_tenant_programme")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_groups_tenant_id"))
    op.drop_table("mens_peer_groups_groups")
    with op.batch_alter_table("mens_peer_groups_community_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_community_meetings_tenant_programme")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_community_meetings_tenant_id"))
    op.drop_table("mens_peer_groups_community_meetings")
    with op.batch_alter_table("mens_peer_groups_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_acknowledgements_tenant_volunteer")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_acknowledgements_tenant_id"))
    op.drop_table("mens_peer_groups_acknowledgements")
    with op.batch_alter_table("mens_peer_groups_support_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_support_contacts_tenant_programme_day")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_support_contacts_tenant_id"))
    op.drop_table("mens_peer_groups_support_contacts")
    with op.batch_alter_table("mens_peer_groups_shifts", schema=None) as batch_op:
        batch_op.drop_index("ix_mens_peer_groups_shifts_tenant_programme_start")
        batch_op.drop_index(batch_op.f("ix_mens_peer_groups_shifts_tenant_id"))
    op.drop_table("mens_peer_groups_shifts")
