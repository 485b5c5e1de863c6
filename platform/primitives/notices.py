"""What the volunteer journey tells people: applications, matches, reminders, expiries.

Each kind renders in the recipient's language when it is delivered (English
source strings, fi/sv catalogues). Everything goes through the outbox in the
caller's transaction (`notifications.notify`), or, for the daily reminders,
in each tenant's own unit of work with a delivery key that makes a second
run of the same day's scan emit nothing new.

Who hears what:

- `application_received` — the public applicant (by address: they have no
  account yet), and `volunteer_applied` to the organisation's coordinators;
- `match_proposed`, `match_accepted` (both sides said yes: the match has
  started), `match_closed` — the volunteer and the coordinators (not the
  coordinator who did it). The participant, often a child, is never named
  in these messages: email leaves the platform;
- daily: `interview_reminder` (the booked interview, `interviews.py`),
  `training_reminder`, `event_reminder`, `supervision_reminder` for
  tomorrow's sessions (Finnish calendar day), `background_check_expiring`
  30 days before the extract reaches the programme's maximum age (volunteer
  and coordinators, once per extract), `licence_conditions_open` to the
  partner's admins every 30 days while a granted licence still has open
  conditions.

A volunteer without an account is reached by email at their address, in the
first of their languages that the platform speaks (Finnish otherwise).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tukiverkko.platform import context
from tukiverkko.platform.db import get_database, utcnow
from tukiverkko.platform.identity.models import Role, User, UserStatus
from tukiverkko.platform.notifications import Channel, kind, notify, notify_address
from tukiverkko.platform.outbox import OutboxMessage
from tukiverkko.platform.primitives.models import (
    BackgroundCheck,
    Enrolment,
    EnrolmentStatus,
    Match,
    Programme,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)

LOCAL_ZONE = ZoneInfo("Europe/Helsinki")
LANGUAGES = ("fi", "sv", "en")
CHECK_WARNING_DAYS = 30
CONDITIONS_REMINDER_DAYS = 30
BOTH = (Channel.EMAIL, Channel.IN_APP)


# ---------------------------------------------------------------------------
# Rendering helpers


def _when(iso: str) -> str:
    """A start time in Finnish local time, in the rendering language's format."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "short", tzinfo=LOCAL_ZONE, locale=str(get_locale()))


def _day(iso: str) -> str:
    return format_date(date.fromisoformat(iso), "medium", locale=str(get_locale()))


def _staff(params: dict[str, Any]) -> bool:
    return params.get("audience") == "staff"


# ---------------------------------------------------------------------------
# Kinds


