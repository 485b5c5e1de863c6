"""API of the shared primitives. Views only translate HTTP: the rules are in the services.

Visibility of path ids (checked before any body is parsed): every object is
the partner's own; model-owner staff and the operator see none of it. A
volunteer reaches only their own volunteer record, their own matches and
enrolments, and the training of their organisation; never a participant's
record, and never a sensitive note.
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tukiverkko.platform import context
from tukiverkko.platform.auth import (
    authorize,
    path_object,
    public_path_object,
    public_tenant,
    require_principal,
)
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import Conflict, Forbidden, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives import (
    consents,
    intake,
    matching,
    notices,
    programmes,
    rate_limits,
    screening,
    training,
    volunteers,
)
from tukiverkko.platform.primitives.models import (
    AVAILABILITY_SLOTS,
    BackgroundCheck,
    CheckTask,
    Consent,
    ConsentPurpose,
    ConsentSubject,
    Curriculum,
    Enrolment,
    EnrolmentStatus,
    IntakeSource,
    InterviewNote,
    Match,
    MatchStatus,
    Participant,
    ParticipantKind,
    ParticipantNote,
    ParticipantStatus,
    Programme,
    TrainingCompletion,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.read_cache import cached_read

programmes_blp = Blueprint(
    "programmes", __name__, url_prefix="/programmes", description="Programmes and their settings"
)
volunteers_blp = Blueprint(
    "volunteers",
    __name__,
    url_prefix="/volunteers",
    description="Volunteers: interview, background check, approval, pause, end",
)
screening_blp = Blueprint(
    "screening",
    __name__,
    url_prefix="/background-check-tasks",
    description="The written list of tasks that need the background check (Act 148/2014)",
)
training_blp = Blueprint(
    "training", __name__, url_prefix="/training", description="Curricula, sessions, enrolment"
)
participants_blp = Blueprint(
    "participants", __name__, url_prefix="/participants", description="Intake of participants"
)
matches_blp = Blueprint(
    "matches", __name__, url_prefix="/matches", description="Matches of volunteers and participants"
)
public_blp = Blueprint(
    "public",
    __name__,
    url_prefix="/public",
    description="Without sign-in: programme pages and volunteer applications",
)
BLUEPRINTS = [
    programmes_blp,
    volunteers_blp,
    screening_blp,
    training_blp,
    participants_blp,
    matches_blp,
    public_blp,
]

_PARTNER_PEOPLE = (Role.TENANT_ADMIN, Role.COORDINATOR, Role.VOLUNTEER)
_PARTNER_STAFF = (Role.TENANT_ADMIN, Role.COORDINATOR)

# ---------------------------------------------------------------------------
# Fields


def _tags() -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 40)), validate=ma.validate.Length(max=20)
    )


def _slots() -> ma.fields.List:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(AVAILABILITY_SLOTS)),
        validate=ma.validate.Length(max=len(AVAILABILITY_SLOTS)),
    )


def _postcode() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(r"^(\d{5})?$", error="Five digits."),
        metadata={"description": "Postcode area (five digits)"},
    )


def _text(max_length: int, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=max_length), **kwargs)


# ---------------------------------------------------------------------------
# Programmes


class ProgrammeSettingsFields(ma.Schema):
    accepts_applications = ma.fields.Boolean()
    background_check_required = ma.fields.Boolean()
    extract_max_age_days = ma.fields.Integer(
        validate=ma.validate.Range(1, programmes.MAX_EXTRACT_AGE_DAYS)
    )
    training_required = ma.fields.Boolean()
    meetings_per_month_min = ma.fields.Integer(validate=ma.validate.Range(0, 31))
    meetings_per_month_max = ma.fields.Integer(validate=ma.validate.Range(1, 31))
    intake_sources = ma.fields.List(
        ma.fields.Enum(IntakeSource, by_value=True), validate=ma.validate.Length(1, 3)
    )
    closing_reasons = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 64)), validate=ma.validate.Length(1, 30)
    )


class ProgrammeCreate(ProgrammeSettingsFields):
    module_key = ma.fields.String(required=True, validate=ma.validate.Length(2, 64))
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class ProgrammeEdit(ProgrammeSettingsFields):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))


class ProgrammeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    module_key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    accepts_applications = ma.fields.Boolean(required=True)
    background_check_required = ma.fields.Boolean(required=True)
    extract_max_age_days = ma.fields.Integer(required=True)
    training_required = ma.fields.Boolean(required=True)
    meetings_per_month_min = ma.fields.Integer(required=True)
    meetings_per_month_max = ma.fields.Integer(required=True)
    intake_sources = ma.fields.Method("_sources", required=True)
    closing_reasons = ma.fields.List(ma.fields.String(), required=True)
    retired_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)

    def _sources(self, programme: Programme) -> list[str]:
        return sorted(s.value for s in programme.intake_sources)


ProgrammePage = page_schema(ProgrammeSchema, "ProgrammePage")


def _partner_person(principal: Principal) -> bool:
    return principal.role in _PARTNER_PEOPLE


@path_object("programme_id")
def _programme_visible(db: Session, principal: Principal, programme_id: uuid.UUID) -> bool:
    return _partner_person(principal) and db.get(Programme, programme_id) is not None


@public_path_object("programme_id")
def _programme_public(db: Session, programme_id: uuid.UUID) -> bool:
    programme = db.get(Programme, programme_id)
    if programme is None or programme.retired_at is not None:
        return False
    # Open for volunteer or participant applications (each view checks its own form).
    return programme.accepts_applications or programme.accepts_participant_applications


@programmes_blp.route("")
class Programmes(MethodView):
    @programmes_blp.arguments(PageArgs, location="query")
    @programmes_blp.response(200, ProgrammePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The organisation's programmes, newest first."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            return paginate(
                db, select(Programme), created=Programme.created_at, ident=Programme.id, **args
            )

    @programmes_blp.arguments(ProgrammeCreate)
    @programmes_blp.response(201, ProgrammeSchema)
    def post(self, args: dict[str, Any]) -> Programme:
        """Start running a programme of a module; settings default to the module's."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            return programmes.create_programme(db, actor_id=principal.user_id, **args)


