"""Tables of Mieskaverit®: the facts approval needs, and the staged start of a match."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum


class Gender(enum.StrEnum):
    MAN = "man"
    WOMAN = "woman"
    OTHER = "other"


class VolunteerFacts(HasId, HasTimestamps, TenantOwned, Base):
    """What the volunteer stated at application: gender and year of birth.

    A table of the module rather than columns of the core's volunteers: only
    this model needs them, so no other programme's volunteers are asked.
    """

    __tablename__ = "mentor_buddy_volunteer_facts"
    __table_args__ = (
        UniqueConstraint("volunteer_id", name="uq_mentor_buddy_volunteer_facts_volunteer"),
        Index("ix_mentor_buddy_volunteer_facts_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "mentor_buddy_gender"))
    birth_year: Mapped[int] = mapped_column(Integer)
    # Born 18 years ago by the calendar year: the coordinator saw an ID that
    # the birthday has passed (the year alone cannot tell).
    adult_confirmed: Mapped[bool] = mapped_column(default=False)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class StartStep(HasId, HasTimestamps, TenantOwned, Base):
    """One step of the staged start of a match, with its date.

    1: volunteer, mother and coordinator meet without the child;
    2: the three meet with the child; 3: buddy and child alone.
    """

    __tablename__ = "mentor_buddy_start_steps"
    __table_args__ = (
        UniqueConstraint("match_id", "step", name="uq_mentor_buddy_start_steps_match_step"),
        Index("ix_mentor_buddy_start_steps_tenant_match", "tenant_id", "match_id"),
    )

    match_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("matches.id"))
    step: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
