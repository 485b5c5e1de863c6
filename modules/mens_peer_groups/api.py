"""Endpoints of Toiminnan Miehet: the anonymous call log and the shifts of MIESluuri, peer
groups, individual support contacts, community meetings, the rights and duties.

The call log's input schema refuses unknown fields (422): a caller's name,
number or a free-text note can never be sent, let alone stored. There is no
route to a single call: reading is by summary only. Support contacts are
counted the same way.

Visibility of the module's own path ids: staff see all of their
organisation's; a volunteer sees the groups he leads and the shifts of his
own programme. Model owners and the operator see none.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from tukiverkko.modules.mens_peer_groups import service
from tukiverkko.modules.mens_peer_groups.models import (
    CommunityMeeting,
    GroupMeeting,
    GroupMember,
    MeetingScope,
    PeerGroup,
    PhoneShift,
    ShiftSignup,
    SignupStatus,
    SupportChannel,
    Topic,
)
from tukiverkko.platform import context
from tukiverkko.platform.auth import authorize, path_object, require_principal
from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import Forbidden, ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives.api_followup import ProgrammeEventSchema
from tukiverkko.platform.primitives.models import Programme, Volunteer, VolunteerStatus
from tukiverkko.tenants.licensing import require_active_licence, today

blp = Blueprint(
    "mens_peer_groups",
    __name__,
    url_prefix="/mens-peer-groups",
    description=(
        "Toiminnan Miehet: the MIESluuri call log and shifts, peer groups, support contacts,"
        " community meetings, rights and duties"
    ),
)


class CallInput(ma.Schema):
    """Only these four fields; anything else is refused (unknown = RAISE)."""

    class Meta:
        unknown = ma.RAISE

    duration_minutes = ma.fields.Integer(
        required=True, validate=ma.validate.Range(0, service.MAX_CALL_MINUTES)
    )
    topic = ma.fields.Enum(Topic, by_value=True, required=True)
    referred_onward = ma.fields.Boolean(required=True)
    shift_date = ma.fields.Date(required=True)


class CallReceipt(ma.Schema):
    id = ma.fields.UUID(required=True)


class SummaryArgs(ma.Schema):
    since = ma.fields.Date()
    until = ma.fields.Date()


class TopicSummary(ma.Schema):
    topic = ma.fields.Enum(Topic, by_value=True, required=True)
    calls = ma.fields.Integer(required=True)
    minutes = ma.fields.Integer(required=True)
    referred_onward = ma.fields.Integer(required=True)


class Summary(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TopicSummary), required=True)


@blp.route("/calls")
class Calls(MethodView):
    @blp.arguments(CallInput)
    @blp.response(201, CallReceipt)
    def post(self, args: dict[str, Any]) -> Any:
        """Log a call of the phone line (the volunteer on the shift, or staff)."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            require_active_licence(db, context.current().tenant_id, service.KEY, "calls")  # type: ignore[arg-type]
            return service.log_call(db, **args)


@blp.route("/calls/summary")
class CallSummary(MethodView):
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, Summary)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Calls per topic in a period (default: the last 90 days). Staff only."""
        authorize(Permission.MANAGE_PROGRAMMES)
        until = args.get("until") or today()
        since = args.get("since") or until - timedelta(days=90)
        if since > until:
            raise ValidationFailed(
                "The period ends before it starts.",
                code="invalid_period",
                errors={"query": {"since": ["Not after until."]}},
            )
        with get_database().unit_of_work() as db:
            require_active_licence(db, context.current().tenant_id, service.KEY, "read")  # type: ignore[arg-type]
            return {"items": service.summary(db, since=since, until=until)}


# ---------------------------------------------------------------------------
# Helpers

_STAFF = (Role.TENANT_ADMIN, Role.COORDINATOR)


def _licence(db: Session, operation: str) -> None:
    require_active_licence(db, context.current().tenant_id, service.KEY, operation)  # type: ignore[arg-type]


def _programme(db: Session, programme_id: uuid.UUID, operation: str) -> Programme:
    programme = get_or_404(db, Programme, programme_id)
    service.require_module_programme(programme)
    _licence(db, operation)
    return programme


def _staff_or_volunteer() -> Principal:
    """Staff, or a volunteer acting for himself."""
    principal = require_principal()
    if allows(principal.role, Permission.OWN_VOLUNTEERING):
        return principal
    return authorize(Permission.MANAGE_VOLUNTEERS)


def _own_volunteer(db: Session, principal: Principal, programme_id: uuid.UUID) -> Volunteer:
    """The signed-in volunteer's own record in the programme."""
    own = db.scalar(
        select(Volunteer).where(
            Volunteer.user_id == principal.user_id,
            Volunteer.programme_id == programme_id,
            Volunteer.status != VolunteerStatus.ENDED,
        )
    )
    if own is None:
        raise Forbidden("You are not a volunteer of this programme.")
    return own


