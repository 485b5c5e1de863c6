"""Tables of Vertaisvanhemmuus: partner venues per locality, visits and their reports.

A visit is the core's event (time, places, sign-ups with a waiting list,
attendance) with the venue and the family transition it is about; volunteer
families sign up to it through `/api/v1/events/{id}/signups`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from tukiverkko.platform.db import Base, HasId, HasTimestamps, TenantOwned, str_enum
from tukiverkko.platform.primitives.models_followup import Event


class VenueKind(enum.StrEnum):
    NEUVOLA = "neuvola"
    CLUB = "club"  # open clubs, playgrounds
    SCHOOL = "school"
    FAMILY_COACHING = "family_coaching"
    OTHER = "other"


class Transition(enum.StrEnum):
    """The family-life transition a visit is planned around."""

    EXPECTING = "expecting"
    DAY_CARE = "day_care"
    SCHOOL = "school"
    PUBERTY = "puberty"
    OTHER = "other"


class Venue(HasId, HasTimestamps, TenantOwned, Base):
    """A partner venue (a neuvola, a club, a school) in a locality."""

    __tablename__ = "peer_parents_venues"
    __table_args__ = (
        Index(
            "ix_peer_parents_venues_tenant_programme_locality",
            "tenant_id",
            "programme_id",
            "locality",
        ),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id"))
    locality: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[VenueKind] = mapped_column(str_enum(VenueKind, "peer_parents_venue_kind"))
    retired_at: Mapped[datetime | None]


class Visit(HasId, HasTimestamps, TenantOwned, Base):
    """A visit of volunteer families to a venue: an event of the programme, with its venue."""

    __tablename__ = "peer_parents_visits"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_peer_parents_visits_event"),
        Index("ix_peer_parents_visits_tenant_venue", "tenant_id", "venue_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    venue_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_parents_venues.id"))
    transition: Mapped[Transition] = mapped_column(str_enum(Transition, "peer_parents_transition"))
    # Loaded with the visit in the same query: a calendar page is one query.
    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True)
    venue: Mapped[Venue] = relationship(lazy="joined", innerjoin=True)
    # The calendar is paged by the event's start.
    starts_at: Mapped[datetime] = column_property(
        select(Event.starts_at)
        .where(Event.id == event_id)
        .correlate_except(Event)
        .scalar_subquery()
    )


class VisitReport(HasId, HasTimestamps, TenantOwned, Base):
    """What happened at a visit and how many parents were reached: numbers, no names."""

    __tablename__ = "peer_parents_visit_reports"
    __table_args__ = (
        UniqueConstraint("visit_id", name="uq_peer_parents_visit_reports_visit"),
        Index("ix_peer_parents_visit_reports_tenant_visit", "tenant_id", "visit_id"),
    )

    visit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("peer_parents_visits.id"))
    what_happened: Mapped[str] = mapped_column(Text)
    parents_reached: Mapped[int] = mapped_column(Integer)
    families_present: Mapped[int] = mapped_column(Integer)
    reported_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