@kind("application_received", essential=True)
def _render_application_received(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("We received your application: %(programme)s", programme=params["programme"])
    body = _(
        "Hello %(name)s,\n\nThank you for applying to be a volunteer in %(programme)s of "
        "%(org)s. A coordinator will contact you to agree on an interview.\n\n"
        "If you did not apply, you can ignore this message.",
        name=params["name"],
        programme=params["programme"],
        org=params["organisation"],
    )
    return subject, body


@kind("volunteer_applied", channels=BOTH)
def _render_volunteer_applied(params: dict[str, Any]) -> tuple[str, str]:
    subject = _("New volunteer application: %(programme)s", programme=params["programme"])
    body = _(
        "Hello,\n\n%(name)s applied to be a volunteer in %(programme)s. The application is "
        "in Tukiverkko under volunteers, waiting for an interview.",
        name=params["name"],
        programme=params["programme"],
    )
    return subject, body


@kind("match_proposed", channels=BOTH)
def _render_match_proposed(params: dict[str, Any]) -> tuple[str, str]:
    if _staff(params):
        return _("A match was proposed in %(programme)s", programme=params["programme"]), _(
            "Hello,\n\nA match with the volunteer %(name)s was proposed in %(programme)s. "
            "It starts when both sides have accepted.",
            name=params["volunteer"],
            programme=params["programme"],
        )
    return _("You have been offered a match in %(programme)s", programme=params["programme"]), _(
        "Hello %(name)s,\n\nA coordinator of %(org)s has proposed a match for you in "
        "%(programme)s. Read the proposal in Tukiverkko and accept or decline it; you may "
        "always decline.",
        name=params["volunteer"],
        org=params["organisation"],
        programme=params["programme"],
    )


@kind("match_accepted", channels=BOTH)
def _render_match_accepted(params: dict[str, Any]) -> tuple[str, str]:
    if _staff(params):
        return _("A match has started in %(programme)s", programme=params["programme"]), _(
            "Hello,\n\nBoth sides accepted the match of the volunteer %(name)s in "
            "%(programme)s. Agree on the first meeting together.",
            name=params["volunteer"],
            programme=params["programme"],
        )
    return _("Your match in %(programme)s has started", programme=params["programme"]), _(
        "Hello %(name)s,\n\nBoth sides accepted, and your match in %(programme)s has "
        "started. The contact details are now in Tukiverkko; your coordinator will agree on "
        "the first meeting with you.",
        name=params["volunteer"],
        programme=params["programme"],
    )


@kind("match_closed", channels=BOTH)
def _render_match_closed(params: dict[str, Any]) -> tuple[str, str]:
    if _staff(params):
        return _("A match was closed in %(programme)s", programme=params["programme"]), _(
            "Hello,\n\nThe match of the volunteer %(name)s in %(programme)s was closed.",
            name=params["volunteer"],
            programme=params["programme"],
        )
    return _("Your match in %(programme)s has ended", programme=params["programme"]), _(
        "Hello %(name)s,\n\nYour match in %(programme)s has been closed. Thank you for the "
        "time you gave. Your coordinator is glad to talk it over with you.",
        name=params["volunteer"],
        programme=params["programme"],
    )


@kind("training_reminder", channels=BOTH)
def _render_training_reminder(params: dict[str, Any]) -> tuple[str, str]:
    return _("Reminder: training tomorrow, %(course)s", course=params["course"]), _(
        "Hello,\n\nYou are enrolled in %(course)s, which meets on %(starts_at)s at "
        "%(location)s. If you cannot come, cancel your place in Tukiverkko so that someone "
        "else can have it.",
        course=params["course"],
        starts_at=_when(params["starts_at"]),
        location=params["location"] or "-",
    )


@kind("interview_reminder", channels=BOTH)
def _render_interview_reminder(params: dict[str, Any]) -> tuple[str, str]:
    return _("Reminder: your interview tomorrow, %(programme)s", programme=params["programme"]), _(
        "Hello %(name)s,\n\nYour interview for %(programme)s of %(org)s is on %(starts_at)s. "
        "If the time does not suit you, tell your coordinator.",
        name=params["name"],
        programme=params["programme"],
        org=params["organisation"],
        starts_at=_when(params["starts_at"]),
    )


@kind("event_reminder", channels=BOTH)
def _render_event_reminder(params: dict[str, Any]) -> tuple[str, str]:
    return _("Reminder: %(title)s tomorrow", title=params["title"]), _(
        "Hello,\n\nYou have a place at %(title)s on %(starts_at)s at %(location)s. If you "
        "cannot come, cancel your sign-up in Tukiverkko so that the next person waiting gets "
        "the place.",
        title=params["title"],
        starts_at=_when(params["starts_at"]),
        location=params["location"] or "-",
    )


@kind("supervision_reminder", channels=BOTH)
def _render_supervision_reminder(params: dict[str, Any]) -> tuple[str, str]:
    return _("Reminder: supervision tomorrow, %(group)s", group=params["group"]), _(
        "Hello,\n\nYour supervision group %(group)s meets on %(starts_at)s at %(location)s. "
        "If you cannot come, tell your coordinator.",
        group=params["group"],
        starts_at=_when(params["starts_at"]),
        location=params["location"] or "-",
    )


@kind("background_check_expiring", channels=BOTH)
def _render_check_expiring(params: dict[str, Any]) -> tuple[str, str]:
    expires = _day(params["expires_on"])
    if _staff(params):
        return _("A background check expires on %(date)s", date=expires), _(
            "Hello,\n\nThe criminal-record extract that %(name)s showed for %(programme)s "
            "reaches the programme's maximum age on %(date)s. Ask the volunteer to show a new "
            "extract.",
            name=params["volunteer"],
            programme=params["programme"],
            date=expires,
        )
    return _("Please show a new criminal-record extract by %(date)s", date=expires), _(
        "Hello %(name)s,\n\nThe criminal-record extract you showed for %(programme)s is "
        "accepted until %(date)s. Please order a new extract from the Legal Register Centre "
        "and show it to your coordinator. We record only that you showed it, its date and "
        "who saw it.",
        name=params["volunteer"],
        programme=params["programme"],
        date=expires,
    )


_CONDITION_LABELS = {
    "course_completed": lambda: _("a coordinator has completed the model course"),
    "agreement_signed": lambda: _("the cooperation agreement is signed"),
    "resources_declared": lambda: _("the resources are declared"),
}


@kind("licence_conditions_open", channels=BOTH)
def _render_conditions_open(params: dict[str, Any]) -> tuple[str, str]:
    labels = [_CONDITION_LABELS.get(c, lambda c=c: c)() for c in params["conditions"]]
    return _("Licence for %(model)s: conditions still open", model=params["model"]), _(
        "Hello,\n\nThe licence of %(partner)s to run %(model)s in %(area)s was granted "
        "%(days)s days ago, and it becomes active when every condition is met. Still open:\n"
        "%(conditions)s\n\nThe licence is in Tukiverkko under licences.",
        partner=params["partner"],
        model=params["model"],
        area=params["area"],
        days=params["days"],
        conditions="\n".join(f"- {label}" for label in labels),
    )


# ---------------------------------------------------------------------------
# Recipients


def coordinators(db: Session) -> list[uuid.UUID]:
    """The active coordinators of the current tenant."""
    return list(
        db.scalars(
            select(User.id)
            .where(User.role == Role.COORDINATOR, User.status == UserStatus.ACTIVE)
            .order_by(User.id)
        )
    )


def language_of(volunteer: Volunteer) -> str:
    """The language to write to a volunteer without an account in."""
    return next((lang for lang in volunteer.languages or [] if lang in LANGUAGES), "fi")


def tell_volunteer(
    db: Session, volunteer: Volunteer, kind_name: str, params: dict[str, Any], key: str
) -> bool:
    """Notify a volunteer: their account if linked, else their email address.

    Returns False when there is no way to reach them.
    """
    if volunteer.user_id is not None:
        notify(db, kind_name, user_id=volunteer.user_id, params=params, delivery_key=key)
        return True
    if volunteer.email:
        notify_address(
            db,
            kind_name,
            to=volunteer.email,
            language=language_of(volunteer),
            params=params,
            delivery_key=key,
        )
        return True
    return False


def _tenant_name(db: Session) -> str:
    from tukiverkko.tenants.models import Tenant

    tenant_id = context.current().tenant_id
    return (db.scalar(select(Tenant.name).where(Tenant.id == tenant_id)) or "") if tenant_id else ""


# ---------------------------------------------------------------------------
# In the caller's transaction


def application_received(
    db: Session, volunteer: Volunteer, programme: Programme, *, language: str
) -> None:
    """A public application: a receipt to the applicant and a note to the coordinators."""
    organisation = _tenant_name(db)
    if volunteer.email:
        notify_address(
            db,
            "application_received",
            to=volunteer.email,
            language=language if language in LANGUAGES else "fi",
            params={
                "name": volunteer.name,
                "programme": programme.name,
                "organisation": organisation,
            },
            delivery_key=f"application_received:{volunteer.id}",
        )
    for user_id in coordinators(db):
        notify(
            db,
            "volunteer_applied",
            user_id=user_id,
            params={"name": volunteer.name, "programme": programme.name},
            delivery_key=f"volunteer_applied:{volunteer.id}:{user_id}",
        )


def request_language() -> str:
    """The language of the current web request (the public form), else Finnish."""
    from flask import has_request_context

    if has_request_context():
        language = str(get_locale() or "fi")
        return language if language in LANGUAGES else "fi"
    return "fi"


def match_changed(db: Session, match: Match, kind_name: str, *, actor_id: uuid.UUID | None) -> None:
    """Tell the volunteer and the coordinators (not the actor) about a match.

    `kind_name` is `match_proposed`, `match_accepted` or `match_closed`; the
    delivery key names the match and the kind, so each happens once.
    """
    volunteer = db.get(Volunteer, match.volunteer_id)
    programme = db.get(Programme, match.programme_id)
    if volunteer is None or programme is None:
        return
    params = {
        "volunteer": volunteer.name,
        "programme": programme.name,
        "organisation": _tenant_name(db),
    }
    key = f"{kind_name}:{match.id}"
    if volunteer.user_id != actor_id:
        tell_volunteer(db, volunteer, kind_name, {**params, "audience": "volunteer"}, key)
    for user_id in coordinators(db):
        if user_id != actor_id:
            notify(
                db,
                kind_name,
                user_id=user_id,
                params={**params, "audience": "staff"},
                delivery_key=f"{key}:{user_id}",
            )


# ---------------------------------------------------------------------------
# Daily tasks


@dataclass(frozen=True)
class Due:
    """One notification a daily task wants to send, found across tenants."""

    tenant_id: uuid.UUID
    kind: str
    key: str
    params: dict[str, Any]
    volunteer_id: uuid.UUID | None = None  # a volunteer (account or address) …
    user_id: uuid.UUID | None = None  # … or an account


def tomorrow(today: date | None = None) -> tuple[datetime, datetime]:
    """Tomorrow in Finland, as a [start, end) range of UTC instants."""
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    start = datetime.combine(today + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)
    end = datetime.combine(today + timedelta(days=2), time(0), tzinfo=LOCAL_ZONE)
    return start.astimezone(UTC), end.astimezone(UTC)


def deliver_due(items: Iterable[Due]) -> int:
    """Emit what is due, each tenant in its own unit of work, skipping keys emitted before.

    Suspended or closed organisations get nothing. Returns how many were emitted.
    """
    from tukiverkko.tenants.models import Tenant, TenantStatus

    by_tenant: dict[uuid.UUID, list[Due]] = defaultdict(list)
    for item in items:
        by_tenant[item.tenant_id].append(item)
    database = get_database()
    emitted = 0
    for tenant_id, due in sorted(by_tenant.items()):
        with context.bind(tenant_id=tenant_id), database.unit_of_work() as db:
            tenant = db.get(Tenant, tenant_id)
            if tenant is None or tenant.status != TenantStatus.ACTIVE:
                continue
            done = set()
            keys = [d.key for d in due]
            for start in range(0, len(keys), 500):
                done.update(
                    db.scalars(
                        select(OutboxMessage.delivery_key).where(
                            OutboxMessage.delivery_key.in_(keys[start : start + 500])
                        )
                    )
                )
            ids = [d.volunteer_id for d in due if d.volunteer_id is not None]
            volunteers = {
                v.id: v for v in db.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))
            }
            for d in due:
                if d.key in done:
                    continue
                done.add(d.key)
                if d.user_id is not None:
                    notify(db, d.kind, user_id=d.user_id, params=d.params, delivery_key=d.key)
                    emitted += 1
                elif d.volunteer_id in volunteers:
                    emitted += tell_volunteer(
                        db, volunteers[d.volunteer_id], d.kind, d.params, d.key
                    )
    return emitted


