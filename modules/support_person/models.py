"""Table of MLL Kaveri: what was asked and recorded at intake."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned


class IntakeAnswers(HasId, HasTimestamps, TenantOwned, Base):
    """The answers of one intake: child-protection status and the guardian's consent."""

    __tablename__ = "support_person_intake_answers"
    __table_args__ = (
        UniqueConstraint("participant_id", name="uq_support_person_intake_answers_participant"),
        Index("ix_support_person_intake_answers_tenant_participant", "tenant_id", "participant_id"),
    )

    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participants.id"))
    # Always False in a stored row (a client is refused), kept as the record
    # that the question was asked and how it was answered.
    child_protection_client: Mapped[bool]
    guardian_consent_given_by: Mapped[str] = mapped_column(String(200))
