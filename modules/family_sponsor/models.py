"""Tables of Perhekummi: the family's own sense of need at intake, the volunteers' guidance."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned


class IntakeAnswers(HasId, HasTimestamps, TenantOwned, Base):
    """What the family said at intake. Coordinators only: no volunteer schema carries it.

    The family's own sense of need is the starting point of Perhekummi: a
    scale (1 a little, 5 very much) and their words. Children by year of
    birth only (neuvola age is the eligibility rule).
    """

    __tablename__ = "family_sponsor_intake_answers"
    __table_args__ = (
        UniqueConstraint("participant_id", name="uq_family_sponsor_intake_answers_participant"),
        Index("ix_family_sponsor_intake_answers_tenant_participant", "tenant_id", "participant_id"),
    )

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    need_scale: Mapped[int] = mapped_column(Integer)
    need_text: Mapped[str] = mapped_column(Text, default="")
    children_birth_years: Mapped[list[int]] = mapped_column(JSON, default=list)


class GuidanceAcknowledgement(HasId, TenantOwned, Base):
    """The volunteer read that a sponsor is not a babysitter or home help, and when."""

    __tablename__ = "family_sponsor_guidance_acknowledgements"
    __table_args__ = (
        UniqueConstraint("volunteer_id", name="uq_family_sponsor_guidance_volunteer"),
        Index("ix_family_sponsor_guidance_tenant_volunteer", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"))
    version: Mapped[str] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime]
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
