"""Tables of data protection: the request log, settings, erasures, exports and exits."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from tukiverkko.platform.db import (
    Base,
    HasId,
    HasTimestamps,
    TenantOwned,
    TenantSession,
    str_enum,
    utcnow,
)


class RequestKind(enum.StrEnum):
    ACCESS = "access"  # a copy of one's data (GDPR art. 15 and 20)
    RECTIFICATION = "rectification"  # art. 16
    ERASURE = "erasure"  # art. 17


class SubjectType(enum.StrEnum):
    VOLUNTEER = "volunteer"
    PARTICIPANT = "participant"  # the participant and their guardian's contact details
    USER = "user"  # an account (staff, or a volunteer's sign-in)


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"


class PrivacyRequest(HasId, HasTimestamps, TenantOwned, Base):
    """A data subject's request, with its legal deadline (one month, GDPR art. 12(3)).

    It names the subject by type and id only: the log outlives an erasure,
    and then points to an anonymous record.
    """

    __tablename__ = "privacy_requests"
    __table_args__ = (
        Index("ix_privacy_requests_tenant_status_due", "tenant_id", "status", "due_on"),
        Index("ix_privacy_requests_tenant_subject", "tenant_id", "subject_id"),
    )

    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind, "privacy_request_kind"))
    subject_type: Mapped[SubjectType] = mapped_column(str_enum(SubjectType, "privacy_subject_type"))
    subject_id: Mapped[uuid.UUID]
    received_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus, "privacy_request_status"))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    handled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    completed_at: Mapped[datetime | None]
    # What was done, or why the request was refused.
    note: Mapped[str] = mapped_column(Text, default="")
    # The stored export of an access request (JSON and HTML), deleted on erasure.
    export_key: Mapped[str | None] = mapped_column(String(300))


class PrivacySettings(HasId, HasTimestamps, TenantOwned, Base):
    """The controller's details for the privacy notice, and retention periods in days."""

    __tablename__ = "privacy_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_privacy_settings_tenant"),)

    controller_name: Mapped[str] = mapped_column(String(200), default="")
    controller_contact: Mapped[str] = mapped_column(String(500), default="")
    dpo_contact: Mapped[str] = mapped_column(String(500), default="")
    retention_ended_volunteers_days: Mapped[int] = mapped_column(Integer, default=730)
    retention_closed_participants_days: Mapped[int] = mapped_column(Integer, default=730)
    retention_sign_in_events_days: Mapped[int] = mapped_column(Integer, default=365)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureReason(enum.StrEnum):
    REQUEST = "request"
    RETENTION = "retention"


class ErasedSubject(HasId, TenantOwned, Base):
    """That a person's data was erased: makes erasure and retention idempotent."""

    __tablename__ = "erased_subjects"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subject_type", "subject_id", name="uq_erased_subjects_once"),
    )

    subject_type: Mapped[SubjectType] = mapped_column(str_enum(SubjectType, "privacy_subject_type"))
    subject_id: Mapped[uuid.UUID]
    reason: Mapped[ErasureReason] = mapped_column(str_enum(ErasureReason, "erasure_reason"))
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Rows anonymised per table: what the erasure did, without what it removed.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class TenantExport(HasId, HasTimestamps, TenantOwned, Base):
    """One archive of all of a tenant's data and files, made by a job."""

    __tablename__ = "tenant_exports"

    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, "tenant_export_status"))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    storage_key: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int | None] = mapped_column(Integer)
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(500), default="")


class TenantExit(HasId, Base):
    """A closed tenant's exit: when its data goes, and when it went. Global (outlives the data)."""

    __tablename__ = "tenant_exits"

    # Not `tenant_id`: the row is global (no tenant filter, no row-level security).
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), unique=True)
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    delete_after: Mapped[datetime]
    closed_by: Mapped[uuid.UUID | None]
    deleted_at: Mapped[datetime | None]
    # Rows deleted per table.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- a background check record goes when the volunteering ends -------------------


@event.listens_for(TenantSession, "before_flush")
def _drop_checks_of_ended(session: Session, flush_context: Any, instances: Any) -> None:
    """Delete the background-check records of a volunteer whose volunteering just ended.

    Act 148/2014 allows keeping that the extract was shown only while it is
    needed for the task; whichever service ends the volunteering (a
    coordinator, the volunteer quitting), the record goes in the same
    transaction. The daily retention task catches any that are left.
    """
    from tukiverkko.platform.primitives.models import BackgroundCheck, Volunteer, VolunteerStatus

    ended = [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Volunteer)
        and obj.status == VolunteerStatus.ENDED
        and inspect(obj).attrs.status.history.has_changes()
    ]
    if ended:
        session.execute(
            delete(BackgroundCheck)
            .where(BackgroundCheck.volunteer_id.in_(ended))
            .execution_options(synchronize_session=False)
        )
