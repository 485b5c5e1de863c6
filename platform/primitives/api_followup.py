"""API of follow-up, supervision, events and feedback. Views only translate HTTP.

Visibility of path ids (checked before any body is parsed): staff of the
partner see every object of their organisation; a volunteer sees only their
own meeting logs, hours, sign-ups and memberships, the groups they belong
to, the events of their own programmes and the feedback forms meant for
volunteers. Model-owner staff and the operator see none of it.
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
from tukiverkko.platform.auth import (
    authorize,
    path_object,
    public_path_object,
    public_tenant,
    require_principal,
)
from tukiverkko.platform.db import get_database, get_or_404
from tukiverkko.platform.errors import ValidationFailed
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pagination import PageArgs, page_schema, paginate
from tukiverkko.platform.permissions import Permission, allows
from tukiverkko.platform.primitives import events, feedback, followup, supervision
from tukiverkko.platform.primitives.api import _load_match, public_blp
from tukiverkko.platform.primitives.models import (
    Match,
    Participant,
    Programme,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    CheckIn,
    CheckInChannel,
    Event,
    EventKind,
    EventSignup,
    FeedbackAnswer,
    FeedbackForm,
    FormAudience,
    FormStatus,
    MeetingKind,
    MeetingLog,
    MeetingReply,
    SignupStatus,
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionMember,
    SupervisionSession,
    VolunteerHours,
)
from tukiverkko.platform.read_cache import cached_read

followup_blp = Blueprint(
    "followup",
    __name__,
    url_prefix="/follow-up",
    description="Follow-up: meeting logs, volunteer hours, replies, check-ins, cadence",
)
supervision_blp = Blueprint(
    "supervision",
    __name__,
    url_prefix="/supervision",
    description="Supervision groups (työnohjaus), sessions and attendance",
)
events_blp = Blueprint(
    "events",
    __name__,
    url_prefix="/events",
    description="Outings and group meetings: sign-up, capacity, waiting list, attendance",
)
feedback_blp = Blueprint(
    "feedback", __name__, url_prefix="/feedback", description="Feedback forms and answers"
)
BLUEPRINTS = [followup_blp, supervision_blp, events_blp, feedback_blp]

_PARTNER_STAFF = (Role.TENANT_ADMIN, Role.COORDINATOR)


# ---------------------------------------------------------------------------
# Helpers


def _staff(principal: Principal) -> bool:
    return principal.role in _PARTNER_STAFF


def _own_volunteers(principal: Principal) -> Any:
    """The signed-in person's volunteer records (a subquery of ids)."""
    return select(Volunteer.id).where(Volunteer.user_id == principal.user_id)


def _owns(db: Session, principal: Principal, volunteer_id: uuid.UUID | None) -> bool:
    if principal.role != Role.VOLUNTEER or volunteer_id is None:
        return False
    owner = db.scalar(select(Volunteer.user_id).where(Volunteer.id == volunteer_id))
    return owner == principal.user_id


def _staff_or_own(staff: Permission, own: Permission) -> Principal:
    """A volunteer acting on their own object (the path check ensured it), or staff."""
    principal = require_principal()
    if allows(principal.role, own):
        return principal
    return authorize(staff)


def _in_body(db: Session, model: type[Any], ident: uuid.UUID, field: str) -> Any:
    """An object named in a body: another tenant's is unknown, like a wrong id (422)."""
    obj = db.get(model, ident)
    if obj is None:
        raise ValidationFailed(
            "No such object.",
            code=f"unknown_{field.removesuffix('_id')}",
            errors={"json": {field: ["No such object."]}},
        )
    return obj


class PersonRef(ma.Schema):
    id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)


# ---------------------------------------------------------------------------
# Follow-up


class MeetingInput(ma.Schema):
    met_on = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 1440))
    kind = ma.fields.Enum(MeetingKind, by_value=True, required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class MeetingSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    met_on = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(MeetingKind, by_value=True, required=True)
    note = ma.fields.String(required=True)
    logged_by = ma.fields.UUID(required=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


MeetingPage = page_schema(MeetingSchema, "MeetingPage")


class TextInput(ma.Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(1, 5000))


class ReplySchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    meeting_id = ma.fields.UUID(required=True)
    author_id = ma.fields.UUID(required=True)
    text = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


ReplyPage = page_schema(ReplySchema, "MeetingReplyPage")


class CheckInInput(ma.Schema):
    channel = ma.fields.Enum(CheckInChannel, by_value=True, required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class CheckInSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    match_id = ma.fields.UUID(required=True)
    channel = ma.fields.Enum(CheckInChannel, by_value=True, required=True)
    note = ma.fields.String(required=True)
    recorded_by = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


CheckInPage = page_schema(CheckInSchema, "CheckInPage")


class HoursInput(ma.Schema):
    worked_on = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 1440))
    activity = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))


class HoursSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    worked_on = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True)
    activity = ma.fields.String(required=True)
    logged_by = ma.fields.UUID(required=True)
    withdrawn_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


HoursPage = page_schema(HoursSchema, "VolunteerHoursPage")


class CadenceArgs(PageArgs):
    programme_id = ma.fields.UUID()


class BelowCadenceSchema(ma.Schema):
    match_id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    volunteer = ma.fields.Nested(PersonRef, required=True)
    participant = ma.fields.Nested(PersonRef, required=True)
    activated_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    last_met_on = ma.fields.Date(allow_none=True, required=True)
    meetings_in_window = ma.fields.Integer(
        required=True,
        metadata={"description": f"Meetings in the last {followup.CADENCE_WINDOW_DAYS} days"},
    )
    expected_min = ma.fields.Integer(required=True)
    silent_since = ma.fields.Date(required=True)
    days_silent = ma.fields.Integer(required=True)


BelowCadencePage = page_schema(BelowCadenceSchema, "BelowCadencePage")


@path_object("meeting_id")
def _meeting_visible(db: Session, principal: Principal, meeting_id: uuid.UUID) -> bool:
    log = db.get(MeetingLog, meeting_id)
    if log is None:
        return False
    return _staff(principal) or _owns(db, principal, log.volunteer_id)


@path_object("volunteer_hours_id")
def _hours_visible(db: Session, principal: Principal, volunteer_hours_id: uuid.UUID) -> bool:
    hours = db.get(VolunteerHours, volunteer_hours_id)
    if hours is None:
        return False
    return _staff(principal) or _owns(db, principal, hours.volunteer_id)


