"""Rules of Toiminnan Miehet, as plain functions over a session: the anonymous call log,
the phone line's shifts, peer groups, support contacts, community meetings, and the
volunteer's rights and duties."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.modules.mens_peer_groups.models import (
    Call,
    CommunityMeeting,
    GroupAttendance,
    GroupMeeting,
    GroupMember,
    MeetingScope,
    PeerGroup,
    PhoneShift,
    RightsAcknowledgement,
    ShiftSignup,
    SignupStatus,
    SupportChannel,
    SupportContact,
    Topic,
)
from tukiverkko.platform import context
from tukiverkko.platform.db import utcnow
from tukiverkko.platform.errors import Conflict, ValidationFailed
from tukiverkko.platform.notifications import notify
from tukiverkko.platform.primitives import events, programmes
from tukiverkko.platform.primitives.models import Programme, Volunteer, VolunteerStatus
from tukiverkko.platform.primitives.models_followup import Event, EventKind
from tukiverkko.tenants.licensing import FINLAND, today

KEY = "mens_peer_groups"
MAX_CALL_MINUTES = 600


def log_call(
    db: Session, *, duration_minutes: int, topic: Topic, referred_onward: bool, shift_date: date
) -> Call:
    """Log one call. No audit event: it would name who logged it, next to the call."""
    if shift_date > today():
        raise ValidationFailed(
            "A call is logged on or after its shift.",
            code="shift_in_future",
            errors={"json": {"shift_date": ["Not in the future."]}},
        )
    call = Call(
        duration_minutes=duration_minutes,
        topic=topic,
        referred_onward=referred_onward,
        shift_date=shift_date,
    )
    db.add(call)
    db.flush()
    return call


def summary(db: Session, *, since: date, until: date) -> list[dict[str, object]]:
    """Calls per topic in a period: counts, minutes, referrals; never single calls."""
    rows = db.execute(
        select(
            Call.topic,
            func.count(Call.id),
            func.coalesce(func.sum(Call.duration_minutes), 0),
            func.count(Call.id).filter(Call.referred_onward.is_(True)),
        )
        .where(Call.shift_date >= since, Call.shift_date <= until)
        .group_by(Call.topic)
        .order_by(Call.topic)
    ).all()
    return [
        {"topic": topic, "calls": calls, "minutes": int(minutes), "referred_onward": referred}
        for topic, calls, minutes, referred in rows
    ]


# --- rights and duties -----------------------------------------------------------

# Bump the version when the text changes: everyone acknowledges the new one.
RIGHTS_VERSION = "2026-1"
RIGHTS = (
    _l("To act in a way and in an amount that suits you."),
    _l("To decline a task you are offered."),
    _l("To get enough orientation, guidance and support."),
    _l("To stop or take a break."),
)
DUTIES = (
    _l("To refer a man who needs help onward to the right service, and to ask staff for help."),
    _l("To act as agreed."),
    _l("To report changes and absences as early as possible, so that a replacement is found."),
    _l("To keep confidentiality: a man's matters are not discussed without him present."),
)


def rights_and_duties(db: Session, volunteer: Volunteer | None) -> dict[str, Any]:
    """The text to show, and when this volunteer acknowledged it (None if not yet)."""
    acknowledged = None
    if volunteer is not None:
        acknowledged = db.scalar(
            select(RightsAcknowledgement.acknowledged_at).where(
                RightsAcknowledgement.volunteer_id == volunteer.id,
                RightsAcknowledgement.version == RIGHTS_VERSION,
            )
        )
    return {
        "version": RIGHTS_VERSION,
        "rights": [str(r) for r in RIGHTS],
        "duties": [str(d) for d in DUTIES],
        "acknowledged_at": acknowledged,
    }


def acknowledge(db: Session, volunteer: Volunteer, *, version: str) -> RightsAcknowledgement:
    """The volunteer acknowledges the text he was shown; an old version is refused."""
    if version != RIGHTS_VERSION:
        raise Conflict(
            "The rights and duties have changed: read the current text and acknowledge it.",
            code="rights_version_outdated",
            errors={"json": {"version": [f"The current version is {RIGHTS_VERSION}."]}},
        )
    existing = db.scalar(
        select(RightsAcknowledgement).where(
            RightsAcknowledgement.volunteer_id == volunteer.id,
            RightsAcknowledgement.version == version,
        )
    )
    if existing is not None:
        return existing
    row = RightsAcknowledgement(
        volunteer_id=volunteer.id, version=version, acknowledged_at=utcnow()
    )
    db.add(row)
    db.flush()
    return row


def require_acknowledged(db: Session, volunteer: Volunteer) -> None:
    """A first shift or group lead needs the current rights and duties acknowledged."""
    if rights_and_duties(db, volunteer)["acknowledged_at"] is None:
        raise Conflict(
            "The volunteer must first read and acknowledge his rights and duties.",
            code="rights_not_acknowledged",
        )


def require_module_programme(programme: Programme) -> None:
    """Module endpoints act only on the module's own programmes."""
    if programme.module_key != KEY:
        raise Conflict(
            "This is not a Toiminnan Miehet programme.", code="not_a_mens_peer_groups_programme"
        )


