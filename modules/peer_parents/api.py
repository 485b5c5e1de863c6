"""Endpoints of Vertaisvanhemmuus: venues, the activity calendar, visits and visit reports.

Visits are the core's events: volunteer families sign up through
`/api/v1/events/{event_id}/signups` (places, waiting list). Reports are
reached by the visit's event id.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.peer_parents import service
from tukiverkko.modules.peer_parents.models import (
    Transition,
    Venue,
    VenueKind,
    Visit,
    VisitReport,
)
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, require_principal
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import Forbidden, NotFound, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives.api_followup import ProgrammeEventSchema
from tukiverkko.platform.primitives.models import Programme
from tukiverkko.platform.primitives.models_followup import Event
from tukiverkko.tenants.licensing import require_active_licence

blp = Blueprint(
    "peer_parents",
    __name__,
    url_prefix="/peer-parents",
    description="Vertaisvanhemmuus: partner venues, the activity calendar, visits and reports",
)

_STAFF = (Role.TENANT_ADMIN, Role.COORDINATOR)


def _licence(db: Session, operation: str) -> None:
    require_active_licence(db, context.current().tenant_id, service.KEY, operation)  # type: ignore[arg-type]


def _programme(db: Session, programme_id: uuid.UUID, operation: str) -> Programme:
    programme = get_or_404(db, Programme, programme_id)
    service.require_module_programme(programme)
    _licence(db, operation)
    return programme


class VenueInput(ma.Schema):
    locality = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    kind = ma.fields.Enum(VenueKind, by_value=True, required=True)


class VenueSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    locality = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.Enum(VenueKind, by_value=True, required=True)
    retired_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class VisitInput(ma.Schema):
    venue_id = ma.fields.UUID(required=True)
    transition = ma.fields.Enum(Transition, by_value=True, required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    starts_at = ma.fields.AwareDateTime(required=True)
    capacity = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(1, 100),
        metadata={"description": "How many volunteer families can come"},
    )


class VisitSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    transition = ma.fields.Enum(Transition, by_value=True, required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    venue = ma.fields.Nested(VenueSchema, required=True)
    event = ma.fields.Nested(ProgrammeEventSchema, required=True)


class CalendarArgs(PageArgs):
    locality = ma.fields.String(validate=ma.validate.Length(1, 100))
    upcoming = ma.fields.Boolean(load_default=True)


class VisitReportInput(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    what_happened = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000))
    parents_reached = ma.fields.Integer(required=True, validate=ma.validate.Range(0, 10000))
    families_present = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(0, 100),
        metadata={"description": "How many volunteer families took part"},
    )


class VisitReportSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    visit_id = ma.fields.UUID(required=True)
    what_happened = ma.fields.String(required=True)
    parents_reached = ma.fields.Integer(required=True)
    families_present = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


VenuePage = page_schema(VenueSchema, "PeerParentsVenuePage")
VisitPage = page_schema(VisitSchema, "PeerParentsVisitPage")


@blp.route("/programmes/<uuid:programme_id>/venues")
class Venues(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, VenuePage)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """The programme's partner venues, newest first."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "read")
            stmt = select(Venue).where(Venue.programme_id == programme_id)
            return paginate(db, stmt, created=Venue.created_at, ident=Venue.id, **args)

    @blp.arguments(VenueInput)
    @blp.response(201, VenueSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> Venue:
        """Add a partner venue: a neuvola, a club, a school, in a locality."""
        authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "programme_content")
            return service.add_venue(db, programme, **args)


@blp.route("/programmes/<uuid:programme_id>/visits")
class Visits(MethodView):
    @blp.arguments(CalendarArgs, location="query")
    @blp.response(200, VisitPage)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """The activity calendar: visits (of one locality, if asked), latest first."""
        authorize(Permission.READ_PROGRAMMES)
        locality = args.pop("locality", None)
        upcoming = args.pop("upcoming")
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "read")
            stmt = select(Visit).where(
                Visit.venue_id.in_(select(Venue.id).where(Venue.programme_id == programme_id))
            )
            if locality:
                stmt = stmt.where(
                    Visit.venue_id.in_(select(Venue.id).where(Venue.locality == locality))
                )
            if upcoming:
                stmt = stmt.where(Visit.starts_at > utcnow())
            return paginate(db, stmt, created=Visit.starts_at, ident=Visit.id, **args)  # type: ignore[arg-type]

    @blp.arguments(VisitInput)
    @blp.response(201, VisitSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> Visit:
        """Plan a visit to a venue, with places for volunteer families."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "events")
            venue = db.get(Venue, args.pop("venue_id"))
            if venue is None:
                raise ValidationFailed(
                    "No such venue.",
                    code="unknown_venue",
                    errors={"json": {"venue_id": ["No such venue."]}},
                )
            return service.plan_visit(db, programme, venue, created_by=principal.user_id, **args)


@blp.route("/visits/<uuid:event_id>/report")
class Report(MethodView):
    @blp.response(200, VisitReportSchema)
    def get(self, event_id: uuid.UUID) -> VisitReport:
        """The visit's report (staff, and the families who took part)."""
        principal = require_principal()
        if not allows(principal.role, Permission.JOIN_EVENTS):
            authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            visit = service.visit_of(db, get_or_404(db, Event, event_id))
            _licence(db, "read")
            if principal.role not in _STAFF and not service.took_part(db, visit, principal.user_id):
                raise Forbidden("The report is written by the families who took part.")
            report = service.report_of(db, visit)
            if report is None:
                raise NotFound("The visit has not been reported yet.")
            return report

    @blp.arguments(VisitReportInput)
    @blp.response(200, VisitReportSchema)
    def put(self, args: dict[str, Any], event_id: uuid.UUID) -> VisitReport:
        """Report the visit: what happened, how many parents were reached. No names."""
        principal = require_principal()
        if not allows(principal.role, Permission.JOIN_EVENTS):
            authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            visit = service.visit_of(db, get_or_404(db, Event, event_id))
            _licence(db, "events")
            if principal.role not in _STAFF and not service.took_part(db, visit, principal.user_id):
                raise Forbidden("The report is written by the families who took part.")
            return service.report_visit(db, visit, reported_by=principal.user_id, **args)