@followup_blp.route("/below-cadence")
class BelowCadenceList(MethodView):
    @followup_blp.arguments(CadenceArgs, location="query")
    @followup_blp.response(200, BelowCadencePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Active matches meeting less often than their programme expects, oldest silence first."""
        authorize(Permission.MANAGE_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            page = followup.below_cadence(db, **args)
        return {
            "items": [
                {
                    "match_id": row.match.id,
                    "programme_id": row.match.programme_id,
                    "volunteer": {"id": row.match.volunteer.id, "name": row.match.volunteer.name},
                    "participant": {
                        "id": row.match.participant.id,
                        "name": row.match.participant.name,
                    },
                    "activated_at": row.match.activated_at,
                    "last_met_on": row.last_met_on,
                    "meetings_in_window": row.meetings_in_window,
                    "expected_min": row.expected_min,
                    "silent_since": row.silent_since,
                    "days_silent": row.days_silent,
                }
                for row in page["items"]
            ],
            "next_cursor": page["next_cursor"],
        }


@followup_blp.route("/matches/<uuid:match_id>/meetings")
class Meetings(MethodView):
    @cached_read
    @followup_blp.arguments(PageArgs, location="query")
    @followup_blp.response(200, MeetingPage)
    def get(self, args: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Meeting logs of a match, newest first (staff, or the match's volunteer)."""
        _staff_or_own(Permission.MANAGE_FOLLOW_UP, Permission.LOG_FOLLOW_UP)
        stmt = select(MeetingLog).where(MeetingLog.match_id == match_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=MeetingLog.created_at, ident=MeetingLog.id, **args)

    @followup_blp.arguments(MeetingInput)
    @followup_blp.response(201, MeetingSchema)
    def post(self, args: dict[str, Any], match_id: uuid.UUID) -> MeetingLog:
        """The volunteer logs a meeting of their own active match."""
        principal = authorize(Permission.LOG_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            match = get_or_404(db, Match, match_id)
            return followup.log_meeting(db, match, logged_by=principal.user_id, **args)


@followup_blp.route("/meetings/<uuid:meeting_id>/withdraw")
class MeetingWithdraw(MethodView):
    @followup_blp.response(200, MeetingSchema)
    def post(self, meeting_id: uuid.UUID) -> MeetingLog:
        """Take back a mistaken log (the volunteer's own); it stays, no longer counted."""
        principal = authorize(Permission.LOG_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            log = get_or_404(db, MeetingLog, meeting_id)
            return followup.withdraw_meeting(db, log, actor_id=principal.user_id)


@followup_blp.route("/meetings/<uuid:meeting_id>/replies")
class MeetingReplies(MethodView):
    @followup_blp.arguments(PageArgs, location="query")
    @followup_blp.response(200, ReplyPage)
    def get(self, args: dict[str, Any], meeting_id: uuid.UUID) -> dict[str, Any]:
        """Coordinators' answers to a meeting log (staff, or the volunteer who logged it)."""
        _staff_or_own(Permission.MANAGE_FOLLOW_UP, Permission.LOG_FOLLOW_UP)
        stmt = select(MeetingReply).where(MeetingReply.meeting_id == meeting_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=MeetingReply.created_at, ident=MeetingReply.id, **args
            )

    @followup_blp.arguments(TextInput)
    @followup_blp.response(201, ReplySchema)
    def post(self, args: dict[str, Any], meeting_id: uuid.UUID) -> MeetingReply:
        """A coordinator answers a meeting log."""
        principal = authorize(Permission.MANAGE_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            log = get_or_404(db, MeetingLog, meeting_id)
            return followup.reply_to_meeting(db, log, author_id=principal.user_id, **args)


@followup_blp.route("/matches/<uuid:match_id>/check-ins")
class CheckIns(MethodView):
    @followup_blp.arguments(PageArgs, location="query")
    @followup_blp.response(200, CheckInPage)
    def get(self, args: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Coordinators' check-ins with a match, newest first (staff)."""
        authorize(Permission.MANAGE_FOLLOW_UP)
        stmt = select(CheckIn).where(CheckIn.match_id == match_id)
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=CheckIn.created_at, ident=CheckIn.id, **args)

    @followup_blp.arguments(CheckInInput)
    @followup_blp.response(201, CheckInSchema)
    def post(self, args: dict[str, Any], match_id: uuid.UUID) -> CheckIn:
        """Record that a coordinator kept in touch with the match."""
        principal = authorize(Permission.MANAGE_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            match = _load_match(db, match_id)
            return followup.record_check_in(db, match, recorded_by=principal.user_id, **args)


@followup_blp.route("/volunteers/<uuid:volunteer_id>/hours")
class Hours(MethodView):
    @followup_blp.arguments(PageArgs, location="query")
    @followup_blp.response(200, HoursPage)
    def get(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> dict[str, Any]:
        """A volunteer's logged hours, newest first (staff, or the volunteer)."""
        _staff_or_own(Permission.MANAGE_FOLLOW_UP, Permission.LOG_FOLLOW_UP)
        stmt = select(VolunteerHours).where(VolunteerHours.volunteer_id == volunteer_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=VolunteerHours.created_at, ident=VolunteerHours.id, **args
            )

    @followup_blp.arguments(HoursInput)
    @followup_blp.response(201, HoursSchema)
    def post(self, args: dict[str, Any], volunteer_id: uuid.UUID) -> VolunteerHours:
        """The volunteer logs their own hours."""
        principal = authorize(Permission.LOG_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            volunteer = get_or_404(db, Volunteer, volunteer_id)
            return followup.log_hours(db, volunteer, logged_by=principal.user_id, **args)


@followup_blp.route("/hours/<uuid:volunteer_hours_id>/withdraw")
class HoursWithdraw(MethodView):
    @followup_blp.response(200, HoursSchema)
    def post(self, volunteer_hours_id: uuid.UUID) -> VolunteerHours:
        """Take back mistaken hours (the volunteer's own); they stay, no longer counted."""
        authorize(Permission.LOG_FOLLOW_UP)
        with get_database().unit_of_work() as db:
            hours = get_or_404(db, VolunteerHours, volunteer_hours_id)
            return followup.withdraw_hours(db, hours)


# ---------------------------------------------------------------------------
# Supervision


class GroupInput(ma.Schema):
    programme_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    supervisor_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class GroupSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    name = ma.fields.String(required=True)
    supervisor_name = ma.fields.String(required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


GroupPage = page_schema(GroupSchema, "SupervisionGroupPage")


class MemberInput(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)


class MemberSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    group_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    left_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


MemberPage = page_schema(MemberSchema, "SupervisionMemberPage")


class SupervisionSessionInput(ma.Schema):
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class SupervisionSessionSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    group_id = ma.fields.UUID(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


SupervisionSessionPage = page_schema(SupervisionSessionSchema, "SupervisionSessionPage")


class SupervisionAttendanceInput(ma.Schema):
    volunteer_id = ma.fields.UUID(required=True)
    attended = ma.fields.Boolean(required=True)


class SupervisionAttendanceSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    session_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(required=True)
    attended = ma.fields.Boolean(required=True)
    recorded_by = ma.fields.UUID(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


SupervisionAttendancePage = page_schema(SupervisionAttendanceSchema, "SupervisionAttendancePage")


def _member_of(db: Session, principal: Principal, group_id: uuid.UUID) -> bool:
    """A volunteer who is (or was) a member of the group sees it and its sessions."""
    if principal.role != Role.VOLUNTEER:
        return False
    found = db.scalar(
        select(SupervisionMember.id).where(
            SupervisionMember.group_id == group_id,
            SupervisionMember.volunteer_id.in_(_own_volunteers(principal)),
        )
    )
    return found is not None


@path_object("supervision_group_id")
def _group_visible(db: Session, principal: Principal, supervision_group_id: uuid.UUID) -> bool:
    if db.get(SupervisionGroup, supervision_group_id) is None:
        return False
    return _staff(principal) or _member_of(db, principal, supervision_group_id)


@path_object("supervision_member_id")
def _member_visible(db: Session, principal: Principal, supervision_member_id: uuid.UUID) -> bool:
    member = db.get(SupervisionMember, supervision_member_id)
    if member is None:
        return False
    return _staff(principal) or _owns(db, principal, member.volunteer_id)


@path_object("supervision_session_id")
def _supervision_session_visible(
    db: Session, principal: Principal, supervision_session_id: uuid.UUID
) -> bool:
    session = db.get(SupervisionSession, supervision_session_id)
    if session is None:
        return False
    return _staff(principal) or _member_of(db, principal, session.group_id)


@supervision_blp.route("/groups")
class Groups(MethodView):
    @supervision_blp.arguments(PageArgs, location="query")
    @supervision_blp.response(200, GroupPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Supervision groups, newest first: all for staff, one's own for a volunteer."""
        principal = authorize(Permission.READ_SUPERVISION)
        stmt = select(SupervisionGroup)
        if not _staff(principal):
            stmt = stmt.where(
                SupervisionGroup.id.in_(
                    select(SupervisionMember.group_id).where(
                        SupervisionMember.volunteer_id.in_(_own_volunteers(principal))
                    )
                )
            )
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=SupervisionGroup.created_at, ident=SupervisionGroup.id, **args
            )

    @supervision_blp.arguments(GroupInput)
    @supervision_blp.response(201, GroupSchema)
    def post(self, args: dict[str, Any]) -> SupervisionGroup:
        """Start a supervision group for a programme's volunteers."""
        authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            programme = _in_body(db, Programme, args.pop("programme_id"), "programme_id")
            return supervision.create_group(db, programme, **args)


@supervision_blp.route("/groups/<uuid:supervision_group_id>")
class GroupItem(MethodView):
    @supervision_blp.response(200, GroupSchema)
    def get(self, supervision_group_id: uuid.UUID) -> SupervisionGroup:
        """One group (staff, or a member)."""
        authorize(Permission.READ_SUPERVISION)
        with get_database().unit_of_work() as db:
            return get_or_404(db, SupervisionGroup, supervision_group_id)


@supervision_blp.route("/groups/<uuid:supervision_group_id>/close")
class GroupClose(MethodView):
    @supervision_blp.response(200, GroupSchema)
    def post(self, supervision_group_id: uuid.UUID) -> SupervisionGroup:
        """Close a group; members and sessions stay as history."""
        authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            group = get_or_404(db, SupervisionGroup, supervision_group_id)
            return supervision.close_group(db, group)


@supervision_blp.route("/groups/<uuid:supervision_group_id>/members")
class Members(MethodView):
    @supervision_blp.arguments(PageArgs, location="query")
    @supervision_blp.response(200, MemberPage)
    def get(self, args: dict[str, Any], supervision_group_id: uuid.UUID) -> dict[str, Any]:
        """Members of a group, past ones too (staff)."""
        authorize(Permission.MANAGE_SUPERVISION)
        stmt = select(SupervisionMember).where(SupervisionMember.group_id == supervision_group_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=SupervisionMember.created_at, ident=SupervisionMember.id, **args
            )

    @supervision_blp.arguments(MemberInput)
    @supervision_blp.response(201, MemberSchema)
    def post(self, args: dict[str, Any], supervision_group_id: uuid.UUID) -> SupervisionMember:
        """Add a volunteer of the group's programme."""
        authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            group = get_or_404(db, SupervisionGroup, supervision_group_id)
            volunteer = _in_body(db, Volunteer, args["volunteer_id"], "volunteer_id")
            return supervision.add_member(db, group, volunteer)


@supervision_blp.route("/members/<uuid:supervision_member_id>/leave")
class MemberLeave(MethodView):
    @supervision_blp.response(200, MemberSchema)
    def post(self, supervision_member_id: uuid.UUID) -> SupervisionMember:
        """Leave a group (the volunteer's own wish, or staff); the membership stays as history."""
        _staff_or_own(Permission.MANAGE_SUPERVISION, Permission.READ_SUPERVISION)
        with get_database().unit_of_work() as db:
            member = get_or_404(db, SupervisionMember, supervision_member_id)
            return supervision.leave(db, member)


@supervision_blp.route("/groups/<uuid:supervision_group_id>/sessions")
class SupervisionSessions(MethodView):
    @supervision_blp.arguments(PageArgs, location="query")
    @supervision_blp.response(200, SupervisionSessionPage)
    def get(self, args: dict[str, Any], supervision_group_id: uuid.UUID) -> dict[str, Any]:
        """Sessions of a group (staff, or a member)."""
        authorize(Permission.READ_SUPERVISION)
        stmt = select(SupervisionSession).where(SupervisionSession.group_id == supervision_group_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db,
                stmt,
                created=SupervisionSession.created_at,
                ident=SupervisionSession.id,
                **args,
            )

    @supervision_blp.arguments(SupervisionSessionInput)
    @supervision_blp.response(201, SupervisionSessionSchema)
    def post(self, args: dict[str, Any], supervision_group_id: uuid.UUID) -> SupervisionSession:
        """Schedule a session."""
        authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            group = get_or_404(db, SupervisionGroup, supervision_group_id)
            return supervision.schedule_session(db, group, **args)


@supervision_blp.route("/sessions/<uuid:supervision_session_id>/cancel")
class SupervisionSessionCancel(MethodView):
    @supervision_blp.response(200, SupervisionSessionSchema)
    def post(self, supervision_session_id: uuid.UUID) -> SupervisionSession:
        """Cancel a session (it stays listed, as cancelled)."""
        authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            session = get_or_404(db, SupervisionSession, supervision_session_id)
            return supervision.cancel_session(db, session)


@supervision_blp.route("/sessions/<uuid:supervision_session_id>/attendance")
class SupervisionAttendanceList(MethodView):
    @supervision_blp.arguments(PageArgs, location="query")
    @supervision_blp.response(200, SupervisionAttendancePage)
    def get(self, args: dict[str, Any], supervision_session_id: uuid.UUID) -> dict[str, Any]:
        """Attendance of a session (staff)."""
        authorize(Permission.MANAGE_SUPERVISION)
        stmt = select(SupervisionAttendance).where(
            SupervisionAttendance.session_id == supervision_session_id
        )
        with get_database().unit_of_work() as db:
            return paginate(
                db,
                stmt,
                created=SupervisionAttendance.created_at,
                ident=SupervisionAttendance.id,
                **args,
            )

    @supervision_blp.arguments(SupervisionAttendanceInput)
    @supervision_blp.response(200, SupervisionAttendanceSchema)
    def post(
        self, args: dict[str, Any], supervision_session_id: uuid.UUID
    ) -> SupervisionAttendance:
        """Record whether a member attended (a second record corrects the first)."""
        principal = authorize(Permission.MANAGE_SUPERVISION)
        with get_database().unit_of_work() as db:
            session = get_or_404(db, SupervisionSession, supervision_session_id)
            volunteer = _in_body(db, Volunteer, args["volunteer_id"], "volunteer_id")
            return supervision.record_attendance(
                db, session, volunteer, attended=args["attended"], recorded_by=principal.user_id
            )


# ---------------------------------------------------------------------------
# Events


class ProgrammeEventInput(ma.Schema):
    programme_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(EventKind, by_value=True, required=True)
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 1000))


class ProgrammeEventSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    programme_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(EventKind, by_value=True, required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    starts_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True)
    cancelled_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


EventPage = page_schema(ProgrammeEventSchema, "EventPage")


class SignupInput(ma.Schema):
    volunteer_id = ma.fields.UUID(
        metadata={"description": "Staff name a volunteer or a participant; a volunteer: themself"}
    )
    participant_id = ma.fields.UUID()


class SignupSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    event_id = ma.fields.UUID(required=True)
    volunteer_id = ma.fields.UUID(allow_none=True, required=True)
    participant_id = ma.fields.UUID(allow_none=True, required=True)
    status = ma.fields.Enum(SignupStatus, by_value=True, required=True)
    queued_at = ma.fields.AwareDateTime(required=True)
    promoted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


SignupPage = page_schema(SignupSchema, "EventSignupPage")


class AttendedInput(ma.Schema):
    attended = ma.fields.Boolean(required=True)


def _own_programmes(principal: Principal) -> Any:
    return select(Volunteer.programme_id).where(
        Volunteer.user_id == principal.user_id, Volunteer.status != VolunteerStatus.ENDED
    )


@path_object("event_id")
def _event_visible(db: Session, principal: Principal, event_id: uuid.UUID) -> bool:
    event = db.get(Event, event_id)
    if event is None:
        return False
    if _staff(principal):
        return True
    if principal.role != Role.VOLUNTEER:
        return False
    mine = db.scalar(
        select(Volunteer.id).where(
            Volunteer.user_id == principal.user_id,
            Volunteer.programme_id == event.programme_id,
            Volunteer.status != VolunteerStatus.ENDED,
        )
    )
    return mine is not None


@path_object("event_signup_id")
def _signup_visible(db: Session, principal: Principal, event_signup_id: uuid.UUID) -> bool:
    signup = db.get(EventSignup, event_signup_id)
    if signup is None:
        return False
    return _staff(principal) or _owns(db, principal, signup.volunteer_id)


@events_blp.route("")
class Events(MethodView):
    @events_blp.arguments(PageArgs, location="query")
    @events_blp.response(200, EventPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Events, newest first: all for staff, one's own programmes' for a volunteer."""
        principal = _staff_or_own(Permission.MANAGE_EVENTS, Permission.JOIN_EVENTS)
        stmt = select(Event)
        if not _staff(principal):
            stmt = stmt.where(Event.programme_id.in_(_own_programmes(principal)))
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=Event.created_at, ident=Event.id, **args)

    @events_blp.arguments(ProgrammeEventInput)
    @events_blp.response(201, ProgrammeEventSchema)
    def post(self, args: dict[str, Any]) -> Event:
        """Organise an outing or a group meeting with a number of places."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            programme = _in_body(db, Programme, args.pop("programme_id"), "programme_id")
            return events.create_event(db, programme, created_by=principal.user_id, **args)


@events_blp.route("/<uuid:event_id>")
class EventItem(MethodView):
    @events_blp.response(200, ProgrammeEventSchema)
    def get(self, event_id: uuid.UUID) -> Event:
        """One event."""
        _staff_or_own(Permission.MANAGE_EVENTS, Permission.JOIN_EVENTS)
        with get_database().unit_of_work() as db:
            return get_or_404(db, Event, event_id)


@events_blp.route("/<uuid:event_id>/cancel")
class EventCancel(MethodView):
    @events_blp.response(200, ProgrammeEventSchema)
    def post(self, event_id: uuid.UUID) -> Event:
        """Cancel the event; the sign-ups stay."""
        principal = authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            return events.cancel_event(
                db, get_or_404(db, Event, event_id), actor_id=principal.user_id
            )


@events_blp.route("/<uuid:event_id>/signups")
class Signups(MethodView):
    @events_blp.arguments(PageArgs, location="query")
    @events_blp.response(200, SignupPage)
    def get(self, args: dict[str, Any], event_id: uuid.UUID) -> dict[str, Any]:
        """Sign-ups of an event, waiting list included: all for staff, one's own for a volunteer."""
        principal = _staff_or_own(Permission.MANAGE_EVENTS, Permission.JOIN_EVENTS)
        stmt = select(EventSignup).where(EventSignup.event_id == event_id)
        if not _staff(principal):
            stmt = stmt.where(EventSignup.volunteer_id.in_(_own_volunteers(principal)))
        with get_database().unit_of_work() as db:
            return paginate(db, stmt, created=EventSignup.created_at, ident=EventSignup.id, **args)

    @events_blp.arguments(SignupInput)
    @events_blp.response(201, SignupSchema)
    def post(self, args: dict[str, Any], event_id: uuid.UUID) -> EventSignup:
        """Sign up: a place if one is free, else the waiting list."""
        principal = _staff_or_own(Permission.MANAGE_EVENTS, Permission.JOIN_EVENTS)
        with get_database().unit_of_work() as db:
            event = get_or_404(db, Event, event_id)
            volunteer, participant = _signing_up(db, principal, event, args)
            return events.sign_up(
                db,
                event,
                volunteer=volunteer,
                participant=participant,
                signed_up_by=principal.user_id,
            )


def _signing_up(
    db: Session, principal: Principal, event: Event, args: dict[str, Any]
) -> tuple[Volunteer | None, Participant | None]:
    """Who is signed up: a volunteer themself, or whom staff named."""
    if not _staff(principal):
        if "participant_id" in args:
            raise ValidationFailed(
                "A volunteer signs up only themself.",
                code="validation_failed",
                errors={"json": {"participant_id": ["Not allowed."]}},
            )
        own = db.scalar(
            select(Volunteer).where(
                Volunteer.user_id == principal.user_id,
                Volunteer.programme_id == event.programme_id,
                Volunteer.status != VolunteerStatus.ENDED,
            )
        )
        if own is None or args.get("volunteer_id", own.id) != own.id:
            raise ValidationFailed(
                "A volunteer signs up only themself.",
                code="validation_failed",
                errors={"json": {"volunteer_id": ["Not you."]}},
            )
        return own, None
    volunteer = (
        _in_body(db, Volunteer, args["volunteer_id"], "volunteer_id")
        if "volunteer_id" in args
        else None
    )
    participant = (
        _in_body(db, Participant, args["participant_id"], "participant_id")
        if "participant_id" in args
        else None
    )
    return volunteer, participant


@events_blp.route("/signups/<uuid:event_signup_id>/cancel")
class SignupCancel(MethodView):
    @events_blp.response(200, SignupSchema)
    def post(self, event_signup_id: uuid.UUID) -> EventSignup:
        """Cancel a sign-up (one's own, or staff); the first person waiting gets the place."""
        _staff_or_own(Permission.MANAGE_EVENTS, Permission.JOIN_EVENTS)
        with get_database().unit_of_work() as db:
            signup = get_or_404(db, EventSignup, event_signup_id)
            events.cancel_signup(db, signup)
            return signup


@events_blp.route("/signups/<uuid:event_signup_id>/attendance")
class SignupAttendance(MethodView):
    @events_blp.arguments(AttendedInput)
    @events_blp.response(200, SignupSchema)
    def post(self, args: dict[str, Any], event_signup_id: uuid.UUID) -> EventSignup:
        """Record attended or absent for a confirmed place (staff)."""
        authorize(Permission.MANAGE_EVENTS)
        with get_database().unit_of_work() as db:
            signup = get_or_404(db, EventSignup, event_signup_id)
            return events.record_attendance(db, signup, attended=args["attended"])


# ---------------------------------------------------------------------------
# Feedback


class QuestionField(ma.Schema):
    """One question; checked in full by `feedback.clean_questions`."""

    key = ma.fields.String(required=True, validate=ma.validate.Length(1, 40))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(feedback.QUESTION_KINDS))
    label = ma.fields.String(required=True, validate=ma.validate.Length(1, 500))
    required = ma.fields.Boolean(load_default=False)
    min = ma.fields.Integer(validate=ma.validate.Range(0, 10))
    max = ma.fields.Integer(validate=ma.validate.Range(0, 10))
    options = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 200)), validate=ma.validate.Length(2, 20)
    )


def _questions(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(
        ma.fields.Nested(QuestionField),
        validate=ma.validate.Length(1, feedback.MAX_QUESTIONS),
        **kwargs,
    )


class FormInput(ma.Schema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    questions = _questions(required=True)
    anonymous = ma.fields.Boolean(required=True)
    audience = ma.fields.Enum(FormAudience, by_value=True, load_default=FormAudience.VOLUNTEERS)


class FormEdit(ma.Schema):
    title = ma.fields.String(validate=ma.validate.Length(1, 200))
    description = ma.fields.String(validate=ma.validate.Length(max=5000))
    questions = _questions()


class FormSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    questions = ma.fields.List(ma.fields.Dict(), required=True)
    anonymous = ma.fields.Boolean(required=True)
    audience = ma.fields.Enum(FormAudience, by_value=True, required=True)
    status = ma.fields.Enum(FormStatus, by_value=True, required=True)
    opened_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(required=True)


FormPage = page_schema(FormSchema, "FeedbackFormPage")


class PublicFormSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    questions = ma.fields.List(ma.fields.Dict(), required=True)


class AnswerInput(ma.Schema):
    answers = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(1, 40)),
        required=True,
        metadata={"description": "Question key to answer: text, whole number, choice or boolean"},
    )


class AnswerSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    form_id = ma.fields.UUID(required=True)
    answers = ma.fields.Dict(required=True)
    respondent_user_id = ma.fields.UUID(
        allow_none=True, required=True, metadata={"description": "Always empty on anonymous forms"}
    )
    volunteer_id = ma.fields.UUID(allow_none=True, required=True)
    created_at = ma.fields.AwareDateTime(
        required=True, metadata={"description": "Cut to the day on anonymous forms"}
    )


AnswerPage = page_schema(AnswerSchema, "FeedbackAnswerPage")


class AnswerReceipt(ma.Schema):
    id = ma.fields.UUID(required=True)
    form_id = ma.fields.UUID(required=True)


@path_object("feedback_form_id")
def _form_visible(db: Session, principal: Principal, feedback_form_id: uuid.UUID) -> bool:
    form = db.get(FeedbackForm, feedback_form_id)
    if form is None:
        return False
    if _staff(principal):
        return True
    return (
        principal.role == Role.VOLUNTEER
        and form.audience == FormAudience.VOLUNTEERS
        and form.status != FormStatus.DRAFT
    )


@public_path_object("feedback_form_id")
def _form_public(db: Session, feedback_form_id: uuid.UUID) -> bool:
    form = db.get(FeedbackForm, feedback_form_id)
    return (
        form is not None
        and form.audience == FormAudience.PUBLIC
        and form.status == FormStatus.OPEN
        and form.anonymous
    )


@feedback_blp.route("/forms")
class Forms(MethodView):
    @feedback_blp.arguments(PageArgs, location="query")
    @feedback_blp.response(200, FormPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Forms, newest first: all for staff; open ones for volunteers to answer."""
        principal = authorize(Permission.ANSWER_FEEDBACK)
        stmt = select(FeedbackForm)
        if not _staff(principal):
            stmt = stmt.where(
                FeedbackForm.audience == FormAudience.VOLUNTEERS,
                FeedbackForm.status == FormStatus.OPEN,
            )
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=FeedbackForm.created_at, ident=FeedbackForm.id, **args
            )

    @feedback_blp.arguments(FormInput)
    @feedback_blp.response(201, FormSchema)
    def post(self, args: dict[str, Any]) -> FeedbackForm:
        """Draft a form: typed questions, per person or anonymous."""
        principal = authorize(Permission.MANAGE_FEEDBACK)
        with get_database().unit_of_work() as db:
            return feedback.create_form(db, created_by=principal.user_id, **args)


@feedback_blp.route("/forms/<uuid:feedback_form_id>")
class FormItem(MethodView):
    @feedback_blp.response(200, FormSchema)
    def get(self, feedback_form_id: uuid.UUID) -> FeedbackForm:
        """One form with its questions."""
        authorize(Permission.ANSWER_FEEDBACK)
        with get_database().unit_of_work() as db:
            return get_or_404(db, FeedbackForm, feedback_form_id)

    @feedback_blp.arguments(FormEdit)
    @feedback_blp.response(200, FormSchema)
    def patch(self, args: dict[str, Any], feedback_form_id: uuid.UUID) -> FeedbackForm:
        """Edit a draft."""
        authorize(Permission.MANAGE_FEEDBACK)
        with get_database().unit_of_work() as db:
            return feedback.edit_form(db, get_or_404(db, FeedbackForm, feedback_form_id), args)


@feedback_blp.route("/forms/<uuid:feedback_form_id>/open")
class FormOpen(MethodView):
    @feedback_blp.response(200, FormSchema)
    def post(self, feedback_form_id: uuid.UUID) -> FeedbackForm:
        """Open a draft for answers; its questions are fixed from now on."""
        principal = authorize(Permission.MANAGE_FEEDBACK)
        with get_database().unit_of_work() as db:
            form = get_or_404(db, FeedbackForm, feedback_form_id)
            return feedback.open_form(db, form, actor_id=principal.user_id)


@feedback_blp.route("/forms/<uuid:feedback_form_id>/close")
class FormClose(MethodView):
    @feedback_blp.response(200, FormSchema)
    def post(self, feedback_form_id: uuid.UUID) -> FeedbackForm:
        """Stop taking answers; the answers stay."""
        principal = authorize(Permission.MANAGE_FEEDBACK)
        with get_database().unit_of_work() as db:
            form = get_or_404(db, FeedbackForm, feedback_form_id)
            return feedback.close_form(db, form, actor_id=principal.user_id)


@feedback_blp.route("/forms/<uuid:feedback_form_id>/answers")
class Answers(MethodView):
    @feedback_blp.arguments(PageArgs, location="query")
    @feedback_blp.response(200, AnswerPage)
    def get(self, args: dict[str, Any], feedback_form_id: uuid.UUID) -> dict[str, Any]:
        """Answers to a form (staff)."""
        authorize(Permission.MANAGE_FEEDBACK)
        stmt = select(FeedbackAnswer).where(FeedbackAnswer.form_id == feedback_form_id)
        with get_database().unit_of_work() as db:
            return paginate(
                db, stmt, created=FeedbackAnswer.created_at, ident=FeedbackAnswer.id, **args
            )

    @feedback_blp.arguments(AnswerInput)
    @feedback_blp.response(201, AnswerReceipt)
    def post(self, args: dict[str, Any], feedback_form_id: uuid.UUID) -> FeedbackAnswer:
        """Answer a form: as oneself, or anonymously if the form is anonymous."""
        principal = authorize(Permission.ANSWER_FEEDBACK)
        with get_database().unit_of_work() as db:
            form = get_or_404(db, FeedbackForm, feedback_form_id)
            volunteer_id = None
            if not form.anonymous and principal.role == Role.VOLUNTEER:
                volunteer_id = db.scalar(
                    select(Volunteer.id)
                    .where(
                        Volunteer.user_id == principal.user_id,
                        Volunteer.status != VolunteerStatus.ENDED,
                    )
                    .order_by(Volunteer.created_at)
                    .limit(1)
                )
            return feedback.answer(
                db,
                form,
                args["answers"],
                respondent_user_id=principal.user_id,
                volunteer_id=volunteer_id,
            )


@public_blp.route("/<slug>/feedback-forms/<uuid:feedback_form_id>")
class PublicForm(MethodView):
    @public_blp.response(200, PublicFormSchema)
    def get(self, slug: str, feedback_form_id: uuid.UUID) -> FeedbackForm:
        """An open public feedback form (anonymous by design)."""
        tenant = public_tenant(slug)
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            return get_or_404(db, FeedbackForm, feedback_form_id)


@public_blp.route("/<slug>/feedback-forms/<uuid:feedback_form_id>/answers")
class PublicAnswers(MethodView):
    @public_blp.arguments(AnswerInput)
    @public_blp.response(201, AnswerReceipt)
    def post(self, args: dict[str, Any], slug: str, feedback_form_id: uuid.UUID) -> FeedbackAnswer:
        """Answer a public form without signing in; nothing about the person is kept."""
        tenant = public_tenant(slug)
        with context.bind(tenant_id=tenant.id), get_database().unit_of_work() as db:
            form = get_or_404(db, FeedbackForm, feedback_form_id)
            return feedback.answer(db, form, args["answers"], respondent_user_id=None)
