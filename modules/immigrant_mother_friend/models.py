"""Tables of Ystäväksi maahanmuuttajaäidille: the volunteer's facts, the mother's intake."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import JSON, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class FinnishLevel(enum.StrEnum):
    """How well a person speaks Finnish (a volunteer needs native or fluent)."""

    NONE = "none"
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    FLUENT = "fluent"
    NATIVE = "native"


class ReferralChannel(enum.StrEnum):
    NEUVOLA = "neuvola"
    INTEGRATION_SERVICES = "integration_services"
    SELF = "self"


class VolunteerFacts(HasId, HasTimestamps, TenantOwned, Base):
    """What the volunteer stated: gender and Finnish. Only this model asks."""

    __tablename__ = "immigrant_mother_friend_volunteer_facts"
    __table_args__ = (
        UniqueConstraint(
            "volunteer_id", name="uq_immigrant_mother_friend_volunteer_facts_volunteer"
        ),
        Index(
            "ix_immigrant_mother_friend_volunteer_facts_tenant_volunteer",
            "tenant_id",
            "volunteer_id",
        ),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, "immigrant_mother_friend_gender"))
    finnish_level: Mapped[FinnishLevel] = mapped_column(
        str_enum(FinnishLevel, "immigrant_mother_friend_finnish_level")
    )
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class IntakeAnswers(HasId, HasTimestamps, TenantOwned, Base):
    """The mother's intake: her Finnish, her children, how she came.

    The languages she speaks are the core participant's `languages` (matching
    reads them there); her children by year of birth only.
    """

    __tablename__ = "immigrant_mother_friend_intake_answers"
    __table_args__ = (
        UniqueConstraint(
            "participant_id", name="uq_immigrant_mother_friend_intake_answers_participant"
        ),
        Index(
            "ix_immigrant_mother_friend_intake_answers_tenant_participant",
            "tenant_id",
            "participant_id",
        ),
    )

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    finnish_level: Mapped[FinnishLevel] = mapped_column(
        str_enum(FinnishLevel, "immigrant_mother_friend_finnish_level")
    )
    children_count: Mapped[int] = mapped_column(Integer)
    children_birth_years: Mapped[list[int]] = mapped_column(JSON, default=list)
    referral_channel: Mapped[ReferralChannel] = mapped_column(
        str_enum(ReferralChannel, "immigrant_mother_friend_referral_channel")
    )
