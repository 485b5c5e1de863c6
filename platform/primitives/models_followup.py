"""Tables of follow-up, supervision, events and feedback. Every one is tenant-owned.

As in `models`: indexes lead with `tenant_id`, and nothing is hard-deleted by
a normal action - a meeting log is withdrawn, a group closed, an event or a
sign-up cancelled, a form closed - so the history stays readable.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum, utcnow


class MeetingKind(enum.StrEnum):
    MEETING = "meeting"
    PHONE = "phone"
    OUTING = "outing"
    VIDEO = "video"
    MESSAGE = "message"
    OTHER = "other"


class CheckInChannel(enum.StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    MESSAGE = "message"
    MEETING = "meeting"


class MeetingLog(HasId, HasTimestamps, TenantOwned, Base):
    """A meeting of a match, as its volunteer logged it."""

    __tablename__ = "meeting_logs"
    __table_args__ = (
        # The cadence list aggregates meetings per match over a date window.
        Index("ix_meeting_logs_tenant_match_met_on", "tenant_id", "match_id", "met_on"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    met_on: Mapped[date]
    minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "meeting_kind"))
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # A mistaken log is withdrawn (and no longer counts), never deleted.
    withdrawn_at: Mapped[datetime | None]


class MeetingReply(HasId, HasTimestamps, TenantOwned, Base):
    """A coordinator's answer to a meeting log; the volunteer reads it."""

    __tablename__ = "meeting_replies"
    __table_args__ = (Index("ix_meeting_replies_tenant_meeting", "tenant_id", "meeting_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting_logs.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)


class CheckIn(HasId, HasTimestamps, TenantOwned, Base):
    """A coordinator kept in touch with a match (volunteer, guardian or both)."""

    __tablename__ = "match_check_ins"
    __table_args__ = (Index("ix_match_check_ins_tenant_match", "tenant_id", "match_id"),)

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"))
    channel: Mapped[CheckInChannel] = mapped_column(str_enum(CheckInChannel, "check_in_channel"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class VolunteerHours(HasId, HasTimestamps, TenantOwned, Base):
    """Hours a volunteer gave (shifts, group leading, events), as they logged them."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (
        Index(
            "ix_volunteer_hours_tenant_volunteer_worked_on",
            "tenant_id",
            "volunteer_id",
            "worked_on",
        ),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    worked_on: Mapped[date]
    minutes: Mapped[int] = mapped_column(Integer)
    activity: Mapped[str] = mapped_column(String(200))
    logged_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


# ---------------------------------------------------------------------------
# Supervision (työnohjaus)


class SupervisionGroup(HasId, HasTimestamps, TenantOwned, Base):
    """A supervision group of a programme's volunteers, led by a supervisor."""

    __tablename__ = "supervision_groups"
    __table_args__ = (Index("ix_supervision_groups_tenant_programme", "tenant_id", "programme_id"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    name: Mapped[str] = mapped_column(String(200))
    # Often an outside professional (työnohjaaja) without an account: a name.
    supervisor_name: Mapped[str] = mapped_column(String(200), default="")
    closed_at: Mapped[datetime | None]


class SupervisionMember(HasId, HasTimestamps, TenantOwned, Base):
    """A volunteer's membership of a group; leaving ends it, the row stays."""

    __tablename__ = "supervision_members"
    __table_args__ = (
        Index("ix_supervision_members_tenant_group", "tenant_id", "group_id"),
        Index("ix_supervision_members_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_groups.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    left_at: Mapped[datetime | None]


class SupervisionSession(HasId, HasTimestamps, TenantOwned, Base):
    __tablename__ = "supervision_sessions"
    __table_args__ = (Index("ix_supervision_sessions_tenant_group", "tenant_id", "group_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_groups.id"))
    starts_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    cancelled_at: Mapped[datetime | None]


class SupervisionAttendance(HasId, HasTimestamps, TenantOwned, Base):
    """Whether a member attended a session; recorded once, corrected in place."""

    __tablename__ = "supervision_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "volunteer_id", name="uq_supervision_attendance_once"),
        Index("ix_supervision_attendance_tenant_session", "tenant_id", "session_id"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_sessions.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    attended: Mapped[bool]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


# ---------------------------------------------------------------------------
# Events


class EventKind(enum.StrEnum):
    OUTING = "outing"
    GROUP_MEETING = "group_meeting"
    OTHER = "other"


class SignupStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    ABSENT = "absent"


# Sign-ups that hold one of the event's places.
HOLDS_PLACE = (SignupStatus.CONFIRMED, SignupStatus.ATTENDED, SignupStatus.ABSENT)


class Event(HasId, HasTimestamps, TenantOwned, Base):
    """An outing or a group meeting of a programme, with a capacity."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant_programme_starts", "tenant_id", "programme_id", "starts_at"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "event_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]
    # Set when the partner publishes the event on the national directory
    # (tenants/directory.py): title, time and place only, never who comes.
    published_at: Mapped[datetime | None]


class EventSignup(HasId, HasTimestamps, TenantOwned, Base):
    """One person's place (or place in the queue) at an event: a volunteer or a participant."""

    __tablename__ = "event_signups"
    __table_args__ = (
        # The waiting list is read in queue order.
        Index(
            "ix_event_signups_tenant_event_status", "tenant_id", "event_id", "status", "queued_at"
        ),
        Index("ix_event_signups_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    volunteer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("volunteers.id"))
    participant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("participants.id"))
    status: Mapped[SignupStatus] = mapped_column(str_enum(SignupStatus, "signup_status"))
    # Place in the queue: set at (re-)sign-up, so a returning person goes last.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None]
    signed_up_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


# ---------------------------------------------------------------------------
# Feedback


class FormStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class FormAudience(enum.StrEnum):
    VOLUNTEERS = "volunteers"  # signed-in volunteers of the organisation
    PUBLIC = "public"  # anyone with the link (participants, callers): always anonymous


class FeedbackForm(HasId, HasTimestamps, TenantOwned, Base):
    """A feedback form or survey: typed questions, per person or anonymous."""

    __tablename__ = "feedback_forms"

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # [{"key", "kind": text|scale|choice|yes_no, "label", "required", ...}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool]
    audience: Mapped[FormAudience] = mapped_column(str_enum(FormAudience, "form_audience"))
    status: Mapped[FormStatus] = mapped_column(str_enum(FormStatus, "form_status"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class FeedbackAnswer(HasId, HasTimestamps, TenantOwned, Base):
    """One set of answers to a form.

    On an anonymous form both person columns stay empty and `created_at` is
    cut to the day: nothing in the row leads back to the person (no account,
    no volunteer record, no address, no precise time to set against logs).
    """

    __tablename__ = "feedback_answers"
    __table_args__ = (
        # One answer per person on a per-person form; anonymous rows (NULL) are not unique.
        UniqueConstraint("form_id", "respondent_user_id", name="uq_feedback_answers_once"),
        Index("ix_feedback_answers_tenant_form", "tenant_id", "form_id"),
    )

    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback_forms.id"))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    respondent_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    volunteer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("volunteers.id"))
    # A closing survey's answer on a per-person form names its match
    # (primitives/closing_survey.py); never set on an anonymous form.
    match_id: Mapped[uuid.UUID | None]