def _reachable() -> Any:
    return Volunteer.status.notin_((VolunteerStatus.ENDED, VolunteerStatus.PAUSED))


def send_training_reminders(today: date | None = None) -> int:
    """Volunteers enrolled in a training session that starts tomorrow."""
    from tukiverkko.platform.primitives.models import Curriculum

    start, end = tomorrow(today)
    with (
        context.cross_tenant("daily scan: training reminders"),
        get_database().unit_of_work() as db,
    ):
        rows = db.execute(
            select(
                Enrolment.id,
                Enrolment.tenant_id,
                Enrolment.volunteer_id,
                TrainingSession.starts_at,
                TrainingSession.location,
                Curriculum.name,
            )
            .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
            .join(Curriculum, Curriculum.id == TrainingSession.curriculum_id)
            .join(Volunteer, Volunteer.id == Enrolment.volunteer_id)
            .where(
                TrainingSession.starts_at >= start,
                TrainingSession.starts_at < end,
                TrainingSession.cancelled_at.is_(None),
                Enrolment.status == EnrolmentStatus.ENROLLED,
                _reachable(),
            )
        ).all()
    return deliver_due(
        Due(
            tenant_id=tenant_id,
            kind="training_reminder",
            key=f"training_reminder:{enrolment_id}:{starts_at.date().isoformat()}",
            params={"course": name, "starts_at": starts_at.isoformat(), "location": location},
            volunteer_id=volunteer_id,
        )
        for enrolment_id, tenant_id, volunteer_id, starts_at, location, name in rows
    )