def _volunteer_for(
    db: Session, principal: Principal, programme_id: uuid.UUID, args: dict[str, Any]
) -> Volunteer:
    """A volunteer himself; staff name the volunteer in the body."""
    if principal.role not in _STAFF:
        own = _own_volunteer(db, principal, programme_id)
        if args.get("volunteer_id", own.id) != own.id:
            raise ValidationFailed(
                "A volunteer acts only for himself.",
                code="validation_failed",
                errors={"json": {"volunteer_id": ["Not you."]}},
            )
        return own
    if "volunteer_id" not in args:
        raise ValidationFailed(
            "Name the volunteer.",
            code="validation_failed",
            errors={"json": {"volunteer_id": ["Required for staff."]}},
        )
    volunteer = db.get(Volunteer, args["volunteer_id"])
    if volunteer is None:
        raise ValidationFailed(
            "No such volunteer.",
            code="unknown_volunteer",
            errors={"json": {"volunteer_id": ["No such volunteer."]}},
        )
    return volunteer


@path_object("peer_group_id")
def _group_visible(db: Session, principal: Principal, peer_group_id: uuid.UUID) -> bool:
    group = db.get(PeerGroup, peer_group_id)
    if group is None:
        return False
    if principal.role in _STAFF:
        return True
    leader = db.scalar(select(Volunteer.user_id).where(Volunteer.id == group.leader_volunteer_id))
    return principal.role == Role.VOLUNTEER and leader == principal.user_id


@path_object("phone_shift_id")
def _shift_visible(db: Session, principal: Principal, phone_shift_id: uuid.UUID) -> bool:
    shift = db.get(PhoneShift, phone_shift_id)
    if shift is None:
        return False
    if principal.role in _STAFF:
        return True
    if principal.role != Role.VOLUNTEER:
        return False
    mine = db.scalar(
        select(Volunteer.id).where(
            Volunteer.user_id == principal.user_id,
            Volunteer.programme_id == shift.programme_id,
            Volunteer.status != VolunteerStatus.ENDED,
        )
    )
    return mine is not None


def _staff_or_leader(db: Session, group: PeerGroup) -> Principal:
    """Staff, or the group's own leader (the path check let only him through)."""
    principal = require_principal()
    if principal.role == Role.VOLUNTEER and allows(principal.role, Permission.OWN_VOLUNTEERING):
        return principal
    return authorize(Permission.MANAGE_PROGRAMMES)


# ---------------------------------------------------------------------------
# Rights and duties


class RightsAndDutiesSchema(ma.Schema):
    version = ma.fields.String(required=True)
    rights = ma.fields.List(ma.fields.String(), required=True)
    duties = ma.fields.List(ma.fields.String(), required=True)
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True, required=True)


class RightsAcknowledgeInput(ma.Schema):
    version = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 20),
        metadata={"description": "The version of the text that was shown"},
    )


class RightsAcknowledgementSchema(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    version = ma.fields.String(required=True)
    acknowledged_at = ma.fields.AwareDateTime(required=True)


@blp.route("/programmes/<uuid:programme_id>/rights-and-duties")
class RightsAndDuties(MethodView):
    @blp.response(200, RightsAndDutiesSchema)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """The volunteer's rights and duties; for a volunteer, when he acknowledged them."""
        principal = authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "read")
            volunteer = None
            if principal.role == Role.VOLUNTEER:
                volunteer = _own_volunteer(db, principal, programme_id)
            return service.rights_and_duties(db, volunteer)


@blp.route("/programmes/<uuid:programme_id>/rights-and-duties/acknowledgement")
class Acknowledgement(MethodView):
    @blp.arguments(RightsAcknowledgeInput)
    @blp.response(201, RightsAcknowledgementSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> Any:
        """The volunteer acknowledges the rights and duties he was shown (time recorded)."""
        principal = authorize(Permission.OWN_VOLUNTEERING)
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "volunteers")
            volunteer = _own_volunteer(db, principal, programme_id)
            return service.acknowledge(db, volunteer, version=args["version"])


