"""Tables of Toiminnan Miehet: the anonymous call log and the shifts of the MIESluuri phone
line, peer groups (Sakit) with members and attendance, counted individual support contacts,
community meetings and the volunteers' acknowledgement of their rights and duties."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum
from tukiverkko.platform.primitives.models_followup import Event


class Topic(enum.StrEnum):
    RELATIONSHIP = "relationship"
    DIVORCE = "divorce"
    PARENTHOOD = "parenthood"
    LONELINESS = "loneliness"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCES = "substances"
    VIOLENCE = "violence"
    WORK_MONEY = "work_money"
    OTHER = "other"


class Call(HasId, TenantOwned, Base):
    """One call: nothing that could identify the caller.

    Deliberately no timestamps (`HasTimestamps`), no volunteer and no free
    text: a creation time to the second, or who answered, could be matched
    against phone records or the shift list and point to a caller. The
    shift's date is the finest time kept.
    """

    __tablename__ = "mens_peer_groups_calls"
    __table_args__ = (Index("ix_mens_peer_groups_calls_tenant_shift", "tenant_id", "shift_date"),)

    duration_minutes: Mapped[int] = mapped_column(Integer)
    topic: Mapped[Topic] = mapped_column(str_enum(Topic, "mens_peer_groups_topic"))
    referred_onward: Mapped[bool]
    shift_date: Mapped[date]


# --- peer groups (Sakit) -------------------------------------------------------


class PeerGroup(HasId, HasTimestamps, TenantOwned, Base):
    """A peer group (Sakki) on a theme, led by a trained peer man (a volunteer)."""

    __tablename__ = "mens_peer_groups_groups"
    __table_args__ = (
        Index("ix_mens_peer_groups_groups_tenant_programme", "tenant_id", "programme_id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    name: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(200))
    leader_volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    closed_at: Mapped[datetime | None]


class GroupMember(HasId, HasTimestamps, TenantOwned, Base):
    """A man in a group, by first name or pseudonym only: no other column exists."""

    __tablename__ = "mens_peer_groups_members"
    __table_args__ = (Index("ix_mens_peer_groups_members_tenant_group", "tenant_id", "group_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mens_peer_groups_groups.id"))
    display_name: Mapped[str] = mapped_column(String(40))
    left_at: Mapped[datetime | None]


class GroupMeeting(HasId, HasTimestamps, TenantOwned, Base):
    """One meeting of a group; who was there is in `GroupAttendance`."""

    __tablename__ = "mens_peer_groups_meetings"
    __table_args__ = (
        UniqueConstraint("group_id", "held_on", name="uq_mens_peer_groups_meetings_group_day"),
        Index("ix_mens_peer_groups_meetings_tenant_group", "tenant_id", "group_id"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mens_peer_groups_groups.id"))
    held_on: Mapped[date]
    # Kept with the meeting so that a list of meetings is one query.
    present: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class GroupAttendance(HasId, TenantOwned, Base):
    """A member was present at a meeting (absence is the lack of a row)."""

    __tablename__ = "mens_peer_groups_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="uq_mens_peer_groups_attendance_once"),
        Index("ix_mens_peer_groups_attendance_tenant_meeting", "tenant_id", "meeting_id"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mens_peer_groups_meetings.id"))
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mens_peer_groups_members.id"))


# --- the phone line's shifts (MIESluuri) ----------------------------------------


class SignupStatus(enum.StrEnum):
    SIGNED_UP = "signed_up"
    ABSENT = "absent"  # reported absence: a replacement was asked for
    CANCELLED = "cancelled"


class PhoneShift(HasId, HasTimestamps, TenantOwned, Base):
    """One evening shift of the phone line, with a number of phone volunteers."""

    __tablename__ = "mens_peer_groups_shifts"
    __table_args__ = (
        UniqueConstraint("programme_id", "starts_at", name="uq_mens_peer_groups_shifts_start"),
        Index(
            "ix_mens_peer_groups_shifts_tenant_programme_start",
            "tenant_id",
            "programme_id",
            "starts_at",
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    places: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class ShiftSignup(HasId, HasTimestamps, TenantOwned, Base):
    """A phone volunteer on a shift; an absence is reported, never deleted."""

    __tablename__ = "mens_peer_groups_shift_signups"
    __table_args__ = (
        UniqueConstraint("shift_id", "volunteer_id", name="uq_mens_peer_groups_shift_signups_once"),
        Index("ix_mens_peer_groups_shift_signups_tenant_shift", "tenant_id", "shift_id"),
    )

    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mens_peer_groups_shifts.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[SignupStatus] = mapped_column(
        str_enum(SignupStatus, "mens_peer_groups_signup_status")
    )
    absence_reported_at: Mapped[datetime | None]


# Places taken, loaded with the shift in the same query (a correlated count).
PhoneShift.taken = column_property(  # type: ignore[attr-defined]
    select(func.count(ShiftSignup.id))
    .where(ShiftSignup.shift_id == PhoneShift.id, ShiftSignup.status == SignupStatus.SIGNED_UP)
    .correlate_except(ShiftSignup)
    .scalar_subquery()
)


# --- individual support, community meetings, rights and duties -------------------


class SupportChannel(enum.StrEnum):
    FACE_TO_FACE = "face_to_face"
    VIDEO = "video"
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"


class SupportContact(HasId, TenantOwned, Base):
    """One individual support contact, counted: no man, no volunteer, no text, a date only."""

    __tablename__ = "mens_peer_groups_support_contacts"
    __table_args__ = (
        Index(
            "ix_mens_peer_groups_support_contacts_tenant_programme_day",
            "tenant_id",
            "programme_id",
            "contact_on",
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    contact_on: Mapped[date]
    channel: Mapped[SupportChannel] = mapped_column(
        str_enum(SupportChannel, "mens_peer_groups_support_channel")
    )
    referred_onward: Mapped[bool]


class MeetingScope(enum.StrEnum):
    REGIONAL = "regional"
    NATIONAL = "national"


class CommunityMeeting(HasId, HasTimestamps, TenantOwned, Base):
    """A regional or national community meeting: the core's event, with its scope."""

    __tablename__ = "mens_peer_groups_community_meetings"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_mens_peer_groups_community_meetings_event"),
        Index(
            "ix_mens_peer_groups_community_meetings_tenant_programme", "tenant_id", "programme_id"
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    scope: Mapped[MeetingScope] = mapped_column(
        str_enum(MeetingScope, "mens_peer_groups_meeting_scope")
    )
    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True)


class RightsAcknowledgement(HasId, TenantOwned, Base):
    """A volunteer saw the rights and duties of this version and acknowledged them, at a time."""

    __tablename__ = "mens_peer_groups_acknowledgements"
    __table_args__ = (
        UniqueConstraint(
            "volunteer_id", "version", name="uq_mens_peer_groups_acknowledgements_once"
        ),
        Index("ix_mens_peer_groups_acknowledgements_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    version: Mapped[str] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime]