def send_interview_reminders(today: date | None = None) -> int:
    """Applicants whose booked interview is tomorrow."""
    from tukiverkko.tenants.models import Tenant

    start, end = tomorrow(today)
    with (
        context.cross_tenant("daily scan: interview reminders"),
        get_database().unit_of_work() as db,
    ):
        rows = db.execute(
            select(
                Volunteer.id,
                Volunteer.tenant_id,
                Volunteer.name,
                Volunteer.interview_at,
                Programme.name,
                Tenant.name,
            )
            .join(Programme, Programme.id == Volunteer.programme_id)
            .join(Tenant, Tenant.id == Volunteer.tenant_id)
            .where(
                Volunteer.interview_at >= start,
                Volunteer.interview_at < end,
                _reachable(),
            )
        ).all()
    return deliver_due(
        Due(
            tenant_id=tenant_id,
            kind="interview_reminder",
            # A moved interview is a new one: reminded again.
            key=f"interview_reminder:{volunteer_id}:{at.isoformat()}",
            params={
                "name": name,
                "programme": programme,
                "organisation": organisation,
                "starts_at": at.isoformat(),
            },
            volunteer_id=volunteer_id,
        )
        for volunteer_id, tenant_id, name, at, programme, organisation in rows
    )


def send_event_reminders(today: date | None = None) -> int:
    """Volunteers with a confirmed place at an event that starts tomorrow."""
    from tukiverkko.platform.primitives.models_followup import Event, EventSignup, SignupStatus

    start, end = tomorrow(today)
    with context.cross_tenant("daily scan: event reminders"), get_database().unit_of_work() as db:
        rows = db.execute(
            select(
                EventSignup.id,
                EventSignup.tenant_id,
                EventSignup.volunteer_id,
                Event.title,
                Event.starts_at,
                Event.location,
            )
            .join(Event, Event.id == EventSignup.event_id)
            .join(Volunteer, Volunteer.id == EventSignup.volunteer_id)
            .where(
                Event.starts_at >= start,
                Event.starts_at < end,
                Event.cancelled_at.is_(None),
                EventSignup.status == SignupStatus.CONFIRMED,
                _reachable(),
            )
        ).all()
    return deliver_due(
        Due(
            tenant_id=tenant_id,
            kind="event_reminder",
            key=f"event_reminder:{signup_id}:{starts_at.date().isoformat()}",
            params={"title": title, "starts_at": starts_at.isoformat(), "location": location},
            volunteer_id=volunteer_id,
        )
        for signup_id, tenant_id, volunteer_id, title, starts_at, location in rows
    )