# ---------------------------------------------------------------------------
# Peer groups


class PeerGroupInput(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    theme = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    leader_volunteer_id = ma.fields.UUID(required=True)


class PeerGroupSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    theme = ma.fields.String(required=True)
    leader_volunteer_id = ma.fields.UUID(required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class PeerGroupMemberInput(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    display_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(1, 40),
        metadata={"description": "A first name or a pseudonym, nothing more"},
    )


class PeerGroupMemberSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    group_id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(required=True)
    left_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class PeerGroupMeetingInput(ma.Schema):
    held_on = ma.fields.Date(required=True)
    present = ma.fields.List(ma.fields.UUID(), required=True, validate=ma.validate.Length(max=100))


class PeerGroupMeetingSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    group_id = ma.fields.UUID(required=True)
    held_on = ma.fields.Date(required=True)
    present = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


GroupPage = page_schema(PeerGroupSchema, "PeerGroupPage")
MemberPage = page_schema(PeerGroupMemberSchema, "PeerGroupMemberPage")
MeetingPage = page_schema(PeerGroupMeetingSchema, "PeerGroupMeetingPage")


@blp.route("/programmes/<uuid:programme_id>/groups")
class Groups(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, GroupPage)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """The programme's peer groups and their themes, newest first."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "read")
            stmt = select(PeerGroup).where(PeerGroup.programme_id == programme_id)
            return paginate(db, stmt, created=PeerGroup.created_at, ident=PeerGroup.id, **args)

    @blp.arguments(PeerGroupInput)
    @blp.response(201, PeerGroupSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> PeerGroup:
        """Start a peer group on a theme, led by a trained peer man."""
        authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "groups")
            leader = db.get(Volunteer, args.pop("leader_volunteer_id"))
            if leader is None:
                raise ValidationFailed(
                    "No such volunteer.",
                    code="unknown_volunteer",
                    errors={"json": {"leader_volunteer_id": ["No such volunteer."]}},
                )
            return service.create_group(db, programme, leader=leader, **args)


@blp.route("/groups/<uuid:peer_group_id>/members")
class Members(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args: dict[str, Any], peer_group_id: uuid.UUID) -> dict[str, Any]:
        """The group's members by first name or pseudonym (staff and the group's leader)."""
        with get_database().unit_of_work() as db:
            group = get_or_404(db, PeerGroup, peer_group_id)
            _staff_or_leader(db, group)
            _licence(db, "read")
            stmt = select(GroupMember).where(GroupMember.group_id == group.id)
            return paginate(db, stmt, created=GroupMember.created_at, ident=GroupMember.id, **args)

    @blp.arguments(PeerGroupMemberInput)
    @blp.response(201, PeerGroupMemberSchema)
    def post(self, args: dict[str, Any], peer_group_id: uuid.UUID) -> GroupMember:
        """A man joins the group: a first name or a pseudonym, nothing more."""
        with get_database().unit_of_work() as db:
            group = get_or_404(db, PeerGroup, peer_group_id)
            _staff_or_leader(db, group)
            _licence(db, "groups")
            return service.add_member(db, group, **args)


@blp.route("/groups/<uuid:peer_group_id>/meetings")
class Meetings(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, MeetingPage)
    def get(self, args: dict[str, Any], peer_group_id: uuid.UUID) -> dict[str, Any]:
        """The group's meetings with how many were present, newest first."""
        with get_database().unit_of_work() as db:
            group = get_or_404(db, PeerGroup, peer_group_id)
            _staff_or_leader(db, group)
            _licence(db, "read")
            stmt = select(GroupMeeting).where(GroupMeeting.group_id == group.id)
            return paginate(
                db, stmt, created=GroupMeeting.created_at, ident=GroupMeeting.id, **args
            )

    @blp.arguments(PeerGroupMeetingInput)
    @blp.response(201, PeerGroupMeetingSchema)
    def post(self, args: dict[str, Any], peer_group_id: uuid.UUID) -> GroupMeeting:
        """Record a meeting and who was present (the leader, or staff)."""
        with get_database().unit_of_work() as db:
            group = get_or_404(db, PeerGroup, peer_group_id)
            principal = _staff_or_leader(db, group)
            _licence(db, "groups")
            return service.record_meeting(db, group, actor_id=principal.user_id, **args)


# ---------------------------------------------------------------------------
# Phone-line shifts


class WeeklyShiftsInput(ma.Schema):
    weekdays = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(0, 6)),
        required=True,
        metadata={"description": "The two evenings of the week (0 = Monday)"},
    )
    starts = ma.fields.Time(required=True, metadata={"description": "Finnish time, e.g. 18:00"})
    ends = ma.fields.Time(required=True)
    first_day = ma.fields.Date(required=True)
    weeks = ma.fields.Integer(required=True, validate=ma.validate.Range(1, service.MAX_WEEKS))
    places = ma.fields.Integer(load_default=2, validate=ma.validate.Range(1, 20))


class PhoneShiftSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    places = ma.fields.Integer(required=True)
    taken = ma.fields.Integer(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class PhoneShiftList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PhoneShiftSchema), required=True)


class PhoneShiftArgs(PageArgs):
    upcoming = ma.fields.Boolean(load_default=True)


class PhoneShiftSignupInput(ma.Schema):
    volunteer_id = ma.fields.UUID(
        metadata={"description": "Staff name the volunteer; a volunteer: himself"}
    )


class PhoneShiftSignupSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    shift_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    status = ma.fields.Enum(SignupStatus, by_value=True, required=True)
    absence_reported_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


class PhoneShiftAbsenceSchema(ma.Schema):
    signup = ma.fields.Nested(PhoneShiftSignupSchema, required=True)
    replacement_asked_from = ma.fields.Integer(
        required=True, metadata={"description": "How many phone volunteers were asked"}
    )


ShiftPage = page_schema(PhoneShiftSchema, "PhoneShiftPage")
ShiftSignupPage = page_schema(PhoneShiftSignupSchema, "PhoneShiftSignupPage")


@blp.route("/programmes/<uuid:programme_id>/shifts")
class Shifts(MethodView):
    @blp.arguments(PhoneShiftArgs, location="query")
    @blp.response(200, ShiftPage)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """The phone line's shifts with places taken, latest first (upcoming by default)."""
        principal = authorize(Permission.READ_PROGRAMMES)
        upcoming = args.pop("upcoming")
        with get_database().unit_of_work() as db:
            _programme(db, programme_id, "read")
            if principal.role == Role.VOLUNTEER:
                _own_volunteer(db, principal, programme_id)
            stmt = select(PhoneShift).where(PhoneShift.programme_id == programme_id)
            if upcoming:
                stmt = stmt.where(PhoneShift.ends_at > utcnow())
            return paginate(db, stmt, created=PhoneShift.starts_at, ident=PhoneShift.id, **args)


@blp.route("/programmes/<uuid:programme_id>/shifts/weekly")
class WeeklyShifts(MethodView):
    @blp.arguments(WeeklyShiftsInput)
    @blp.response(201, PhoneShiftList)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """Lay out the weekly pattern: a shift on each of two evenings a week, for N weeks."""
        principal = authorize(Permission.MANAGE_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "shifts")
            created = service.create_weekly_shifts(
                db, programme, created_by=principal.user_id, **args
            )
            return {"items": created}


@blp.route("/shifts/<uuid:phone_shift_id>/signups")
class ShiftSignups(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ShiftSignupPage)
    def get(self, args: dict[str, Any], phone_shift_id: uuid.UUID) -> dict[str, Any]:
        """Who is on the shift: all for staff, one's own sign-up for a volunteer."""
        principal = _staff_or_volunteer()
        stmt = select(ShiftSignup).where(ShiftSignup.shift_id == phone_shift_id)
        if principal.role not in _STAFF:
            stmt = stmt.where(
                ShiftSignup.volunteer_id.in_(
                    select(Volunteer.id).where(Volunteer.user_id == principal.user_id)
                )
            )
        with get_database().unit_of_work() as db:
            _licence(db, "read")
            return paginate(db, stmt, created=ShiftSignup.created_at, ident=ShiftSignup.id, **args)

    @blp.arguments(PhoneShiftSignupInput)
    @blp.response(201, PhoneShiftSignupSchema)
    def post(self, args: dict[str, Any], phone_shift_id: uuid.UUID) -> ShiftSignup:
        """Sign up for a shift (rights and duties acknowledged first)."""
        principal = _staff_or_volunteer()
        with get_database().unit_of_work() as db:
            shift = get_or_404(db, PhoneShift, phone_shift_id)
            _licence(db, "shifts")
            volunteer = _volunteer_for(db, principal, shift.programme_id, args)
            return service.sign_up_for_shift(db, shift, volunteer)


