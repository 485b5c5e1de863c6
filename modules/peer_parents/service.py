"""Rules of Vertaisvanhemmuus, as plain functions over a session."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.peer_parents.models import Transition, Venue, VenueKind, Visit, VisitReport
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.primitives import events, programmes
from tukiverkko.platform.primitives.models import Programme, Volunteer
from tukiverkko.platform.primitives.models_followup import (
    HOLDS_PLACE,
    Event,
    EventKind,
    EventSignup,
)

KEY = "peer_parents"
# A report counts parents; an email address or a phone number in it points to a person.
CONTACT_DETAILS = re.compile(r"[^\s@]+@[^\s@]+|\+?\d[\d\s-]{6,}\d")


def require_module_programme(programme: Programme) -> None:
    """Module endpoints act only on the module's own programmes."""
    if programme.module_key != KEY:
        raise Conflict(
            "This is not a Vertaisvanhemmuus programme.", code="not_a_peer_parents_programme"
        )


def add_venue(
    db: Session, programme: Programme, *, locality: str, name: str, kind: VenueKind
) -> Venue:
    """A partner venue of the programme in a locality."""
    require_module_programme(programme)
    programmes.require_open(programme)
    venue = Venue(
        programme_id=programme.id, locality=locality.strip(), name=name.strip(), kind=kind
    )
    db.add(venue)
    db.flush()
    return venue


def plan_visit(
    db: Session,
    programme: Programme,
    venue: Venue,
    *,
    transition: Transition,
    title: str,
    description: str,
    starts_at: datetime,
    capacity: int,
    created_by: uuid.UUID,
) -> Visit:
    """A visit to a venue: a core event (places for volunteer families) with its venue."""
    require_module_programme(programme)
    if venue.programme_id != programme.id or venue.retired_at is not None:
        raise ValidationFailed(
            "The venue is not one of this programme's.",
            code="unknown_venue",
            errors={"json": {"venue_id": ["Not a venue of this programme."]}},
        )
    event = events.create_event(
        db,
        programme,
        kind=EventKind.OTHER,
        title=title,
        description=description,
        starts_at=starts_at,
        location=f"{venue.name}, {venue.locality}",
        capacity=capacity,
        created_by=created_by,
    )
    visit = Visit(
        event_id=event.id, venue_id=venue.id, transition=transition, event=event, venue=venue
    )
    db.add(visit)
    db.flush()
    db.refresh(visit, ["starts_at"])  # computed in SQL: load it for the response
    return visit


def visit_of(db: Session, event: Event) -> Visit:
    """The visit behind an event; 409 if the event is not a visit of this module."""
    visit = db.scalar(select(Visit).where(Visit.event_id == event.id))
    if visit is None:
        raise Conflict("This event is not a peer-parent visit.", code="not_a_peer_parents_visit")
    return visit


def took_part(db: Session, visit: Visit, user_id: uuid.UUID) -> bool:
    """Whether this account's volunteer family held a place on the visit."""
    return (
        db.scalar(
            select(EventSignup.id)
            .join(Volunteer, Volunteer.id == EventSignup.volunteer_id)
            .where(
                EventSignup.event_id == visit.event_id,
                EventSignup.status.in_(HOLDS_PLACE),
                Volunteer.user_id == user_id,
            )
        )
        is not None
    )


def report_visit(
    db: Session,
    visit: Visit,
    *,
    what_happened: str,
    parents_reached: int,
    families_present: int,
    reported_by: uuid.UUID,
) -> VisitReport:
    """Write (or correct) the visit's report: numbers, and no names or contact details."""
    if visit.event.starts_at > utcnow():
        raise Conflict("A visit is reported once it has taken place.", code="visit_not_held")
    if visit.event.cancelled_at is not None:
        raise Conflict("The visit was cancelled.", code="event_cancelled")
    text = what_happened.strip()
    if CONTACT_DETAILS.search(text):
        raise ValidationFailed(
            "A report names no one: leave out email addresses and phone numbers.",
            code="report_has_contact_details",
            errors={"json": {"what_happened": ["No contact details."]}},
        )
    report = db.scalar(select(VisitReport).where(VisitReport.visit_id == visit.id))
    if report is None:
        report = VisitReport(visit_id=visit.id)
        db.add(report)
    report.what_happened = text
    report.parents_reached = parents_reached
    report.families_present = families_present
    report.reported_by = reported_by
    db.flush()
    return report


def report_of(db: Session, visit: Visit) -> VisitReport | None:
    return db.scalar(select(VisitReport).where(VisitReport.visit_id == visit.id))