def send_supervision_reminders(today: date | None = None) -> int:
    """Current members of a supervision group whose session starts tomorrow."""
    from tukiverkko.platform.primitives.models_followup import (
        SupervisionGroup,
        SupervisionMember,
        SupervisionSession,
    )

    start, end = tomorrow(today)
    with (
        context.cross_tenant("daily scan: supervision reminders"),
        get_database().unit_of_work() as db,
    ):
        rows = db.execute(
            select(
                SupervisionSession.id,
                SupervisionSession.tenant_id,
                SupervisionMember.volunteer_id,
                SupervisionGroup.name,
                SupervisionSession.starts_at,
                SupervisionSession.location,
            )
            .join(SupervisionGroup, SupervisionGroup.id == SupervisionSession.group_id)
            .join(SupervisionMember, SupervisionMember.group_id == SupervisionGroup.id)
            .join(Volunteer, Volunteer.id == SupervisionMember.volunteer_id)
            .where(
                SupervisionSession.starts_at >= start,
                SupervisionSession.starts_at < end,
                SupervisionSession.cancelled_at.is_(None),
                SupervisionGroup.closed_at.is_(None),
                SupervisionMember.left_at.is_(None),
                _reachable(),
            )
        ).all()
    return deliver_due(
        Due(
            tenant_id=tenant_id,
            kind="supervision_reminder",
            key=f"supervision_reminder:{session_id}:{volunteer_id}:{starts_at.date().isoformat()}",
            params={"group": group, "starts_at": starts_at.isoformat(), "location": location},
            volunteer_id=volunteer_id,
        )
        for session_id, tenant_id, volunteer_id, group, starts_at, location in rows
    )