def _require_serving(volunteer: Volunteer, programme: Programme) -> None:
    if volunteer.programme_id != programme.id:
        raise Conflict(
            "The volunteer belongs to another programme.", code="person_of_another_programme"
        )
    if volunteer.status not in SERVING:
        raise Conflict(
            "Only an approved volunteer can take this on.", code="volunteer_not_approved"
        )


SERVING = (VolunteerStatus.APPROVED, VolunteerStatus.ACTIVE)


# --- peer groups ------------------------------------------------------------------

# A first name or a pseudonym: one word (a hyphen allowed), no digits, no @.
FIRST_NAME = re.compile(r"^[^\s\d@]{1,40}$")


def create_group(
    db: Session, programme: Programme, *, name: str, theme: str, leader: Volunteer
) -> PeerGroup:
    """A group with a theme, led by an approved peer man who acknowledged his rights and duties."""
    require_module_programme(programme)
    programmes.require_open(programme)
    _require_serving(leader, programme)
    require_acknowledged(db, leader)
    group = PeerGroup(
        programme_id=programme.id,
        name=name.strip(),
        theme=theme.strip(),
        leader_volunteer_id=leader.id,
    )
    db.add(group)
    db.flush()
    return group


def add_member(db: Session, group: PeerGroup, *, display_name: str) -> GroupMember:
    """A man joins by first name or pseudonym; anything more is refused."""
    cleaned = display_name.strip()
    if not FIRST_NAME.match(cleaned):
        raise ValidationFailed(
            "A first name or a pseudonym only: one word, no digits, no email.",
            code="not_a_first_name",
            errors={"json": {"display_name": ["One word: a first name or a pseudonym."]}},
        )
    if group.closed_at is not None:
        raise Conflict("The group has been closed.", code="group_closed")
    member = GroupMember(group_id=group.id, display_name=cleaned)
    db.add(member)
    db.flush()
    return member


def record_meeting(
    db: Session, group: PeerGroup, *, held_on: date, present: list[uuid.UUID], actor_id: uuid.UUID
) -> GroupMeeting:
    """A meeting and who was there: members of this group only, each once."""
    if held_on > today():
        raise ValidationFailed(
            "Record a meeting once it has been held.",
            code="meeting_in_future",
            errors={"json": {"held_on": ["Not in the future."]}},
        )
    wanted = set(present)
    members = set(
        db.scalars(
            select(GroupMember.id).where(
                GroupMember.group_id == group.id, GroupMember.id.in_(wanted)
            )
        )
    )
    if members != wanted:
        raise ValidationFailed(
            "Only the group's own members can be marked present.",
            code="not_a_member",
            errors={"json": {"present": ["Not members of this group."]}},
        )
    if db.scalar(
        select(GroupMeeting.id).where(
            GroupMeeting.group_id == group.id, GroupMeeting.held_on == held_on
        )
    ):
        raise Conflict("This day's meeting is already recorded.", code="meeting_recorded")
    meeting = GroupMeeting(
        group_id=group.id, held_on=held_on, present=len(members), recorded_by=actor_id
    )
    db.add(meeting)
    db.flush()
    db.add_all([GroupAttendance(meeting_id=meeting.id, member_id=m) for m in sorted(members)])
    db.flush()
    return meeting


