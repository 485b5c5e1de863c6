"""Tables of the shared primitives. Every one is tenant-owned.

Indexes lead with `tenant_id`: every query is filtered by it (ORM filter and
row-level security), so an index that starts elsewhere would rarely help.
Nothing here is ever hard-deleted by a normal action: volunteers end, matches
close, check tasks and curricula retire, and their history stays readable.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum, utcnow

# Six months, as Finnish practice reads Act 148/2014 (DOMAIN.md).
DEFAULT_EXTRACT_MAX_AGE_DAYS = 183


class IntakeSource(enum.StrEnum):
    """Who started an intake: the guardian herself, a referrer, or the person themself."""

    GUARDIAN = "guardian"
    REFERRER = "referrer"
    SELF = "self"


class ParticipantKind(enum.StrEnum):
    CHILD = "child"
    FAMILY = "family"
    WOMAN = "woman"
    MAN = "man"


class VolunteerStatus(enum.StrEnum):
    APPLIED = "applied"
    INTERVIEWED = "interviewed"
    SCREENED = "screened"
    TRAINED = "trained"
    APPROVED = "approved"
    ACTIVE = "active"  # has at least one active match
    PAUSED = "paused"
    ENDED = "ended"


class ParticipantStatus(enum.StrEnum):
    WAITING = "waiting"
    MATCHED = "matched"
    ENDED = "ended"


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    DECLINED = "declined"
    CLOSED = "closed"


class ConsentPurpose(enum.StrEnum):
    PROCESSING = "processing"  # keep this person's data for the programme
    BACKGROUND_CHECK = "background_check"  # be asked to show a criminal-record extract
    SHARE_CONTACT = "share_contact"  # the participant's contact details go to the volunteer


class ConsentSubject(enum.StrEnum):
    VOLUNTEER = "volunteer"
    PARTICIPANT = "participant"


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    ATTENDED = "attended"
    ABSENT = "absent"
    CANCELLED = "cancelled"


class Programme(HasId, HasTimestamps, TenantOwned, Base):
    """A tenant running one programme model (module) locally, with its settings.

    The settings are typed columns rather than a JSON blob: they are few,
    stable, queried (matching reads them) and validated by the database. A
    module supplies their defaults (`settings.ProgrammeSettings`).
    """

    __tablename__ = "programmes"
    __table_args__ = (Index("ix_programmes_tenant_module", "tenant_id", "module_key"),)

    module_key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # Whether the public volunteer application form of this programme is open.
    accepts_applications: Mapped[bool] = mapped_column(default=False)
    background_check_required: Mapped[bool] = mapped_column(default=True)
    extract_max_age_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_EXTRACT_MAX_AGE_DAYS)
    training_required: Mapped[bool] = mapped_column(default=True)
    meetings_per_month_min: Mapped[int] = mapped_column(Integer, default=2)
    meetings_per_month_max: Mapped[int] = mapped_column(Integer, default=4)
    # Who may start an intake: one flag per IntakeSource (a set, as typed columns).
    intake_by_guardian: Mapped[bool] = mapped_column(default=True)
    intake_by_referrer: Mapped[bool] = mapped_column(default=False)
    intake_by_self: Mapped[bool] = mapped_column(default=False)
    closing_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired_at: Mapped[datetime | None]
    # Whether the public participant application form (the guardian or the
    # person applying themself) is open; see primitives/public_intake.py.
    accepts_participant_applications: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    # The feedback form offered to the volunteer when a match closes
    # (primitives/closing_survey.py). No foreign key: added to a live table
    # without rewriting it; the service checks the form is the tenant's.
    closing_survey_form_id: Mapped[uuid.UUID | None]

    @property
    def intake_sources(self) -> set[IntakeSource]:
        flags = {
            IntakeSource.GUARDIAN: self.intake_by_guardian,
            IntakeSource.REFERRER: self.intake_by_referrer,
            IntakeSource.SELF: self.intake_by_self,
        }
        return {source for source, allowed in flags.items() if allowed}

    @intake_sources.setter
    def intake_sources(self, sources: set[IntakeSource]) -> None:
        self.intake_by_guardian = IntakeSource.GUARDIAN in sources
        self.intake_by_referrer = IntakeSource.REFERRER in sources
        self.intake_by_self = IntakeSource.SELF in sources


class Volunteer(HasId, HasTimestamps, TenantOwned, Base):
    """A volunteer of one programme. Personal data kept to what matching needs."""

    __tablename__ = "volunteers"
    __table_args__ = (
        # Matching reads the eligible volunteers of one programme: this is its index.
        Index("ix_volunteers_tenant_programme_status", "tenant_id", "programme_id", "status"),
        Index("ix_volunteers_tenant_user", "tenant_id", "user_id"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How many matches the volunteer takes on at once.
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[VolunteerStatus] = mapped_column(str_enum(VolunteerStatus, "volunteer_status"))
    status_before_pause: Mapped[VolunteerStatus | None] = mapped_column(
        str_enum(VolunteerStatus, "volunteer_status")
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    # Kept in step by the services so lists and matching need no extra query;
    # the records themselves (background_checks, training_completions) are the truth.
    check_recorded_at: Mapped[datetime | None]
    training_completed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    # The booked interview; the day before, the applicant is reminded
    # (primitives/interviews.py, primitives/notices.py).
    interview_at: Mapped[datetime | None]


class InterviewNote(HasId, HasTimestamps, TenantOwned, Base):
    """A coordinator's note of an interview with a volunteer. Coordinators only."""

    __tablename__ = "volunteer_interview_notes"
    __table_args__ = (
        Index("ix_volunteer_interview_notes_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)


class Consent(HasId, HasTimestamps, TenantOwned, Base):
    """Who agreed to what, and when. Withdrawal is recorded, never deleted."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_tenant_subject", "tenant_id", "subject_id"),)

    subject_type: Mapped[ConsentSubject] = mapped_column(
        str_enum(ConsentSubject, "consent_subject")
    )
    subject_id: Mapped[uuid.UUID]
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, "consent_purpose"))
    # The person who gave it, in words: "self", or the guardian's name.
    given_by: Mapped[str] = mapped_column(String(200))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


class BackgroundCheck(HasId, HasTimestamps, TenantOwned, Base):
    """That a volunteer showed a criminal-record extract (Act 148/2014, section 6).

    Only what the law allows: the extract's issue date, who saw it and when.
    There is deliberately no column for its contents or a copy.
    """

    __tablename__ = "background_checks"
    __table_args__ = (Index("ix_background_checks_tenant_volunteer", "tenant_id", "volunteer_id"),)

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    extract_issued_on: Mapped[date]
    seen_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckTask(HasId, HasTimestamps, TenantOwned, Base):
    """The tenant's written list of volunteer tasks that need the background check."""

    __tablename__ = "background_check_tasks"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    retired_at: Mapped[datetime | None]


class Curriculum(HasId, HasTimestamps, TenantOwned, Base):
    """A module of a programme's training plan; a volunteer completes each one."""

    __tablename__ = "training_curricula"
    __table_args__ = (Index("ix_training_curricula_tenant_programme", "tenant_id", "programme_id"),)

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None]


class TrainingSession(HasId, HasTimestamps, TenantOwned, Base):
    """One course session of a curriculum, with a capacity."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        Index("ix_training_sessions_tenant_curriculum", "tenant_id", "curriculum_id"),
    )

    curriculum_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_curricula.id"))
    starts_at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None]


class Enrolment(HasId, HasTimestamps, TenantOwned, Base):
    __tablename__ = "training_enrolments"
    __table_args__ = (
        Index("ix_training_enrolments_tenant_session", "tenant_id", "session_id"),
        Index("ix_training_enrolments_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_sessions.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, "enrolment_status"))


class TrainingCompletion(HasId, HasTimestamps, TenantOwned, Base):
    __tablename__ = "training_completions"
    __table_args__ = (
        Index("ix_training_completions_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    curriculum_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_curricula.id"))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class Participant(HasId, HasTimestamps, TenantOwned, Base):
    """A participant and their intake: one record per intake.

    The intake (who started it, from where) is part of the record rather than
    a table of its own: a participant comes in once per programme, and a
    family returning after an ended match is a new intake with a new record.
    """

    __tablename__ = "participants"
    __table_args__ = (
        Index("ix_participants_tenant_programme_status", "tenant_id", "programme_id", "status"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    kind: Mapped[ParticipantKind] = mapped_column(str_enum(ParticipantKind, "participant_kind"))
    # A first name or a pseudonym is enough.
    name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    postcode: Mapped[str] = mapped_column(String(5), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whom the volunteer contacts (the guardian, or the person), once accepted.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    intake_source: Mapped[IntakeSource] = mapped_column(str_enum(IntakeSource, "intake_source"))
    referrer_organisation: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ParticipantStatus] = mapped_column(
        str_enum(ParticipantStatus, "participant_status")
    )
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class ParticipantNote(HasId, HasTimestamps, TenantOwned, Base):
    """A sensitive note on a participant: coordinators only, never volunteers."""

    __tablename__ = "participant_notes"
    __table_args__ = (
        Index("ix_participant_notes_tenant_participant", "tenant_id", "participant_id"),
    )

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)


class Match(HasId, HasTimestamps, TenantOwned, Base):
    """A volunteer and a participant: proposed, accepted by both sides, active, closed."""

    __tablename__ = "matches"
    __table_args__ = (
        Index("ix_matches_tenant_volunteer_status", "tenant_id", "volunteer_id", "status"),
        Index("ix_matches_tenant_participant_status", "tenant_id", "participant_id", "status"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    status: Mapped[MatchStatus] = mapped_column(str_enum(MatchStatus, "match_status"))
    score: Mapped[float | None]
    proposed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    volunteer_accepted_at: Mapped[datetime | None]
    participant_accepted_at: Mapped[datetime | None]
    activated_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str] = mapped_column(String(200), default="")
    close_note: Mapped[str] = mapped_column(Text, default="")

    # lazy="raise": a list that forgets to load these fails loudly instead of
    # running one query per row.
    volunteer: Mapped[Volunteer] = relationship(lazy="raise")
    participant: Mapped[Participant] = relationship(lazy="raise")


# Matches that hold a place in the volunteer's capacity and block another
# match for the participant.
OPEN_MATCH_STATUSES = (MatchStatus.PROPOSED, MatchStatus.ACTIVE, MatchStatus.PAUSED)


# Availability is a set of these slots (weekday x part of day): a small fixed
# vocabulary, so that overlap is a plain set intersection.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("morning", "afternoon", "evening")
AVAILABILITY_SLOTS = tuple(f"{day}_{part}" for day in WEEKDAYS for part in DAY_PARTS)