def send_check_expiry_notices(today: date | None = None) -> int:
    """Extracts that reach their programme's maximum age within 30 days: once per extract.

    Only a volunteer's latest extract counts (a newer one replaces it), and
    only where the programme requires the check.
    """
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    with context.cross_tenant("daily scan: background checks"), get_database().unit_of_work() as db:
        latest = (
            select(
                BackgroundCheck.volunteer_id.label("volunteer_id"),
                func.max(BackgroundCheck.extract_issued_on).label("issued_on"),
            )
            .group_by(BackgroundCheck.volunteer_id)
            .subquery()
        )
        rows = db.execute(
            select(
                BackgroundCheck.id,
                Volunteer.tenant_id,
                Volunteer.id,
                Volunteer.name,
                Programme.name,
                Programme.extract_max_age_days,
                latest.c.issued_on,
            )
            .join(latest, latest.c.volunteer_id == Volunteer.id)
            .join(
                BackgroundCheck,
                (BackgroundCheck.volunteer_id == Volunteer.id)
                & (BackgroundCheck.extract_issued_on == latest.c.issued_on),
            )
            .join(Programme, Programme.id == Volunteer.programme_id)
            .where(Programme.background_check_required.is_(True), _reachable())
        ).all()
        staff: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for user_id, tenant_id in db.execute(
            select(User.id, User.tenant_id).where(
                User.role == Role.COORDINATOR, User.status == UserStatus.ACTIVE
            )
        ):
            staff[tenant_id].append(user_id)
    due: list[Due] = []
    seen: set[uuid.UUID] = set()
    for check_id, tenant_id, volunteer_id, name, programme, max_age, issued_on in rows:
        if volunteer_id in seen:
            continue  # two extracts of the same day: one notice
        seen.add(volunteer_id)
        issued = issued_on if isinstance(issued_on, date) else date.fromisoformat(str(issued_on))
        expires_on = issued + timedelta(days=max_age)
        if not today <= expires_on <= today + timedelta(days=CHECK_WARNING_DAYS):
            continue
        params = {"volunteer": name, "programme": programme, "expires_on": expires_on.isoformat()}
        key = f"background_check_expiring:{check_id}"
        due.append(
            Due(
                tenant_id,
                "background_check_expiring",
                key,
                {**params, "audience": "volunteer"},
                volunteer_id=volunteer_id,
            )
        )
        due.extend(
            Due(
                tenant_id,
                "background_check_expiring",
                f"{key}:{user_id}",
                {**params, "audience": "staff"},
                user_id=user_id,
            )
            for user_id in staff.get(tenant_id, [])
        )
    return deliver_due(due)


