"""Programme models and licences: the federation-level rows of the trademarked models.

A model owner (e.g. Pienperheyhdistys ry, owner of Mieskaverit®) publishes a
programme model; partner organisations apply for a licence to run it in an
area. Every row here is *global*: it is not filtered by the tenant filter
but guarded by role and by the visibility checks of the API (the model
owner's staff, the licensee partner, the platform operator). None of these
tables holds a partner's clients or volunteers: only the partner's own
coordinators appear, by name, on the courses they attend.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tukiverkko.platform.db import Base, HasId, HasTimestamps, str_enum, utcnow
from tukiverkko.tenants.models import Tenant


class ProgrammeModel(HasId, HasTimestamps, Base):
    """A licensed programme model such as Mieskaverit®, owned by a model-owner tenant."""

    __tablename__ = "programme_models"

    owner_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    # The trademark symbol is part of the name ("Mieskaverit®"): it is how the
    # owner wants it printed on the national site.
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Key of the programme module that implements the model. A plain string:
    # the module registry does not exist yet and must not be imported here.
    module_key: Mapped[str] = mapped_column(String(64), index=True)
    operating_principles: Mapped[str] = mapped_column(Text, default="")
    curriculum: Mapped[str] = mapped_column(Text, default="")
    # When the partners' yearly report on year Y is due: this day of year Y+1
    # (31 January unless the owner says otherwise; see tenants/duties.py).
    report_due_month: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    report_due_day: Mapped[int] = mapped_column(Integer, default=31, server_default="31")

    # Loaded with the row: schemas show the owner's name after the session closes.
    owner: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)


class LicenceStatus(enum.StrEnum):
    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    REJECTED = "rejected"
    GRANTED = "granted"  # granted, conditions pending
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class ConditionKind(enum.StrEnum):
    COURSE_COMPLETED = "course_completed"
    AGREEMENT_SIGNED = "agreement_signed"
    RESOURCES_DECLARED = "resources_declared"


class Licence(HasId, HasTimestamps, Base):
    """The right of one partner to run one model in one area."""

    __tablename__ = "licences"

    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_models.id"), index=True)
    partner_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    area: Mapped[str] = mapped_column(String(200))
    status: Mapped[LicenceStatus] = mapped_column(str_enum(LicenceStatus, "licence_status"))
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Inclusive last day of validity; None means until further notice.
    valid_until: Mapped[date | None]
    application_note: Mapped[str] = mapped_column(Text, default="")
    # What the partner declared for continuity: paid worker, premises, supervision.
    resources: Mapped[str] = mapped_column(Text, default="")
    # Shown on the national directory: how a family or volunteer gets in touch.
    how_to_apply: Mapped[str] = mapped_column(Text, default="")
    # The owner may agree another yearly-report deadline with one partner.
    report_due_month: Mapped[int | None] = mapped_column(Integer)
    report_due_day: Mapped[int | None] = mapped_column(Integer)

    model: Mapped[ProgrammeModel] = relationship(lazy="joined", viewonly=True)
    partner: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)
    conditions: Mapped[list[LicenceCondition]] = relationship(
        lazy="selectin", viewonly=True, order_by="LicenceCondition.kind"
    )


class LicenceCondition(HasId, Base):
    """One condition of a licence, and who satisfied it when."""

    __tablename__ = "licence_conditions"
    __table_args__ = (UniqueConstraint("licence_id", "kind"),)

    licence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licences.id"), index=True)
    kind: Mapped[ConditionKind] = mapped_column(str_enum(ConditionKind, "licence_condition_kind"))
    satisfied_at: Mapped[datetime | None]
    satisfied_by: Mapped[uuid.UUID | None]
    satisfied_by_tenant_id: Mapped[uuid.UUID | None]
    note: Mapped[str] = mapped_column(Text, default="")


class LicenceEvent(HasId, Base):
    """History of a licence: every transition with who, when, why, from and to."""

    __tablename__ = "licence_events"

    licence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licences.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None when the platform itself acted (a scheduled expiry).
    actor_id: Mapped[uuid.UUID | None]
    actor_tenant_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")


class ModelCourse(HasId, HasTimestamps, Base):
    """A model course (e.g. mieskaverikurssi) scheduled by the model owner."""

    __tablename__ = "model_courses"

    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_models.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    cancelled_at: Mapped[datetime | None]

    model: Mapped[ProgrammeModel] = relationship(lazy="joined", viewonly=True)


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CourseEnrolment(HasId, Base):
    """A partner's coordinator on a model course."""

    __tablename__ = "course_enrolments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("model_courses.id"), index=True)
    partner_tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # Copied at enrolment: the owner needs the attendee's name to run the
    # course but may never read the partner's user records.
    participant_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[EnrolmentStatus] = mapped_column(
        str_enum(EnrolmentStatus, "course_enrolment_status")
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[uuid.UUID]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[uuid.UUID | None]

    partner: Mapped[Tenant] = relationship(lazy="joined", viewonly=True)


class MaterialKind(enum.StrEnum):
    TRAINING = "training"
    BROCHURE = "brochure"
    CURRICULUM = "curriculum"
    APPLICATION_GUIDE = "application_guide"
    AD_TEMPLATE = "ad_template"
    PRESS_RELEASE_TEMPLATE = "press_release_template"
    LOGO = "logo"
    LOGO_GUIDELINES = "logo_guidelines"


class ModelMaterial(HasId, HasTimestamps, Base):
    """One file of a model's orientation folder (perehdytyskansio)."""

    __tablename__ = "model_materials"

    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_models.id"), index=True)
    kind: Mapped[MaterialKind] = mapped_column(str_enum(MaterialKind, "material_kind"))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # Key in the file store; never derived from user input (see materials.py).
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)
    uploaded_by: Mapped[uuid.UUID]
