"""Tables of what volunteers report and of closing surveys. Every one is tenant-owned.

As elsewhere in the primitives: indexes lead with `tenant_id`, and nothing is
hard-deleted by a normal action (an absence is cancelled, not removed).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum
from tukiverkko.platform.primitives.models import Match


class VolunteerAbsence(HasId, HasTimestamps, TenantOwned, Base):
    """A volunteer will be away (inclusive dates), so a replacement can be found."""

    __tablename__ = "volunteer_absences"
    __table_args__ = (
        Index("ix_volunteer_absences_tenant_volunteer", "tenant_id", "volunteer_id"),
        Index("ix_volunteer_absences_tenant_starts", "tenant_id", "starts_on"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Optional and short: "holiday", "ill". Not a place for health details.
    reason: Mapped[str] = mapped_column(String(200), default="")
    reported_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]


class VolunteerChange(HasId, HasTimestamps, TenantOwned, Base):
    """That a volunteer changed their own details: which fields, not the old values.

    The new values are on the volunteer record itself; keeping the old ones
    here would keep personal data nobody needs.
    """

    __tablename__ = "volunteer_changes"
    __table_args__ = (Index("ix_volunteer_changes_tenant_volunteer", "tenant_id", "volunteer_id"),)

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    reported_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class SurveySide(enum.StrEnum):
    VOLUNTEER = "volunteer"
    PARTICIPANT = "participant"


class ClosingSurveyOffer(HasId, HasTimestamps, TenantOwned, Base):
    """A closed match's closing survey, offered to one side, and whether it was answered.

    On an anonymous form the answer row keeps no link back (see feedback.py):
    this row then says only *that* the side answered, and on which day.
    """

    __tablename__ = "closing_survey_offers"
    __table_args__ = (
        UniqueConstraint("match_id", "side", name="uq_closing_survey_offers_side"),
        Index("ix_closing_survey_offers_tenant_match", "tenant_id", "match_id"),
        Index("ix_closing_survey_offers_tenant_user", "tenant_id", "user_id"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"))
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback_forms.id"))
    side: Mapped[SurveySide] = mapped_column(str_enum(SurveySide, "survey_side"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    answered_on: Mapped[date | None]
    answer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("feedback_answers.id"))

    # lazy="raise": lists load it explicitly (one query per page).
    match: Mapped[Match] = relationship(lazy="raise")
