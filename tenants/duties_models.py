"""Partner duties towards the model owner: change reports and yearly reports.

Federation-level rows, like the licences they hang on: no `tenant_id`, no
row-level security; the API lets in only the licensee partner, the model
owner's staff and the operator (the `licence_id` path check). Nothing here
names a volunteer or a participant: a change report is the partner's own
words about its organisation, and a yearly report holds counts and a text.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tukiverkko.platform.db import Base, HasId, HasTimestamps, str_enum


class ChangeKind(enum.StrEnum):
    COORDINATOR_CHANGED = "coordinator_changed"
    CONTACT_PERSON_CHANGED = "contact_person_changed"
    ACTIVITY_PAUSED = "activity_paused"
    ACTIVITY_RESUMED = "activity_resumed"
    OTHER = "other"


class ChangeReport(HasId, HasTimestamps, Base):
    """A change the partner reports to the model owner ("report changes immediately")."""

    __tablename__ = "licence_change_reports"

    licence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licences.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind, "licence_change_kind"))
    text: Mapped[str] = mapped_column(String(2000), default="")
    effective_on: Mapped[date]
    reported_by: Mapped[uuid.UUID]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None]


class ReportStatus(enum.StrEnum):
    # A row in "due" exists only once the daily scan has told both sides that
    # the report is overdue: it remembers that they were told.
    DUE = "due"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"


class YearlyReport(HasId, HasTimestamps, Base):
    """The partner's yearly report on one licence for one calendar year."""

    __tablename__ = "licence_yearly_reports"
    __table_args__ = (UniqueConstraint("licence_id", "year"),)

    licence_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licences.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus, "yearly_report_status"))
    # The owner overview's counts at submission (name -> integer), never a person.
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    narrative: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[uuid.UUID | None]
    corrected_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[uuid.UUID | None]
    overdue_notified_at: Mapped[datetime | None]