# --- phone-line shifts ------------------------------------------------------------

EVENINGS_PER_WEEK = 2
MAX_WEEKS = 26


def create_weekly_shifts(
    db: Session,
    programme: Programme,
    *,
    weekdays: list[int],
    starts: time,
    ends: time,
    first_day: date,
    weeks: int,
    places: int,
    created_by: uuid.UUID,
) -> list[PhoneShift]:
    """The weekly pattern: the line is open on two evenings a week; one shift per evening.

    Shifts that already exist at the same start are kept as they are, so the
    pattern can be extended by running it again.
    """
    require_module_programme(programme)
    programmes.require_open(programme)
    if len(set(weekdays)) != EVENINGS_PER_WEEK:
        raise ValidationFailed(
            "The phone line is open on two evenings a week: name two weekdays.",
            code="two_evenings_a_week",
            errors={"json": {"weekdays": ["Two different weekdays (0 = Monday)."]}},
        )
    if ends <= starts:
        raise ValidationFailed(
            "A shift ends after it starts.",
            code="validation_failed",
            errors={"json": {"ends": ["After the start."]}},
        )
    if not today() <= first_day <= today() + timedelta(days=366):
        raise ValidationFailed(
            "Shifts are planned from today on, for the coming year at most.",
            code="validation_failed",
            errors={"json": {"first_day": ["Today or later, within a year."]}},
        )
    starts_list = []
    for offset in range(weeks * 7):
        day = first_day + timedelta(days=offset)
        if day.weekday() in weekdays:
            starts_list.append(
                (
                    datetime.combine(day, starts, FINLAND).astimezone(UTC),
                    datetime.combine(day, ends, FINLAND).astimezone(UTC),
                )
            )
    existing = set(
        db.scalars(
            select(PhoneShift.starts_at).where(
                PhoneShift.programme_id == programme.id,
                PhoneShift.starts_at.in_([s for s, _ in starts_list]),
            )
        )
    )
    created = [
        PhoneShift(
            programme_id=programme.id, starts_at=s, ends_at=e, places=places, created_by=created_by
        )
        for s, e in starts_list
        if s not in existing
    ]
    db.add_all(created)
    db.flush()
    if not created:
        return []
    # Load the places taken (a column computed in SQL) in one query, for the response.
    return list(
        db.scalars(
            select(PhoneShift)
            .where(PhoneShift.id.in_([s.id for s in created]))
            .order_by(PhoneShift.starts_at)
            .execution_options(populate_existing=True)
        )
    )


def sign_up_for_shift(db: Session, shift: PhoneShift, volunteer: Volunteer) -> ShiftSignup:
    """A phone volunteer takes a place on a future shift (rights and duties acknowledged)."""
    programme = db.get(Programme, shift.programme_id)
    assert programme is not None
    _require_serving(volunteer, programme)
    require_acknowledged(db, volunteer)
    db.refresh(shift, with_for_update=True)  # serialise sign-ups of this shift
    if shift.starts_at <= utcnow():
        raise Conflict("The shift has already started.", code="shift_started")
    if shift.taken >= shift.places:
        raise Conflict("The shift is full.", code="shift_full")
    existing = db.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer.id
        )
    )
    if existing is not None and existing.status == SignupStatus.SIGNED_UP:
        raise Conflict("Already on this shift.", code="already_signed_up")
    if existing is not None:  # back after an absence or a cancellation
        existing.status, existing.absence_reported_at = SignupStatus.SIGNED_UP, None
        db.flush()
        return existing
    signup = ShiftSignup(
        shift_id=shift.id, volunteer_id=volunteer.id, status=SignupStatus.SIGNED_UP
    )
    db.add(signup)
    db.flush()
    return signup