def send_licence_condition_reminders(now: datetime | None = None) -> int:
    """Partner admins, every 30 days while a granted licence still has open conditions."""
    from tukiverkko.tenants.licensing_models import (
        Licence,
        LicenceCondition,
        LicenceStatus,
        ProgrammeModel,
    )
    from tukiverkko.tenants.models import Tenant

    now = now or utcnow()
    cutoff = now - timedelta(days=CONDITIONS_REMINDER_DAYS)
    with (
        context.cross_tenant("daily scan: licence conditions"),
        get_database().unit_of_work() as db,
    ):
        licences = db.execute(
            select(
                Licence.id,
                Licence.partner_tenant_id,
                Licence.area,
                Licence.status_changed_at,
                ProgrammeModel.name,
                Tenant.name,
            )
            .join(ProgrammeModel, ProgrammeModel.id == Licence.model_id)
            .join(Tenant, Tenant.id == Licence.partner_tenant_id)
            .where(Licence.status == LicenceStatus.GRANTED, Licence.status_changed_at <= cutoff)
        ).all()
        ids = [row[0] for row in licences]
        open_conditions: dict[uuid.UUID, list[str]] = defaultdict(list)
        for licence_id, condition in db.execute(
            select(LicenceCondition.licence_id, LicenceCondition.kind)
            .where(LicenceCondition.licence_id.in_(ids), LicenceCondition.satisfied_at.is_(None))
            .order_by(LicenceCondition.kind)
        ):
            open_conditions[licence_id].append(str(condition.value))
        admins: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for user_id, tenant_id in db.execute(
            select(User.id, User.tenant_id).where(
                User.tenant_id.in_({row[1] for row in licences}),
                User.role == Role.TENANT_ADMIN,
                User.status == UserStatus.ACTIVE,
            )
        ):
            admins[tenant_id].append(user_id)
    due: list[Due] = []
    for licence_id, partner_id, area, granted_at, model, partner in licences:
        if not open_conditions.get(licence_id):
            continue
        days = (now - granted_at).days
        period = days // CONDITIONS_REMINDER_DAYS  # one reminder per 30 days
        params = {
            "model": model,
            "partner": partner,
            "area": area,
            "days": days,
            "conditions": open_conditions[licence_id],
        }
        due.extend(
            Due(
                partner_id,
                "licence_conditions_open",
                f"licence_conditions_open:{licence_id}:{period}:{user_id}",
                params,
                user_id=user_id,
            )
            for user_id in admins.get(partner_id, [])
        )
    return deliver_due(due)


def _register_daily_tasks() -> None:
    # As in followup.py: the daily scan lives with the workers, the rules here.
    try:
        from tukiverkko.workers.scheduled import daily_task
    except ImportError:  # pragma: no cover - a web-only install
        return
    daily_task("training_reminders")(send_training_reminders)
    daily_task("interview_reminders")(send_interview_reminders)
    daily_task("event_reminders")(send_event_reminders)
    daily_task("supervision_reminders")(send_supervision_reminders)
    daily_task("background_check_expiry")(send_check_expiry_notices)
    daily_task("licence_conditions_open")(send_licence_condition_reminders)


_register_daily_tasks()