@programmes_blp.route("/<uuid:programme_id>")
class ProgrammeItem(MethodView):
    @programmes_blp.response(200, ProgrammeSchema)
    def get(self, programme_id: uuid.UUID) -> Programme:
        """One programme with its settings."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            return get_or_404(db, Programme, programme_id)

    @programmes_blp.arguments(ProgrammeEdit)
    @programmes_blp.response(200, ProgrammeSchema)
    def patch(self, args: dict[str, Any], programme_id: uuid.UUID) -> Programme:
        """Rename a programme or change its settings."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            return programmes.update_programme(db, programme, args, actor_id=principal.user_id)


@programmes_blp.route("/<uuid:programme_id>/retire")
class ProgrammeRetire(MethodView):
    @programmes_blp.response(200, ProgrammeSchema)
    def post(self, programme_id: uuid.UUID) -> Programme:
        """Stop taking new people into a programme; its history stays."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            return programmes.retire_programme(db, programme, actor_id=principal.user_id)


# ---------------------------------------------------------------------------
# Volunteers


class VolunteerProfile(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    email = ma.fields.Email(validate=ma.validate.Length(max=254))
    phone = _text(40)
    postcode = _postcode()
    languages = _tags()
    interests = _tags()
    availability = _slots()
    capacity = ma.fields.Integer(validate=ma.validate.Range(1, 10))


class ApplicationConsents(ma.Schema):
    consent_processing = ma.fields.Boolean(
        required=True, metadata={"description": "Consent to keeping the applicant's data"}
    )
    consent_background_check = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Consent to being asked to show a criminal-record extract"},
    )
    background_check_notice_acknowledged = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "The applicant has seen that the check will be asked for"},
    )


class PublicApplication(VolunteerProfile, ApplicationConsents):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))


class VolunteerCreate(PublicApplication):
    programme_id = ma.fields.UUID(required=True)
    email = ma.fields.Email(validate=ma.validate.Length(max=254))


class VolunteerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    user_id = ma.fields.UUID(allow_none=True, required=True)
    name = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)
    postcode = ma.fields.String(required=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    interests = ma.fields.List(ma.fields.String(), required=True)
    availability = ma.fields.List(ma.fields.String(), required=True)
    capacity = ma.fields.Integer(required=True)
    status = ma.fields.Enum(VolunteerStatus, by_value=True, required=True)
    status_changed_at = ma.fields.AwareDateTime(required=True)
    end_reason = ma.fields.String(required=True)
    check_recorded_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    training_completed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    approved_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


VolunteerPage = page_schema(VolunteerSchema, "VolunteerPage")


class VolunteerListArgs(PageArgs):
    programme_id = ma.fields.UUID()
    status = ma.fields.Enum(VolunteerStatus, by_value=True)


class NoteInput(ma.Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))


class InterviewNoteSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    author_id = ma.fields.UUID(required=True)
    text = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


InterviewNotePage = page_schema(InterviewNoteSchema, "InterviewNotePage")


class EndInput(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))


class QuitInput(ma.Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class LinkAccountInput(ma.Schema):
    user_id = ma.fields.UUID(required=True)


class BackgroundCheckInput(ma.Schema):
    """Only the issue date: the law allows nothing else to be kept (unknown fields: 422)."""

    extract_issued_on = ma.fields.Date(required=True)


class BackgroundCheckSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    extract_issued_on = ma.fields.Date(required=True)
    seen_by = ma.fields.UUID(required=True)
    seen_at = ma.fields.AwareDateTime(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


BackgroundCheckPage = page_schema(BackgroundCheckSchema, "BackgroundCheckPage")


class ConsentInput(ma.Schema):
    purpose = ma.fields.Enum(ConsentPurpose, by_value=True, required=True)
    given_by = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class ConsentWithdrawal(ma.Schema):
    purpose = ma.fields.Enum(ConsentPurpose, by_value=True, required=True)


class ConsentSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    subject_type = ma.fields.Enum(ConsentSubject, by_value=True, required=True)
    subject_id = ma.fields.UUID(required=True)
    purpose = ma.fields.Enum(ConsentPurpose, by_value=True, required=True)
    given_by = ma.fields.String(required=True)
    given_at = ma.fields.AwareDateTime(required=True)
    recorded_by = ma.fields.UUID(allow_none=True, required=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ConsentPage = page_schema(ConsentSchema, "ConsentPage")


class CompletionInput(ma.Schema):
    curriculum_id = ma.fields.UUID(required=True)


class CompletionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    curriculum_id = ma.fields.UUID(required=True)
    recorded_by = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


CompletionPage = page_schema(CompletionSchema, "CompletionPage")


@path_object("volunteer_id")
def _volunteer_visible(db: Session, principal: Principal, volunteer_id: uuid.UUID) -> bool:
    volunteer = db.get(Volunteer, volunteer_id)
    if volunteer is None or not _partner_person(principal):
        return False
    # A volunteer sees only their own record; staff see everyone's.
    return principal.role != Role.VOLUNTEER or volunteer.user_id == principal.user_id


def _self_or(permission: Permission) -> Principal:
    """A volunteer acting on their own record (the path check ensured it), or staff."""
    principal = require_principal()
    if allows(principal.role, Permission.OWN_VOLUNTEERING):
        return principal
    return authorize(permission)


def _volunteer_with_programme(db: Session, volunteer_id: uuid.UUID) -> tuple[Volunteer, Programme]:
    volunteer = get_or_404(db, Volunteer, volunteer_id)
    programme = get_or_404(db, Programme, volunteer.programme_id)
    return volunteer, programme


@volunteers_blp.route("")
class Volunteers(MethodView):
    @cached_read
    @volunteers_blp.arguments(VolunteerListArgs, location="query")
    @volunteers_blp.response(200, VolunteerPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Volunteers, newest first: all for staff, one's own records for a volunteer."""
        principal = _self_or(Permission.MANAGE_VOLUNTEERS)
        stmt = select(Volunteer)
        if principal.role == Role.VOLUNTEER:
            stmt = stmt.where(Volunteer.user_id == principal.user_id)
        if "programme_id" in args:
            stmt = stmt.where(Volunteer.programme_id == args.pop("programme_id"))
        if "status" in args:
            stmt = stmt.where(Volunteer.status == args.pop("status"))
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Volunteer.created_at, ident=Volunteer.id, **args)

    @volunteers_blp.arguments(VolunteerCreate)
    @volunteers_blp.response(201, VolunteerSchema)
    def post(self, args: dict[str, Any]) -> Volunteer:
        """Add a volunteer who applied in another way (paper, phone); consents as given."""
        principal = authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            programme = _programme_in_body(db, args.pop("programme_id"))
            return volunteers.apply_as_volunteer(
                db, programme, recorded_by=principal.user_id, **args
            )