def report_absence(db: Session, shift: PhoneShift, volunteer: Volunteer) -> tuple[ShiftSignup, int]:
    """The volunteer cannot come: the place frees and the other phone volunteers are asked.

    The request goes, in this transaction, to every other approved phone
    volunteer of the programme with an account who is not on the shift.
    Returns the sign-up and how many were asked.
    """
    signup = db.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.volunteer_id == volunteer.id
        )
    )
    if signup is None or signup.status != SignupStatus.SIGNED_UP:
        raise Conflict("The volunteer is not on this shift.", code="not_on_shift")
    if shift.starts_at <= utcnow():
        raise Conflict("The shift has already started.", code="shift_started")
    signup.status = SignupStatus.ABSENT
    signup.absence_reported_at = utcnow()
    db.flush()
    on_shift = select(ShiftSignup.volunteer_id).where(
        ShiftSignup.shift_id == shift.id, ShiftSignup.status == SignupStatus.SIGNED_UP
    )
    others = db.scalars(
        select(Volunteer.user_id).where(
            Volunteer.programme_id == shift.programme_id,
            Volunteer.status.in_(SERVING),
            Volunteer.user_id.is_not(None),
            Volunteer.id != volunteer.id,
            Volunteer.id.not_in(on_shift),
        )
    ).all()
    params = _shift_params(shift)
    for user_id in sorted(set(others)):
        notify(
            db,
            f"{KEY}.replacement_needed",
            user_id=user_id,
            params=params,
            # One request per absence report of this sign-up, per person.
            delivery_key=f"{KEY}.replacement:{signup.id}:{signup.absence_reported_at.isoformat()}:{user_id}",
        )
    return signup, len(set(others))


def _shift_params(shift: PhoneShift) -> dict[str, str]:
    local = shift.starts_at.astimezone(FINLAND)
    return {
        "day": local.date().isoformat(),
        "starts": local.strftime("%H:%M"),
        "ends": shift.ends_at.astimezone(FINLAND).strftime("%H:%M"),
    }


def send_shift_reminders(on: date | None = None) -> int:
    """Daily task: remind everyone on a shift tomorrow (Finnish dates). Returns how many.

    Reads the shifts of all organisations once (ids only), then emits in each
    tenant's own unit of work; the delivery key names the sign-up and the
    shift's start, so a second run of the day's scan sends nothing new.
    """
    from tukiverkko.platform.db import get_database
    from tukiverkko.platform.outbox import OutboxMessage

    day = (on or today()) + timedelta(days=1)
    start = datetime.combine(day, time(0), FINLAND).astimezone(UTC)
    end = start + timedelta(days=1)
    database = get_database()
    with (
        context.cross_tenant("daily scan: phone-line shift reminders"),
        database.unit_of_work() as db,
    ):
        tenants = sorted(
            set(
                db.scalars(
                    select(PhoneShift.tenant_id).where(
                        PhoneShift.starts_at >= start, PhoneShift.starts_at < end
                    )
                )
            )
        )
    sent = 0
    for tenant_id in tenants:
        with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
            rows = db.execute(
                select(ShiftSignup.id, Volunteer.user_id, PhoneShift)
                .join(PhoneShift, PhoneShift.id == ShiftSignup.shift_id)
                .join(Volunteer, Volunteer.id == ShiftSignup.volunteer_id)
                .where(
                    PhoneShift.starts_at >= start,
                    PhoneShift.starts_at < end,
                    ShiftSignup.status == SignupStatus.SIGNED_UP,
                    Volunteer.user_id.is_not(None),
                )
            ).all()
            keys = {
                signup_id: f"{KEY}.shift_reminder:{signup_id}:{shift.starts_at.isoformat()}"
                for signup_id, _user, shift in rows
            }
            done = set(
                db.scalars(
                    select(OutboxMessage.delivery_key).where(
                        OutboxMessage.delivery_key.in_(list(keys.values()))
                    )
                )
            )
            for signup_id, user_id, shift in rows:
                if keys[signup_id] in done:
                    continue
                notify(
                    db,
                    f"{KEY}.shift_reminder",
                    user_id=user_id,
                    params=_shift_params(shift),
                    delivery_key=keys[signup_id],
                )
                sent += 1
    return sent