@blp.route("/shifts/<uuid:phone_shift_id>/absence")
class ShiftAbsence(MethodView):
    @blp.arguments(PhoneShiftSignupInput)
    @blp.response(200, PhoneShiftAbsenceSchema)
    def post(self, args: dict[str, Any], phone_shift_id: uuid.UUID) -> dict[str, Any]:
        """Report an absence: the place frees and the other phone volunteers are asked."""
        principal = _staff_or_volunteer()
        with get_database().unit_of_work() as db:
            shift = get_or_404(db, PhoneShift, phone_shift_id)
            _licence(db, "shifts")
            volunteer = _volunteer_for(db, principal, shift.programme_id, args)
            signup, asked = service.report_absence(db, shift, volunteer)
            return {"signup": signup, "replacement_asked_from": asked}


# ---------------------------------------------------------------------------
# Individual support contacts


class SupportContactInput(ma.Schema):
    """Only these three fields; anything else is refused (unknown = RAISE)."""

    class Meta:
        unknown = ma.RAISE

    contact_on = ma.fields.Date(required=True)
    channel = ma.fields.Enum(SupportChannel, by_value=True, required=True)
    referred_onward = ma.fields.Boolean(required=True)


class SupportChannelSummary(ma.Schema):
    channel = ma.fields.Enum(SupportChannel, by_value=True, required=True)
    contacts = ma.fields.Integer(required=True)
    referred_onward = ma.fields.Integer(required=True)


class SupportContactSummarySchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SupportChannelSummary), required=True)


def _period(args: dict[str, Any]) -> tuple[Any, Any]:
    until = args.get("until") or today()
    since = args.get("since") or until - timedelta(days=90)
    if since > until:
        raise ValidationFailed(
            "The period ends before it starts.",
            code="invalid_period",
            errors={"query": {"since": ["Not after until."]}},
        )
    return since, until


@blp.route("/programmes/<uuid:programme_id>/support-contacts")
class SupportContacts(MethodView):
    @blp.arguments(SupportContactInput)
    @blp.response(201, CallReceipt)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> Any:
        """Count one individual support contact (no man, no text: a day and a channel)."""
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "support")
            return service.log_support_contact(db, programme, **args)


@blp.route("/programmes/<uuid:programme_id>/support-contacts/summary")
class SupportContactSummary(MethodView):
    @blp.arguments(SummaryArgs, location="query")
    @blp.response(200, SupportContactSummarySchema)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """Contacts per channel in a period (default: the last 90 days). Staff only."""
        authorize(Permission.MANAGE_PROGRAMMES)
        since, until = _period(args)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "read")
            return {"items": service.support_summary(db, programme, since=since, until=until)}


# ---------------------------------------------------------------------------
# Community meetings


class CommunityMeetingInput(ma.Schema):
    scope = ma.fields.Enum(MeetingScope, by_value=True, required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 1000))


class CommunityMeetingSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    scope = ma.fields.Enum(MeetingScope, by_value=True, required=True)
    event = ma.fields.Nested(ProgrammeEventSchema, required=True)


class ScopeCounts(ma.Schema):
    regional = ma.fields.Integer(required=True)
    national = ma.fields.Integer(required=True)


class CommunityYear(ma.Schema):
    year = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(CommunityMeetingSchema), required=True)
    expected = ma.fields.Nested(ScopeCounts, required=True)
    planned = ma.fields.Nested(ScopeCounts, required=True)


class CommunityYearArgs(ma.Schema):
    year = ma.fields.Integer(validate=ma.validate.Range(2000, 2100))


@blp.route("/programmes/<uuid:programme_id>/community-meetings")
class CommunityMeetings(MethodView):
    @blp.arguments(CommunityYearArgs, location="query")
    @blp.response(200, CommunityYear)
    def get(self, args: dict[str, Any], programme_id: uuid.UUID) -> dict[str, Any]:
        """A year's regional and national meetings, against the two and one the model expects.

        Not paged: a year holds a handful. Sign-ups go through /events.
        """
        authorize(Permission.READ_PROGRAMMES)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "read")
            return service.community_meetings(db, programme, year=args.get("year", today().year))

    @blp.arguments(CommunityMeetingInput)
    @blp.response(201, CommunityMeetingSchema)
    def post(self, args: dict[str, Any], programme_id: uuid.UUID) -> CommunityMeeting:
        """Organise a regional or a national community meeting."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            programme = _programme(db, programme_id, "events")
            return service.create_community_meeting(
                db, programme, created_by=principal.user_id, **args
            )