def _programme_in_body(db: Session, programme_id: uuid.UUID) -> Programme:
    programme = db.get(Programme, programme_id)  # another tenant's: None, like a wrong id
    if programme is None:
        raise ValidationFailed(
            "No such programme.",
            code="unknown_programme",
            errors={"json": {"programme_id": ["No such programme."]}},
        )
    return programme


@volunteers_blp.route("/<uuid:volunteer_id>")
class VolunteerItem(MethodView):
    @volunteers_blp.response(200, VolunteerSchema)
    def get(self, volunteer_id: uuid.UUID) -> Volunteer:
        """One volunteer (staff), or one's own record (the volunteer)."""
        _self_or(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            return get_or_404(db, Volunteer, volunteer_id)

    @volunteers_blp.arguments(VolunteerProfile)
    @volunteers_blp.response(200, VolunteerSchema)
    def patch(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> Volunteer:
        """Correct the volunteer's details (their right, or a coordinator's edit)."""
        _self_or(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            return volunteers.update_profile(db, volunteer, args)


@volunteers_blp.route("/<uuid:volunteer_id>/interview-notes")
class InterviewNotes(MethodView):
    @volunteers_blp.arguments(PageArgs, location="query")
    @volunteers_blp.response(200, InterviewNotePage)
    def get(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """Interview notes of a volunteer (coordinators only)."""
        authorize(Permission.MANAGE_VOLUNTEERS)
        stmt = select(InterviewNote).where(InterviewNote.volunteer_id == volunteer_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=InterviewNote.created_at, ident=InterviewNote.id, **args
            )

    @volunteers_blp.arguments(NoteInput)
    @volunteers_blp.response(201, InterviewNoteSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> InterviewNote:
        """Record an interview; the first moves an applicant to "interviewed"."""
        principal = authorize(Permission.MANAGE_VOLUNTEERS)
        with get_database().unit_of_work() as db:
            volunteer, programme = _volunteer_with_programme(db, volunteer_id)
            note = volunteers.add_interview_note(
                db, volunteer, programme, author_id=principal.user_id, text=args["text"]
            )
            db.flush()
            return note


def _volunteer_action(name: str, doc: str, schema: type[ma.Schema] | None = None) -> Any:
    """Register POST /volunteers/<id>/<name> calling `fn(db, v, p, principal, args)`."""

    def register(fn: Any) -> Any:
        def post(self: Any, *a: Any, volunteer_id: uuid.UUID) -> Volunteer:
            args = a[0] if a else {}
            principal = fn.authorize()
            with get_database().unit_of_work() as db:
                volunteer, programme = _volunteer_with_programme(db, volunteer_id)
                return fn(db, volunteer, programme, principal, args)

        post.__doc__ = doc
        if schema is not None:
            post = volunteers_blp.arguments(schema)(post)
        post = volunteers_blp.response(200, VolunteerSchema)(post)
        view = type(f"Volunteer_{name}", (MethodView,), {"post": post})
        volunteers_blp.route(f"/<uuid:volunteer_id>/{name}", endpoint=f"volunteer_{name}")(view)
        return fn

    return register


def _staff(permission: Permission) -> Any:
    def decorate(fn: Any) -> Any:
        fn.authorize = lambda: authorize(permission)
        return fn

    return decorate


def _self_or_staff(permission: Permission) -> Any:
    def decorate(fn: Any) -> Any:
        fn.authorize = lambda: _self_or(permission)
        return fn

    return decorate


def _own_only(fn: Any) -> Any:
    fn.authorize = lambda: authorize(Permission.OWN_VOLUNTEERING)
    return fn


@_volunteer_action("approve", "Approve for matching (refused until training and check allow).")
@_staff(Permission.MANAGE_VOLUNTEERS)
def _approve(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.approve(db, v, p, actor_id=who.user_id)


@_volunteer_action("pause", "Take a break: the volunteer's right, or recorded by a coordinator.")
@_self_or_staff(Permission.MANAGE_VOLUNTEERS)
def _pause(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.pause(db, v, actor_id=who.user_id)


@_volunteer_action("resume", "Come back from a break.")
@_self_or_staff(Permission.MANAGE_VOLUNTEERS)
def _resume(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.resume(db, v, p, actor_id=who.user_id)


@_volunteer_action("quit", "Stop volunteering (the volunteer's own right, at any time).", QuitInput)
@_own_only
def _quit(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.end(db, v, reason=args["reason"], actor_id=who.user_id, by_volunteer=True)


@_volunteer_action("end", "End the volunteering, with a reason (coordinators).", EndInput)
@_staff(Permission.MANAGE_VOLUNTEERS)
def _end(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.end(db, v, reason=args["reason"], actor_id=who.user_id, by_volunteer=False)


@_volunteer_action(
    "account", "Link the record to the person's volunteer account.", LinkAccountInput
)
@_staff(Permission.MANAGE_VOLUNTEERS)
def _link(db: Session, v: Volunteer, p: Programme, who: Principal, args: Any) -> Volunteer:
    return volunteers.link_account(db, v, args["user_id"], actor_id=who.user_id)


@volunteers_blp.route("/<uuid:volunteer_id>/background-checks")
class BackgroundChecks(MethodView):
    @volunteers_blp.arguments(PageArgs, location="query")
    @volunteers_blp.response(200, BackgroundCheckPage)
    def get(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """Recorded checks of a volunteer: dates and who saw the extract, nothing more."""
        authorize(Permission.RECORD_BACKGROUND_CHECKS)
        stmt = select(BackgroundCheck).where(BackgroundCheck.volunteer_id == volunteer_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=BackgroundCheck.created_at, ident=BackgroundCheck.id, **args
            )

    @volunteers_blp.arguments(BackgroundCheckInput)
    @volunteers_blp.response(201, BackgroundCheckSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> BackgroundCheck:
        """Record that the signed-in coordinator saw the volunteer's extract now."""
        principal = authorize(Permission.RECORD_BACKGROUND_CHECKS)
        with get_database().unit_of_work() as db:
            volunteer, programme = _volunteer_with_programme(db, volunteer_id)
            check = screening.record_check(
                db,
                volunteer,
                programme,
                extract_issued_on=args["extract_issued_on"],
                seen_by=principal.user_id,
            )
            db.flush()
            return check


def _consent_routes(
    blp: Blueprint,
    subject: ConsentSubject,
    id_name: str,
    model: type[Volunteer] | type[Participant],
    permission: Permission,
) -> None:
    @blp.route(f"/<uuid:{id_name}>/consents", endpoint=f"{subject.value}_consents")
    class Consents(MethodView):
        @blp.arguments(PageArgs, location="query")
        @blp.response(200, ConsentPage)
        def get(self, args: dict[str, Any], **ids: uuid.UUID) -> dict[str, Any]:
            """Consents: who agreed to what, when, and any withdrawal."""
            authorize(permission)
            stmt = select(Consent).where(Consent.subject_id == ids[id_name])
            with get_database().unit_of_work() as db:
                return paginate(db, stmt, created=Consent.created_at, ident=Consent.id, **args)

        @blp.arguments(ConsentInput)
        @blp.response(201, ConsentSchema)
        def post(self, args: dict[str, Any], **ids: uuid.UUID) -> Consent:
            """Record a consent given (e.g. on paper), naming who gave it."""
            principal = authorize(permission)
            with get_database().unit_of_work() as db:
                get_or_404(db, model, ids[id_name])
                consent = consents.record_consent(
                    db,
                    subject_type=subject,
                    subject_id=ids[id_name],
                    recorded_by=principal.user_id,
                    **args,
                )
                db.flush()
                return consent

    @blp.route(f"/<uuid:{id_name}>/consents/withdraw", endpoint=f"{subject.value}_withdraw")
    class Withdraw(MethodView):
        @blp.arguments(ConsentWithdrawal)
        @blp.response(204)
        def post(self, args: dict[str, Any], **ids: uuid.UUID) -> None:
            """Record that a consent was withdrawn (the records stay)."""
            authorize(permission)
            with get_database().unit_of_work() as db:
                get_or_404(db, model, ids[id_name])
                consents.withdraw_consent(db, ids[id_name], args["purpose"])


_consent_routes(
    volunteers_blp,
    ConsentSubject.VOLUNTEER,
    "volunteer_id",
    Volunteer,
    Permission.MANAGE_VOLUNTEERS,
)


@volunteers_blp.route("/<uuid:volunteer_id>/training-completions")
class Completions(MethodView):
    @volunteers_blp.arguments(PageArgs, location="query")
    @volunteers_blp.response(200, CompletionPage)
    def get(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """Curricula the volunteer has completed (staff, or the volunteer)."""
        _self_or(Permission.MANAGE_TRAINING)
        stmt = select(TrainingCompletion).where(TrainingCompletion.volunteer_id == volunteer_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db,
                stmt,
                created=TrainingCompletion.created_at,
                ident=TrainingCompletion.id,
                **args,
            )

    @volunteers_blp.arguments(CompletionInput)
    @volunteers_blp.response(201, CompletionSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> TrainingCompletion:
        """Record completion of a curriculum (needs attendance at one of its sessions)."""
        principal = authorize(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            volunteer, programme = _volunteer_with_programme(db, volunteer_id)
            curriculum = _curriculum_in_body(db, args["curriculum_id"])
            return training.complete(
                db, volunteer, curriculum, programme, recorded_by=principal.user_id
            )


def _curriculum_in_body(db: Session, curriculum_id: uuid.UUID) -> Curriculum:
    curriculum = db.get(Curriculum, curriculum_id)
    if curriculum is None:
        raise ValidationFailed(
            "No such curriculum.",
            code="unknown_curriculum",
            errors={"json": {"curriculum_id": ["No such curriculum."]}},
        )
    return curriculum


# ---------------------------------------------------------------------------
# The written list of tasks that need the check


class CheckTaskInput(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class CheckTaskSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    retired_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


CheckTaskPage = page_schema(CheckTaskSchema, "CheckTaskPage")


@path_object("check_task_id")
def _check_task_visible(db: Session, principal: Principal, check_task_id: uuid.UUID) -> bool:
    return principal.role in _PARTNER_STAFF and db.get(CheckTask, check_task_id) is not None


@screening_blp.route("")
class CheckTasks(MethodView):
    @screening_blp.arguments(PageArgs, location="query")
    @screening_blp.response(200, CheckTaskPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The organisation's list of volunteer tasks that need the background check."""
        authorize(Permission.RECORD_BACKGROUND_CHECKS)
        with get_database().unit_of_work() as db:
            return paginate(
                db, select(CheckTask), created=CheckTask.created_at, ident=CheckTask.id, **args
            )

    @screening_blp.arguments(CheckTaskInput)
    @screening_blp.response(201, CheckTaskSchema)
    def post(self, args: dict[str, Any]) -> CheckTask:
        """Add a task to the list."""
        principal = authorize(Permission.RECORD_BACKGROUND_CHECKS)
        with get_database().unit_of_work() as db:
            return screening.create_task(db, actor_id=principal.user_id, **args)


@screening_blp.route("/<uuid:check_task_id>/retire")
class CheckTaskRetire(MethodView):
    @screening_blp.response(200, CheckTaskSchema)
    def post(self, check_task_id: uuid.UUID) -> CheckTask:
        """Take a task off the current list (it stays in the history)."""
        principal = authorize(Permission.RECORD_BACKGROUND_CHECKS)
        with get_database().unit_of_work() as db:
            task = get_or_404(db, CheckTask, check_task_id)
            return screening.retire_task(db, task, actor_id=principal.user_id)


# ---------------------------------------------------------------------------
# Training


class CurriculumInput(ma.Schema):
    programme_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    hours = ma.fields.Integer(load_default=0, validate=ma.validate.Range(0, 500))


class CurriculumSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    hours = ma.fields.Integer(required=True)
    retired_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


CurriculumPage = page_schema(CurriculumSchema, "CurriculumPage")


class SessionInput(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 500))


class SessionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    curriculum_id = ma.fields.UUID(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


SessionPage = page_schema(SessionSchema, "SessionPage")


class EnrolInput(ma.Schema):
    volunteer_id = ma.fields.UUID(
        metadata={"description": "Staff name the volunteer; a volunteer enrols themself"}
    )


class TrainingEnrolmentSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    session_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(EnrolmentStatus, by_value=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


TrainingEnrolmentPage = page_schema(TrainingEnrolmentSchema, "TrainingEnrolmentPage")


class AttendanceInput(ma.Schema):
    attended = ma.fields.Boolean(required=True)


@path_object("curriculum_id")
def _curriculum_visible(db: Session, principal: Principal, curriculum_id: uuid.UUID) -> bool:
    return _partner_person(principal) and db.get(Curriculum, curriculum_id) is not None


@path_object("training_session_id")
def _session_visible(db: Session, principal: Principal, training_session_id: uuid.UUID) -> bool:
    return _partner_person(principal) and db.get(TrainingSession, training_session_id) is not None


@path_object("training_enrolment_id")
def _enrolment_visible(db: Session, principal: Principal, training_enrolment_id: uuid.UUID) -> bool:
    if principal.role in _PARTNER_STAFF:
        return db.get(Enrolment, training_enrolment_id) is not None
    if principal.role != Role.VOLUNTEER:
        return False
    own = db.scalar(
        select(Enrolment.id)
        .join(Volunteer, Volunteer.id == Enrolment.volunteer_id)
        .where(Enrolment.id == training_enrolment_id, Volunteer.user_id == principal.user_id)
    )
    return own is not None


@training_blp.route("/curricula")
class Curricula(MethodView):
    @training_blp.arguments(PageArgs, location="query")
    @training_blp.response(200, CurriculumPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Curricula of the organisation's programmes."""
        authorize(Permission.READ_TRAINING)
        with get_database().unit_of_work() as db:
            return paginate(
                db, select(Curriculum), created=Curriculum.created_at, ident=Curriculum.id, **args
            )

    @training_blp.arguments(CurriculumInput)
    @training_blp.response(201, CurriculumSchema)
    def post(self, args: dict[str, Any]) -> Curriculum:
        """Add a module of a programme's training plan."""
        authorize(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            programme = _programme_in_body(db, args.pop("programme_id"))
            return training.create_curriculum(db, programme, **args)


@training_blp.route("/curricula/<uuid:curriculum_id>/retire")
class CurriculumRetire(MethodView):
    @training_blp.response(200, CurriculumSchema)
    def post(self, curriculum_id: uuid.UUID) -> Curriculum:
        """No longer require this curriculum of new volunteers (completions stay)."""
        authorize(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            return training.retire_curriculum(db, get_or_404(db, Curriculum, curriculum_id))


@training_blp.route("/curricula/<uuid:curriculum_id>/sessions")
class Sessions(MethodView):
    @training_blp.arguments(PageArgs, location="query")
    @training_blp.response(200, SessionPage)
    def get(self, args: dict[str, Any], curriculum_id: uuid.UUID) -> dict[str, Any]:
        """Sessions of a curriculum."""
        authorize(Permission.READ_TRAINING)
        stmt = select(TrainingSession).where(TrainingSession.curriculum_id == curriculum_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=TrainingSession.created_at, ident=TrainingSession.id, **args
            )

    @training_blp.arguments(SessionInput)
    @training_blp.response(201, SessionSchema)
    def post(self, args: dict[str, Any], curriculum_id: uuid.UUID) -> TrainingSession:
        """Schedule a session with a capacity."""
        authorize(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            curriculum = get_or_404(db, Curriculum, curriculum_id)
            return training.create_session(db, curriculum, **args)


@training_blp.route("/sessions/<uuid:training_session_id>/enrolments")
class Enrolments(MethodView):
    @training_blp.arguments(PageArgs, location="query")
    @training_blp.response(200, TrainingEnrolmentPage)
    def get(self, args: dict[str, Any], training_session_id: uuid.UUID) -> dict[str, Any]:
        """Who is enrolled in a session (staff)."""
        authorize(Permission.MANAGE_TRAINING)
        stmt = select(Enrolment).where(Enrolment.session_id == training_session_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Enrolment.created_at, ident=Enrolment.id, **args)

    @training_blp.arguments(EnrolInput)
    @training_blp.response(201, TrainingEnrolmentSchema)
    def post(self, args: dict[str, Any], training_session_id: uuid.UUID) -> Enrolment:
        """Enrol: a volunteer themself, or staff naming the volunteer. Refused when full."""
        principal = _self_or(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            session = get_or_404(db, TrainingSession, training_session_id)
            volunteer = _enrolling_volunteer(db, principal, session, args.get("volunteer_id"))
            return training.enrol(db, session, volunteer)


def _enrolling_volunteer(
    db: Session, principal: Principal, session: TrainingSession, volunteer_id: uuid.UUID | None
) -> Volunteer:
    if principal.role == Role.VOLUNTEER:
        # One's own record in the programme this session teaches.
        curriculum = db.get(Curriculum, session.curriculum_id)
        assert curriculum is not None
        own = db.scalar(
            select(Volunteer).where(
                Volunteer.user_id == principal.user_id,
                Volunteer.programme_id == curriculum.programme_id,
                Volunteer.status != VolunteerStatus.ENDED,
            )
        )
        if own is None or (volunteer_id is not None and volunteer_id != own.id):
            raise Forbidden(
                "You can enrol only yourself, in your own programme.", code="permission_denied"
            )
        return own
    if volunteer_id is None:
        raise ValidationFailed(
            "Name the volunteer.",
            code="validation_failed",
            errors={"json": {"volunteer_id": ["Required."]}},
        )
    volunteer = db.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise ValidationFailed(
            "No such volunteer.",
            code="unknown_volunteer",
            errors={"json": {"volunteer_id": ["No such volunteer."]}},
        )
    return volunteer


@training_blp.route("/enrolments/<uuid:training_enrolment_id>/cancel")
class EnrolmentCancel(MethodView):
    @training_blp.response(200, TrainingEnrolmentSchema)
    def post(self, training_enrolment_id: uuid.UUID) -> Enrolment:
        """Cancel an enrolment (one's own, or staff)."""
        _self_or(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            return training.cancel_enrolment(db, get_or_404(db, Enrolment, training_enrolment_id))


@training_blp.route("/enrolments/<uuid:training_enrolment_id>/attendance")
class EnrolmentAttendance(MethodView):
    @training_blp.arguments(AttendanceInput)
    @training_blp.response(200, TrainingEnrolmentSchema)
    def post(self, args: dict[str, Any], training_enrolment_id: uuid.UUID) -> Enrolment:
        """Record attendance or absence (staff)."""
        authorize(Permission.MANAGE_TRAINING)
        with get_database().unit_of_work() as db:
            enrolment = get_or_404(db, Enrolment, training_enrolment_id)
            return training.record_attendance(db, enrolment, attended=args["attended"])


# ---------------------------------------------------------------------------
# Participants


class ParticipantFields(ma.Schema):
    name = ma.fields.String(validate=ma.validate.Length(1, 200))
    birth_year = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(1900, 2100))
    postcode = _postcode()
    languages = _tags()
    interests = _tags()
    availability = _slots()
    contact_name = _text(200)
    contact_phone = _text(40)
    contact_email = ma.fields.Email(validate=ma.validate.Length(max=254))


class IntakeInput(ParticipantFields):
    programme_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(ParticipantKind, by_value=True, required=True)
    source = ma.fields.Enum(
        IntakeSource, by_value=True, required=True, metadata={"description": "Who started it"}
    )
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    referrer_organisation = _text(200, load_default="")
    consent_given_by = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 200),
        metadata={"description": "Who consented to keeping the data (the guardian, or self)"},
    )


class ParticipantSchema(ma.Schema):
    """Staff's view. Sensitive notes are never part of it (their own endpoint)."""

    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(ParticipantKind, by_value=True, required=True)
    name = ma.fields.String(required=True)
    birth_year = ma.fields.Integer(allow_none=True, required=True)
    postcode = ma.fields.String(required=True)
    languages = ma.fields.List(ma.fields.String(), required=True)
    interests = ma.fields.List(ma.fields.String(), required=True)
    availability = ma.fields.List(ma.fields.String(), required=True)
    contact_name = ma.fields.String(required=True)
    contact_phone = ma.fields.String(required=True)
    contact_email = ma.fields.String(required=True)
    intake_source = ma.fields.Enum(IntakeSource, by_value=True, required=True)
    referrer_organisation = ma.fields.String(required=True)
    status = ma.fields.Enum(ParticipantStatus, by_value=True, required=True)
    status_changed_at = ma.fields.AwareDateTime(required=True)
    end_reason = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ParticipantPage = page_schema(ParticipantSchema, "ParticipantPage")


class ParticipantListArgs(PageArgs):
    programme_id = ma.fields.UUID()
    status = ma.fields.Enum(ParticipantStatus, by_value=True)


class ParticipantNoteSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    participant_id = ma.fields.UUID(required=True)
    author_id = ma.fields.UUID(required=True)
    text = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ParticipantNotePage = page_schema(ParticipantNoteSchema, "ParticipantNotePage")


class SuggestionArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=10, validate=ma.validate.Range(1, 50))


class FactorSchema(ma.Schema):
    factor = ma.fields.String(required=True)
    value = ma.fields.Float(required=True, metadata={"description": "0..1"})
    weight = ma.fields.Float(required=True)
    contribution = ma.fields.Float(required=True)
    shared = ma.fields.List(ma.fields.String())
    participant_postcode = ma.fields.String()
    volunteer_postcode = ma.fields.String()
    difference = ma.fields.Integer(allow_none=True)
    capacity = ma.fields.Integer()
    remaining = ma.fields.Integer()


class SuggestionSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    score = ma.fields.Float(required=True)
    factors = ma.fields.List(ma.fields.Nested(FactorSchema), required=True)
    eligibility = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "Rules the volunteer passed"}
    )


class SuggestionList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema), required=True)


@path_object("participant_id")
def _participant_visible(db: Session, principal: Principal, participant_id: uuid.UUID) -> bool:
    # Volunteers never open a participant's record; they see what their match shows.
    return principal.role in _PARTNER_STAFF and db.get(Participant, participant_id) is not None


@participants_blp.route("")
class Participants(MethodView):
    @participants_blp.arguments(ParticipantListArgs, location="query")
    @participants_blp.response(200, ParticipantPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Participants, newest first."""
        authorize(Permission.MANAGE_PARTICIPANTS)
        stmt = select(Participant)
        if "programme_id" in args:
            stmt = stmt.where(Participant.programme_id == args.pop("programme_id"))
        if "status" in args:
            stmt = stmt.where(Participant.status == args.pop("status"))
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Participant.created_at, ident=Participant.id, **args)

    @participants_blp.arguments(IntakeInput)
    @participants_blp.response(201, ParticipantSchema)
    def post(self, args: dict[str, Any]) -> Participant:
        """Take in a participant; refused when the programme does not take this source."""
        principal = authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            programme = _programme_in_body(db, args.pop("programme_id"))
            return intake.start_intake(db, programme, recorded_by=principal.user_id, **args)


@participants_blp.route("/<uuid:participant_id>")
class ParticipantItem(MethodView):
    @participants_blp.response(200, ParticipantSchema)
    def get(self, participant_id: uuid.UUID) -> Participant:
        """One participant (staff)."""
        authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            return get_or_404(db, Participant, participant_id)

    @participants_blp.arguments(ParticipantFields)
    @participants_blp.response(200, ParticipantSchema)
    def patch(self, args: dict[str, Any], participant_id: uuid.UUID) -> Participant:
        """Correct a participant's details."""
        authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            intake.update_participant(db, participant, args)
            return participant


@participants_blp.route("/<uuid:participant_id>/end")
class ParticipantEnd(MethodView):
    @participants_blp.arguments(EndInput)
    @participants_blp.response(200, ParticipantSchema)
    def post(self, args: dict[str, Any], participant_id: uuid.UUID) -> Participant:
        """End the participant's case (after their match is closed)."""
        principal = authorize(Permission.MANAGE_PARTICIPANTS)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            return intake.end_participation(
                db, participant, reason=args["reason"], actor_id=principal.user_id
            )


@participants_blp.route("/<uuid:participant_id>/notes")
class ParticipantNotes(MethodView):
    @participants_blp.arguments(PageArgs, location="query")
    @participants_blp.response(200, ParticipantNotePage)
    def get(self, args: dict[str, Any], participant_id: uuid.UUID) -> dict[str, Any]:
        """Sensitive notes (coordinators and admins only)."""
        authorize(Permission.READ_SENSITIVE_NOTES)
        stmt = select(ParticipantNote).where(ParticipantNote.participant_id == participant_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=ParticipantNote.created_at, ident=ParticipantNote.id, **args
            )

    @participants_blp.arguments(NoteInput)
    @participants_blp.response(201, ParticipantNoteSchema)
    def post(self, args: dict[str, Any], participant_id: uuid.UUID) -> ParticipantNote:
        """Write a sensitive note."""
        principal = authorize(Permission.READ_SENSITIVE_NOTES)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            return intake.add_note(db, participant, author_id=principal.user_id, text=args["text"])


_consent_routes(
    participants_blp,
    ConsentSubject.PARTICIPANT,
    "participant_id",
    Participant,
    Permission.MANAGE_PARTICIPANTS,
)


@participants_blp.route("/<uuid:participant_id>/suggestions")
class Suggestions(MethodView):
    @participants_blp.arguments(SuggestionArgs, location="query")
    @participants_blp.response(200, SuggestionList)
    def get(self, args: dict[str, Any], participant_id: uuid.UUID) -> dict[str, Any]:
        """Ranked volunteer suggestions, each score explained factor by factor."""
        authorize(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            participant = get_or_404(db, Participant, participant_id)
            programme = get_or_404(db, Programme, participant.programme_id)
            found = matching.suggest(db, programme, participant, limit=args["limit"])
        return {"items": [s.__dict__ for s in found]}


# ---------------------------------------------------------------------------
# Matches


class AssignmentSchema(ma.Schema):
    participant_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    score = ma.fields.Float(required=True)


class AssignmentList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssignmentSchema), required=True)


@programmes_blp.route("/<uuid:programme_id>/assignment")
class BatchAssignment(MethodView):
    @programmes_blp.response(200, AssignmentList)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """A best overall assignment of all waiting participants (nothing is written)."""
        authorize(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            pairs = matching.propose_assignment(db, programme)
        return {"items": [p.__dict__ for p in pairs]}


class MatchCreate(ma.Schema):
    participant_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)


class ParticipantAcceptance(ma.Schema):
    given_by = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 200),
        metadata={"description": "Who accepted for the participant (the guardian, or self)"},
    )


class CloseInput(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class ContactSchema(ma.Schema):
    name = ma.fields.String(required=True)
    phone = ma.fields.String(required=True)
    email = ma.fields.String(required=True)


class MatchParticipantSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(ParticipantKind, by_value=True, required=True)
    name = ma.fields.String(required=True)
    postcode = ma.fields.String(required=True)
    contact = ma.fields.Nested(
        ContactSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Shown to the volunteer only once the participant accepted"},
    )


class MatchVolunteerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)


class MatchSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(MatchStatus, by_value=True, required=True)
    score = ma.fields.Float(allow_none=True, required=True)
    volunteer_accepted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    participant_accepted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    activated_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    paused_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    close_reason = ma.fields.String(required=True)
    close_note = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)
    volunteer = ma.fields.Nested(MatchVolunteerSchema, required=True)
    participant = ma.fields.Nested(MatchParticipantSchema, required=True)


MatchPage = page_schema(MatchSchema, "MatchPage")


class MatchListArgs(PageArgs):
    status = ma.fields.Enum(MatchStatus, by_value=True)
    volunteer_id = ma.fields.UUID()
    participant_id = ma.fields.UUID()


_MATCH_FIELDS = (
    "id",
    "programme_id",
    "status",
    "score",
    "volunteer_accepted_at",
    "participant_accepted_at",
    "activated_at",
    "paused_at",
    "closed_at",
    "close_reason",
    "close_note",
    "created_at",
)


def _match_view(match: Match, principal: Principal) -> dict[str, Any]:
    """A match as `principal` may see it: contact details only when allowed."""
    p = match.participant
    show_contact = principal.role in _PARTNER_STAFF or matching.contact_visible_to_volunteer(match)
    return {
        **{k: getattr(match, k) for k in _MATCH_FIELDS},
        "volunteer": {"id": match.volunteer.id, "name": match.volunteer.name},
        "participant": {
            "id": p.id,
            "kind": p.kind,
            "name": p.name,
            "postcode": p.postcode,
            "contact": {"name": p.contact_name, "phone": p.contact_phone, "email": p.contact_email}
            if show_contact
            else None,
        },
    }


def _with_people(stmt: Any) -> Any:
    return stmt.options(joinedload(Match.volunteer), joinedload(Match.participant))


def _load_match(db: Session, match_id: uuid.UUID) -> Match:
    match = db.scalar(_with_people(select(Match).where(Match.id == match_id)))
    if match is None:
        get_or_404(db, Match, match_id)  # raises the usual 404
    assert match is not None
    return match


@path_object("match_id")
def _match_visible(db: Session, principal: Principal, match_id: uuid.UUID) -> bool:
    if principal.role in _PARTNER_STAFF:
        return db.get(Match, match_id) is not None
    if principal.role != Role.VOLUNTEER:
        return False
    own = db.scalar(
        select(Match.id)
        .join(Volunteer, Volunteer.id == Match.volunteer_id)
        .where(Match.id == match_id, Volunteer.user_id == principal.user_id)
    )
    return own is not None


@matches_blp.route("")
class Matches(MethodView):
    @cached_read
    @matches_blp.arguments(MatchListArgs, location="query")
    @matches_blp.response(200, MatchPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Matches, newest first: all for staff, one's own for a volunteer. Closed ones too."""
        principal = _self_or(Permission.MANAGE_MATCHES)
        stmt = _with_people(select(Match))
        if principal.role == Role.VOLUNTEER:
            stmt = stmt.join(Volunteer, Volunteer.id == Match.volunteer_id).where(
                Volunteer.user_id == principal.user_id
            )
        for key in ("status", "volunteer_id", "participant_id"):
            if key in args:
                stmt = stmt.where(getattr(Match, key) == args.pop(key))
        with get_database().unit_of_work() as db:
            page = paginate(db, stmt, created=Match.created_at, ident=Match.id, **args)
            page["items"] = [_match_view(m, principal) for m in page["items"]]
            return page

    @matches_blp.arguments(MatchCreate)
    @matches_blp.response(201, MatchSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Propose a volunteer to a waiting participant."""
        principal = authorize(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            participant = db.get(Participant, args["participant_id"])
            volunteer = db.get(Volunteer, args["volunteer_id"])
            if participant is None or volunteer is None:
                raise ValidationFailed(
                    "No such participant or volunteer.",
                    code="unknown_participant_or_volunteer",
                )
            programme = get_or_404(db, Programme, participant.programme_id)
            match = matching.propose(
                db, programme, participant, volunteer, actor_id=principal.user_id
            )
            return _match_view(_load_match(db, match.id), principal)


@matches_blp.route("/<uuid:match_id>")
class MatchItem(MethodView):
    @matches_blp.response(200, MatchSchema)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """One match (staff, or the volunteer of it)."""
        principal = _self_or(Permission.MANAGE_MATCHES)
        with get_database().unit_of_work() as db:
            return _match_view(_load_match(db, match_id), principal)


def _match_action(name: str, doc: str, *, own: bool, schema: type[ma.Schema] | None = None) -> Any:
    """Register POST /matches/<id>/<name> calling `fn(db, match, principal, args)`."""

    def register(fn: Any) -> Any:
        def post(self: Any, *a: Any, match_id: uuid.UUID) -> dict[str, Any]:
            args = a[0] if a else {}
            principal = (
                authorize(Permission.OWN_VOLUNTEERING)
                if own
                else authorize(Permission.MANAGE_MATCHES)
            )
            with get_database().unit_of_work() as db:
                match = _load_match(db, match_id)
                fn(db, match, principal, args)
                db.flush()
                return _match_view(match, principal)

        post.__doc__ = doc
        if schema is not None:
            post = matches_blp.arguments(schema)(post)
        post = matches_blp.response(200, MatchSchema)(post)
        view = type(f"Match_{name}", (MethodView,), {"post": post})
        matches_blp.route(f"/<uuid:match_id>/{name}", endpoint=f"match_{name}")(view)
        return fn

    return register


@_match_action("volunteer-accept", "The volunteer accepts the offer.", own=True)
def _volunteer_accept(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.accept_as_volunteer(db, match, actor_id=who.user_id)


@_match_action("volunteer-decline", "The volunteer declines the offer (their right).", own=True)
def _volunteer_decline(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.decline(db, match, side="volunteer", actor_id=who.user_id)


@_match_action(
    "participant-accept",
    "Record that the participant's side accepted; this also consents to sharing contact details.",
    own=False,
    schema=ParticipantAcceptance,
)
def _participant_accept(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.accept_for_participant(db, match, given_by=args["given_by"], actor_id=who.user_id)


@_match_action("participant-decline", "Record that the participant's side declined.", own=False)
def _participant_decline(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.decline(db, match, side="participant", actor_id=who.user_id)


@_match_action("pause", "Pause an active match.", own=False)
def _match_pause(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.pause_match(db, match, actor_id=who.user_id)


@_match_action("resume", "Resume a paused match.", own=False)
def _match_resume(db: Session, match: Match, who: Principal, args: Any) -> None:
    matching.resume_match(db, match, actor_id=who.user_id)


@_match_action(
    "close", "Close with a reason from the programme's list.", own=False, schema=CloseInput
)
def _match_close(db: Session, match: Match, who: Principal, args: Any) -> None:
    programme = get_or_404(db, Programme, match.programme_id)
    matching.close_match(
        db, match, programme, reason=args["reason"], note=args["note"], actor_id=who.user_id
    )


# ---------------------------------------------------------------------------
# Public: programme page and volunteer application, without sign-in


class PublicProgrammeSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    module_key = ma.fields.String(required=True)
    background_check_required = ma.fields.Boolean(required=True)
    background_check_notice = ma.fields.String(allow_none=True, required=True)
    tasks_needing_check = ma.fields.List(ma.fields.String(), required=True)


class ApplicationReceipt(ma.Schema):
    id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(VolunteerStatus, by_value=True, required=True)


def background_check_notice() -> str:
    """What the application form says about the check (Act 148/2014 wants it said)."""
    return _(
        "Volunteers in this programme work with children. Before you start, we will ask you "
        "to show an extract from the criminal record (Act 148/2014). We record only that you "
        "showed it, its date and who saw it; we never keep a copy or its contents."
    )


@public_blp.route("/<slug>/programmes/<uuid:programme_id>")
class PublicProgramme(MethodView):
    @public_blp.response(200, PublicProgrammeSchema)
    def get(self, slug: str, programme_id: uuid.UUID) -> dict[str, Any]:
        """A programme's application page: what it asks of volunteers."""
        tenant = public_tenant(slug)
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            tasks = db.scalars(
                select(CheckTask.name)
                .where(CheckTask.retired_at.is_(None))
                .order_by(CheckTask.created_at)
                .limit(50)
            ).all()
            required = programme.background_check_required
            return {
                "id": programme.id,
                "name": programme.name,
                "module_key": programme.module_key,
                "background_check_required": required,
                "background_check_notice": background_check_notice() if required else None,
                "tasks_needing_check": list(tasks) if required else [],
            }


@public_blp.route("/<slug>/programmes/<uuid:programme_id>/volunteer-applications")
class PublicApplications(MethodView):
    @public_blp.arguments(PublicApplication)
    @public_blp.response(201, ApplicationReceipt)
    def post(self, args: dict[str, Any], slug: str, programme_id: uuid.UUID) -> Volunteer:
        """Apply as a volunteer, with consent and the background-check notice acknowledged."""
        tenant = public_tenant(slug)
        rate_limits.check_request("volunteer", tenant.id)  # before anything is written
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            programme = get_or_404(db, Programme, programme_id)
            if not programme.accepts_applications:
                raise Conflict("Applications are closed.", code="applications_closed")
            volunteer = volunteers.apply_as_volunteer(db, programme, **args)
            notices.application_received(
                db, volunteer, programme, language=notices.request_language()
            )
            return volunteer


# Follow-up, supervision, events and feedback: their own module, registered
# through this list (imported last: it reuses this module's helpers).
from tukiverkko.platform.primitives import api_followup  # noqa: E402

BLUEPRINTS += api_followup.BLUEPRINTS