# --- individual support contacts -------------------------------------------------


def log_support_contact(
    db: Session,
    programme: Programme,
    *,
    contact_on: date,
    channel: SupportChannel,
    referred_onward: bool,
) -> SupportContact:
    """Count one individual support contact: the day, the channel, whether referred onward."""
    require_module_programme(programme)
    if contact_on > today():
        raise ValidationFailed(
            "A contact is logged once it has happened.",
            code="contact_in_future",
            errors={"json": {"contact_on": ["Not in the future."]}},
        )
    row = SupportContact(
        programme_id=programme.id,
        contact_on=contact_on,
        channel=channel,
        referred_onward=referred_onward,
    )
    db.add(row)
    db.flush()
    return row


def support_summary(
    db: Session, programme: Programme, *, since: date, until: date
) -> list[dict[str, Any]]:
    """Contacts per channel in a period: counts only."""
    rows = db.execute(
        select(
            SupportContact.channel,
            func.count(SupportContact.id),
            func.count(SupportContact.id).filter(SupportContact.referred_onward.is_(True)),
        )
        .where(
            SupportContact.programme_id == programme.id,
            SupportContact.contact_on >= since,
            SupportContact.contact_on <= until,
        )
        .group_by(SupportContact.channel)
        .order_by(SupportContact.channel)
    ).all()
    return [{"channel": c, "contacts": n, "referred_onward": r} for c, n, r in rows]


# --- community meetings ----------------------------------------------------------

# Two regional community meetings and one national meeting a year (the model).
EXPECTED_PER_YEAR = {MeetingScope.REGIONAL: 2, MeetingScope.NATIONAL: 1}


def create_community_meeting(
    db: Session,
    programme: Programme,
    *,
    scope: MeetingScope,
    title: str,
    description: str,
    starts_at: datetime,
    location: str,
    capacity: int,
    created_by: uuid.UUID,
) -> CommunityMeeting:
    """A regional or national meeting: a core event (sign-up, capacity) with its scope."""
    require_module_programme(programme)
    event = events.create_event(
        db,
        programme,
        kind=EventKind.GROUP_MEETING,
        title=title,
        description=description,
        starts_at=starts_at,
        location=location,
        capacity=capacity,
        created_by=created_by,
    )
    row = CommunityMeeting(programme_id=programme.id, event_id=event.id, scope=scope, event=event)
    db.add(row)
    db.flush()
    return row


def community_meetings(db: Session, programme: Programme, *, year: int) -> dict[str, Any]:
    """The year's meetings (one query) and how many of each scope the model expects."""
    start = datetime(year, 1, 1, tzinfo=FINLAND).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=FINLAND).astimezone(UTC)
    rows = list(
        db.scalars(
            select(CommunityMeeting)
            .join(CommunityMeeting.event)
            .where(
                CommunityMeeting.programme_id == programme.id,
                Event.starts_at >= start,
                Event.starts_at < end,
            )
            .order_by(Event.starts_at)
        )
    )
    planned = {
        scope: sum(1 for r in rows if r.scope == scope and r.event.cancelled_at is None)
        for scope in MeetingScope
    }
    return {
        "year": year,
        "items": rows,
        "expected": {s.value: n for s, n in EXPECTED_PER_YEAR.items()},
        "planned": {s.value: n for s, n in planned.items()},
    }
