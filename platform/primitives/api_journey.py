"""API: volunteers' absences and changes, closing surveys, public participant
applications, and publishing events on the national directory.

Views only translate HTTP; the rules are in `volunteer_reports`,
`closing_survey`, `public_intake` and `event_publishing`. Path ids are
checked before any body is parsed: an absence is seen by the organisation's
staff and by the volunteer it belongs to; a closing survey by staff and by
the person it was offered to.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, path_object, public_tenant, require_principal
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives import (
    closing_survey,
    event_publishing,
    public_intake,
    rate_limits,
    volunteer_reports,
)
from tukiverkko.platform.primitives.models import (
    AVAILABILITY_SLOTS,
    IntakeSource,
    ParticipantKind,
    Programme,
    Volunteer,
)
from tukiverkko.platform.primitives.models_followup import Event
from tukiverkko.platform.primitives.models_reports import (
    ClosingSurveyOffer,
    SurveySide,
    VolunteerAbsence,
    VolunteerChange,
)

volunteer_reports_blp = Blueprint(
    "volunteer_reports",
    __name__,
    url_prefix="/volunteers",
    description="Volunteers report their absences and changes to their details",
)
absences_blp = Blueprint(
    "volunteer_absences",
    __name__,
    url_prefix="/volunteer-absences",
    description="Volunteers' absences, for the coordinators; a volunteer's own",
)
changes_blp = Blueprint(
    "volunteer_changes",
    __name__,
    url_prefix="/volunteer-changes",
    description="Changes volunteers made to their own details, for the coordinators",
)
closing_blp = Blueprint(
    "closing_surveys",
    __name__,
    url_prefix="/closing-surveys",
    description="Closing surveys of closed matches: offered, answered or not",
)
programme_forms_blp = Blueprint(
    "programme_forms",
    __name__,
    url_prefix="/programmes",
    description="A programme's closing survey and public participant form",
)
publishing_blp = Blueprint(
    "event_publishing",
    __name__,
    url_prefix="/events",
    description="Publish a programme's event on the national directory",
)
public_intake_blp = Blueprint(
    "public_intake",
    __name__,
    url_prefix="/public",
    description="Without sign-in: participant applications (the guardian or the person)",
)
BLUEPRINTS = [
    volunteer_reports_blp,
    absences_blp,
    changes_blp,
    closing_blp,
    programme_forms_blp,
    publishing_blp,
    public_intake_blp,
]

_PARTNER_STAFF = (Role.TENANT_ADMIN, Role.COORDINATOR)


def _staff(principal: Principal) -> bool:
    return principal.role in _PARTNER_STAFF


def _self_or(permission: Permission) -> Principal:
    """A volunteer acting on their own (the path check ensured it), or staff."""
    principal = require_principal()
    if allows(principal.role, Permission.OWN_VOLUNTEERING):
        return principal
    return authorize(permission)


def _own_volunteer_ids(principal: Principal) -> Any:
    return select(Volunteer.id).where(Volunteer.user_id == principal.user_id)


# ---------------------------------------------------------------------------
# Absences and changes


class VolunteerAbsenceInput(ma.Schema):
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    reason = ma.fields.String(
        load_default="",
        validate=ma.validate.Length(max=200),
        metadata={"description": 'Optional and short ("holiday"); no health details'},
    )


class VolunteerAbsenceSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


AbsencePage = page_schema(VolunteerAbsenceSchema, "VolunteerAbsencePage")


class VolunteerAbsenceListArgs(PageArgs):
    programme_id = ma.fields.UUID()
    current = ma.fields.Boolean(
        load_default=False, metadata={"description": "Only absences not cancelled nor over"}
    )


class VolunteerChangeInput(ma.Schema):
    phone = ma.fields.String(validate=ma.validate.Length(max=40))
    postcode = ma.fields.String(
        validate=ma.validate.Regexp(r"^(\d{5})?$", error="Five digits."),
        metadata={"description": "Postcode area (five digits)"},
    )
    availability = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(AVAILABILITY_SLOTS)),
        validate=ma.validate.Length(max=len(AVAILABILITY_SLOTS)),
    )
    languages = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 40)), validate=ma.validate.Length(max=20)
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class VolunteerChangeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    fields = ma.fields.List(ma.fields.String(), required=True)
    note = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ChangePage = page_schema(VolunteerChangeSchema, "VolunteerChangePage")


class VolunteerChangeListArgs(PageArgs):
    programme_id = ma.fields.UUID()


@path_object("absence_id")
def _absence_visible(db: Session, principal: Principal, absence_id: uuid.UUID) -> bool:
    absence = db.get(VolunteerAbsence, absence_id)
    if absence is None:
        return False
    if _staff(principal):
        return True
    if principal.role != Role.VOLUNTEER:
        return False
    volunteer = db.get(Volunteer, absence.volunteer_id)
    return volunteer is not None and volunteer.user_id == principal.user_id


@volunteer_reports_blp.route("/<uuid:volunteer_id>/absences")
class VolunteerAbsences(MethodView):
    @volunteer_reports_blp.arguments(PageArgs, location="query")
    @volunteer_reports_blp.response(200, AbsencePage)
    def get(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """A volunteer's absences, newest first (the volunteer, or staff)."""
        _self_or(Permission.MANAGE_VOLUNTEERS)
        stmt = select(VolunteerAbsence).where(VolunteerAbsence.volunteer_id == volunteer_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=VolunteerAbsence.created_at, ident=VolunteerAbsence.id, **args
            )

    @volunteer_reports_blp.arguments(VolunteerAbsenceInput)
    @volunteer_reports_blp.response(201, VolunteerAbsenceSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> VolunteerAbsence:
        """Report an absence; the coordinators are notified."""
        principal = _self_or(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            return volunteer_reports.report_absence(
                db, volunteer, reported_by=principal.user_id, **args
            )


@volunteer_reports_blp.route("/<uuid:volunteer_id>/changes")
class VolunteerChanges(MethodView):
    @volunteer_reports_blp.arguments(VolunteerChangeInput)
    @volunteer_reports_blp.response(201, VolunteerChangeSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> VolunteerChange:
        """Report changed details (phone, postcode area, availability, languages).

        The new values replace the old ones at once; the coordinators are told
        which details changed.
        """
        principal = authorize(Permission.OWN_VOLUNTEERING)
        note = args.pop("note")
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            return volunteer_reports.report_change(
                db, volunteer, args, note=note, reported_by=principal.user_id
            )


@absences_blp.route("")
class Absences(MethodView):
    @absences_blp.arguments(VolunteerAbsenceListArgs, location="query")
    @absences_blp.response(200, AbsencePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Absences, newest first: all for staff, one's own for a volunteer."""
        principal = _self_or(Permission.MANAGE_VOLUNTEERS)
        stmt = volunteer_reports.absences_query(
            programme_id=args.pop("programme_id", None), current=args.pop("current")
        )
        if not _staff(principal):
            stmt = stmt.where(VolunteerAbsence.volunteer_id.in_(_own_volunteer_ids(principal)))
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=VolunteerAbsence.created_at, ident=VolunteerAbsence.id, **args
            )


@absences_blp.route("/<uuid:absence_id>/cancel")
class AbsenceCancel(MethodView):
    @absences_blp.response(200, VolunteerAbsenceSchema)
    def post(self, absence_id: uuid.UUID) -> VolunteerAbsence:
        """Cancel an absence that has not started (the volunteer, or staff)."""
        principal = _self_or(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            absence = get_or_404(db, VolunteerAbsence, absence_id)
            return volunteer_reports.cancel_absence(db, absence, actor_id=principal.user_id)


@changes_blp.route("")
class Changes(MethodView):
    @changes_blp.arguments(VolunteerChangeListArgs, location="query")
    @changes_blp.response(200, ChangePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Changes volunteers reported to their details, newest first (staff)."""
        authorize(Permission.MANAGE_VOLUNTEERS)
        stmt = volunteer_reports.changes_query(programme_id=args.pop("programme_id", None))
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=VolunteerChange.created_at, ident=VolunteerChange.id, **args
            )


# ---------------------------------------------------------------------------
# Closing surveys


class ClosingSurveyInput(ma.Schema):
    form_id = ma.fields.UUID(
        required=True,
        allow_none=True,
        metadata={"description": "A form for volunteers; null: none"},
    )


class ParticipantFormInput(ma.Schema):
    accept = ma.fields.Boolean(required=True)


class ProgrammeFormsSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    accepts_applications = ma.fields.Boolean(required=True)
    accepts_participant_applications = ma.fields.Boolean(required=True)
    closing_survey_form_id = ma.fields.UUID(allow_none=True, required=True)


class ClosingSurveySchema(ma.Schema):
    """One closed match's survey: answered or not. Never the answers of an anonymous form."""

    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    form_id = ma.fields.UUID(required=True)
    side = ma.fields.Enum(SurveySide, by_value=True, required=True)
    volunteer_name = ma.fields.Function(lambda o: o.match.volunteer.name, required=True)
    closed_at = ma.fields.Function(lambda o: o.match.closed_at, required=True)
    close_reason = ma.fields.Function(lambda o: o.match.close_reason, required=True)
    answered = ma.fields.Function(lambda o: o.answered_on is not None, required=True)
    answered_on = ma.fields.Date(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


OfferPage = page_schema(ClosingSurveySchema, "ClosingSurveyPage")


class ClosingSurveyListArgs(PageArgs):
    programme_id = ma.fields.UUID()
    answered = ma.fields.Boolean()


class ClosingSurveyAnswerInput(ma.Schema):
    answers = ma.fields.Dict(keys=ma.fields.String(), required=True)


@path_object("closing_survey_id")
def _offer_visible(db: Session, principal: Principal, closing_survey_id: uuid.UUID) -> bool:
    offer = db.get(ClosingSurveyOffer, closing_survey_id)
    if offer is None:
        return False
    return _staff(principal) or (
        principal.role == Role.VOLUNTEER and offer.user_id == principal.user_id
    )


@programme_forms_blp.route("/<uuid:programme_id>/closing-survey")
class ProgrammeClosingSurvey(MethodView):
    @programme_forms_blp.arguments(ClosingSurveyInput)
    @programme_forms_blp.response(200, ProgrammeFormsSchema)
    def put(self, args: dict[str, Any], programme_id: uuid.UUID) -> Programme:
        """Make one of the organisation's feedback forms the programme's closing survey."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            return closing_survey.designate(
                db, programme, args["form_id"], actor_id=principal.user_id
            )


@programme_forms_blp.route("/<uuid:programme_id>/participant-applications")
class ProgrammeParticipantForm(MethodView):
    @programme_forms_blp.arguments(ParticipantFormInput)
    @programme_forms_blp.response(200, ProgrammeFormsSchema)
    def put(self, args: dict[str, Any], programme_id: uuid.UUID) -> Programme:
        """Open or close the public participant application form."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            return public_intake.open_participant_applications(
                db, programme, accept=args["accept"], actor_id=principal.user_id
            )


@closing_blp.route("")
class ClosingSurveys(MethodView):
    @closing_blp.arguments(ClosingSurveyListArgs, location="query")
    @closing_blp.response(200, OfferPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Closing surveys, newest first: per closed match for staff; one's own for a volunteer."""
        principal = _self_or(Permission.MANAGE_MATCHES)
        stmt = closing_survey.offers_query(
            programme_id=args.pop("programme_id", None),
            answered=args.pop("answered", None),
            user_id=None if _staff(principal) else principal.user_id,
        )
        with get_database().unit_of_work() as db:
            return paginate(
                db,
                stmt,
                created=ClosingSurveyOffer.created_at,
                ident=ClosingSurveyOffer.id,
                **args,
            )


@closing_blp.route("/<uuid:closing_survey_id>/answer")
class ClosingSurveyAnswer(MethodView):
    @closing_blp.arguments(ClosingSurveyAnswerInput)
    @closing_blp.response(200, ClosingSurveySchema)
    def post(self, args: dict[str, Any], closing_survey_id: uuid.UUID) -> ClosingSurveyOffer:
        """Answer the closing survey one was offered (once)."""
        principal = authorize(Permission.OWN_VOLUNTEERING)
        with get_database().unit_of_work() as db:
            offer = db.scalar(
                closing_survey.offers_query().where(ClosingSurveyOffer.id == closing_survey_id)
            )
            if offer is None:
                get_or_404(db, ClosingSurveyOffer, closing_survey_id)
            assert offer is not None
            return closing_survey.answer(db, offer, args["answers"], user_id=principal.user_id)


# ---------------------------------------------------------------------------
# Publishing events on the national directory


class PublishedEventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    published_at = ma.fields.AwareDateTime(allow_none=True, required=True)


@publishing_blp.route("/<uuid:event_id>/publish")
class EventPublish(MethodView):
    @publishing_blp.response(200, PublishedEventSchema)
    def post(self, event_id: uuid.UUID) -> Event:
        """Show the event on the national directory (needs the licence in force)."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            event = get_or_404(db, Event, event_id)
            programme = get_or_404(db, Programme, event.programme_id)
            return event_publishing.publish(db, event, programme, actor_id=principal.user_id)


@publishing_blp.route("/<uuid:event_id>/unpublish")
class EventUnpublish(MethodView):
    @publishing_blp.response(200, PublishedEventSchema)
    def post(self, event_id: uuid.UUID) -> Event:
        """Take the event off the national directory."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            event = get_or_404(db, Event, event_id)
            return event_publishing.unpublish(db, event, actor_id=principal.user_id)


# ---------------------------------------------------------------------------
# Public participant application


class PublicParticipantApplication(ma.Schema):
    """The minimum a coordinator needs to call back; nothing about health or family life."""

    source = ma.fields.Enum(
        IntakeSource,
        by_value=True,
        required=True,
        metadata={"description": "guardian (applying for a child), self, or referrer"},
    )
    kind = ma.fields.Enum(ParticipantKind, by_value=True, required=True)
    applicant_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 200),
        metadata={"description": "Who applies: the guardian, or the person themself"},
    )
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 200),
        metadata={"description": "The participant's first name or a pseudonym"},
    )
    birth_year = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(1900, 2100))
    postcode = ma.fields.String(
        validate=ma.validate.Regexp(r"^(\d{5})?$", error="Five digits."),
        metadata={"description": "Postcode area (five digits)"},
    )
    languages = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 40)), validate=ma.validate.Length(max=20)
    )
    contact_phone = ma.fields.String(validate=ma.validate.Length(max=40))
    contact_email = ma.fields.Email(validate=ma.validate.Length(max=254))
    referrer_organisation = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    consent_processing = ma.fields.Boolean(
        required=True, metadata={"description": "Consent to keeping the application's data"}
    )


class ParticipantApplicationReceipt(ma.Schema):
    received = ma.fields.Boolean(required=True)
    next_steps = ma.fields.String(required=True)


@public_intake_blp.route("/<slug>/programmes/<uuid:programme_id>/participant-applications")
class PublicParticipantApplications(MethodView):
    @public_intake_blp.arguments(PublicParticipantApplication)
    @public_intake_blp.response(201, ParticipantApplicationReceipt)
    def post(self, args: dict[str, Any], slug: str, programme_id: uuid.UUID) -> dict[str, Any]:
        """Apply to take part: the guardian for her child, or the adult for themself."""
        tenant = public_tenant(slug)
        rate_limits.check_request("participant", tenant.id)  # before anything is written
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            public_intake.apply_as_participant(db, programme, **args)
            return {"received": True, "next_steps": public_intake.next_steps(programme)}
