"""The volunteer's own pages (`/t/<slug>/me/…`).

Profile, training (enrol in a session), my match and its meeting log (one
short form, quick on a phone), events and supervision, a break or quitting
(both the volunteer's right, with a confirmation). Everything acts on the
signed-in person's own volunteer record; ids in URLs are checked by the
API's visibility registry (a volunteer reaches only their own matches,
enrolments and sign-ups, and only the events of their own programmes).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from werkzeug.wrappers import Response

from tukiverkko.platform.db import get_database, get_or_404, utcnow
from tukiverkko.platform.errors import NotFound, Problem
from tukiverkko.platform.identity.service import Principal
from tukiverkko.platform.pages.common import register_filters
from tukiverkko.platform.pages.forms_public import tags
from tukiverkko.platform.pages.forms_volunteer import (
    MEETING_KINDS,
    ActionForm,
    MeetingForm,
    ProfileForm,
    QuitForm,
    slot_label,
)
from tukiverkko.platform.pages.frame import (
    FORM_NOT_VALID,
    nav_item,
    page_principal,
    signed_in,
    tenant_pages,
)
from tukiverkko.platform.pages.problem_text import problem_message, show_problem
from tukiverkko.platform.permissions import Permission
from tukiverkko.platform.primitives import events, followup, matching, training, volunteers
from tukiverkko.platform.primitives.models import (
    OPEN_MATCH_STATUSES,
    Curriculum,
    Enrolment,
    EnrolmentStatus,
    Match,
    MatchStatus,
    Programme,
    TrainingCompletion,
    TrainingSession,
    Volunteer,
    VolunteerStatus,
)
from tukiverkko.platform.primitives.models_followup import (
    Event,
    EventSignup,
    MeetingKind,
    MeetingLog,
    SignupStatus,
    SupervisionGroup,
    SupervisionMember,
    SupervisionSession,
)

blp = tenant_pages("volunteer_pages", __name__, "/me")

nav_item(_l("My volunteering"), "volunteer_pages.overview", Permission.OWN_VOLUNTEERING, 10)
nav_item(_l("Training"), "volunteer_pages.training_page", Permission.OWN_VOLUNTEERING, 12)
nav_item(_l("Events"), "volunteer_pages.events_page", Permission.JOIN_EVENTS, 14)

STATUS_TEXT = {
    VolunteerStatus.APPLIED: _l("Application received: a coordinator will contact you."),
    VolunteerStatus.INTERVIEWED: _l("Interviewed: next the background check and training."),
    VolunteerStatus.SCREENED: _l("Background check done: next the training."),
    VolunteerStatus.TRAINED: _l("Training done: waiting for approval."),
    VolunteerStatus.APPROVED: _l("Approved: waiting for a match."),
    VolunteerStatus.ACTIVE: _l("Active: you have a match."),
    VolunteerStatus.PAUSED: _l("On a break."),
    VolunteerStatus.ENDED: _l("Volunteering ended."),
}
MATCH_STATUS_TEXT = {
    MatchStatus.PROPOSED: _l("Offered to you"),
    MatchStatus.ACTIVE: _l("Active"),
    MatchStatus.PAUSED: _l("Paused"),
    MatchStatus.DECLINED: _l("Declined"),
    MatchStatus.CLOSED: _l("Closed"),
}


def my_volunteer(db: Session, principal: Principal) -> Volunteer | None:
    """The person's current volunteer record: the newest one not ended, else the newest."""
    records = db.scalars(
        select(Volunteer)
        .where(Volunteer.user_id == principal.user_id)
        .order_by(Volunteer.created_at.desc(), Volunteer.id.desc())
        .limit(10)
    ).all()
    current = [v for v in records if v.status != VolunteerStatus.ENDED]
    return (current or list(records) or [None])[0]


def _require_mine(db: Session) -> tuple[Principal, Volunteer, Programme]:
    principal = page_principal()
    assert principal is not None  # @signed_in ran first
    volunteer = my_volunteer(db, principal)
    if volunteer is None:
        raise NotFound(_("Your volunteer record is not linked to your account yet."))
    programme = get_or_404(db, Programme, volunteer.programme_id)
    return principal, volunteer, programme


def overview_context(db: Session, principal: Principal) -> dict[str, Any]:
    """What the volunteer's start page shows: status, training, matches. Fixed queries."""
    volunteer = my_volunteer(db, principal)
    if volunteer is None:
        return {"volunteer": None}
    programme = get_or_404(db, Programme, volunteer.programme_id)
    matches = db.scalars(
        select(Match)
        .options(joinedload(Match.participant))
        .where(Match.volunteer_id == volunteer.id, Match.status.in_(OPEN_MATCH_STATUSES))
        .order_by(Match.created_at.desc())
        .limit(10)
    ).all()
    required = db.scalars(
        select(Curriculum).where(
            Curriculum.programme_id == programme.id, Curriculum.retired_at.is_(None)
        )
    ).all()
    done = set(
        db.scalars(
            select(TrainingCompletion.curriculum_id).where(
                TrainingCompletion.volunteer_id == volunteer.id
            )
        )
    )
    return {
        "volunteer": volunteer,
        "programme": programme,
        "status_text": STATUS_TEXT[volunteer.status],
        "matches": [
            {
                "match": m,
                "status": MATCH_STATUS_TEXT[m.status],
                "contact": matching.contact_visible_to_volunteer(m),
            }
            for m in matches
        ],
        "curricula": [{"curriculum": c, "done": c.id in done} for c in required],
        "action_form": ActionForm(),
    }


@blp.get("/")
@signed_in(Permission.OWN_VOLUNTEERING)
def overview() -> Any:
    principal = page_principal()
    assert principal is not None
    with get_database().unit_of_work() as db:
        info = overview_context(db, principal)
    return render_template("pages/volunteer/overview.html", **info)


@blp.route("/profile", methods=["GET", "POST"])
@signed_in(Permission.OWN_VOLUNTEERING)
def profile() -> Any:
    with get_database().unit_of_work() as db:
        _who, volunteer, _programme = _require_mine(db)
        form = ProfileForm(
            data=None
            if request.method == "POST"
            else {
                "name": volunteer.name,
                "email": volunteer.email,
                "phone": volunteer.phone,
                "postcode": volunteer.postcode,
                "languages": ", ".join(volunteer.languages),
                "interests": ", ".join(volunteer.interests),
                "availability": volunteer.availability,
                "capacity": volunteer.capacity,
            }
        )
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                _who, volunteer, _programme = _require_mine(db)
                volunteers.update_profile(
                    db,
                    volunteer,
                    {
                        "name": form.name.data.strip(),
                        "email": form.email.data.strip(),
                        "phone": (form.phone.data or "").strip(),
                        "postcode": (form.postcode.data or "").strip(),
                        "languages": tags(form.languages.data),
                        "interests": tags(form.interests.data),
                        "availability": form.availability.data or [],
                        "capacity": form.capacity.data,
                    },
                )
        except Problem as problem:
            error, status = show_problem(form, problem), 422
        else:
            flash(_("Your details are saved."))
            return redirect(url_for("volunteer_pages.profile"))
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    return render_template("pages/volunteer/profile.html", form=form, error=error), status


# ---------------------------------------------------------------------------
# Training


@blp.get("/training")
@signed_in(Permission.OWN_VOLUNTEERING)
def training_page() -> Any:
    with get_database().unit_of_work() as db:
        _who, volunteer, programme = _require_mine(db)
        curricula = db.scalars(
            select(Curriculum)
            .where(Curriculum.programme_id == programme.id, Curriculum.retired_at.is_(None))
            .order_by(Curriculum.created_at)
        ).all()
        sessions = db.scalars(
            select(TrainingSession)
            .join(Curriculum, Curriculum.id == TrainingSession.curriculum_id)
            .where(
                Curriculum.programme_id == programme.id,
                TrainingSession.cancelled_at.is_(None),
                TrainingSession.starts_at >= utcnow() - timedelta(days=1),
            )
            .order_by(TrainingSession.starts_at)
            .limit(50)
        ).all()
        enrolments = db.scalars(
            select(Enrolment).where(Enrolment.volunteer_id == volunteer.id).limit(200)
        ).all()
        done = set(
            db.scalars(
                select(TrainingCompletion.curriculum_id).where(
                    TrainingCompletion.volunteer_id == volunteer.id
                )
            )
        )
    mine = {e.session_id: e for e in enrolments if e.status != EnrolmentStatus.CANCELLED}
    names = {c.id: c.name for c in curricula}
    return render_template(
        "pages/volunteer/training.html",
        curricula=[{"curriculum": c, "done": c.id in done} for c in curricula],
        sessions=[
            {"session": s, "name": names.get(s.curriculum_id, ""), "enrolment": mine.get(s.id)}
            for s in sessions
        ],
        action_form=ActionForm(),
    )


def _act(action: Any, success: str, back: str, **values: Any) -> Response:
    """Run a button's service call in one unit of work; flash the outcome; back to `back`."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(url_for(back, **values))
    try:
        with get_database().unit_of_work() as db:
            action(db)
    except Problem as problem:
        flash(problem_message(problem), "error")
    else:
        flash(success)
    return redirect(url_for(back, **values))


@blp.post("/training/sessions/<uuid:training_session_id>/enrol")
@signed_in(Permission.OWN_VOLUNTEERING)
def enrol(training_session_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        _who, volunteer, _programme = _require_mine(db)
        session = get_or_404(db, TrainingSession, training_session_id)
        training.enrol(db, session, volunteer)

    return _act(run, _("You are enrolled."), "volunteer_pages.training_page")


@blp.post("/training/enrolments/<uuid:training_enrolment_id>/cancel")
@signed_in(Permission.OWN_VOLUNTEERING)
def cancel_enrolment(training_enrolment_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        training.cancel_enrolment(db, get_or_404(db, Enrolment, training_enrolment_id))

    return _act(run, _("Your enrolment is cancelled."), "volunteer_pages.training_page")


# ---------------------------------------------------------------------------
# My match and its meeting log


def _match_page(match_id: uuid.UUID, form: MeetingForm, error: str | None, status: int) -> Any:
    with get_database().unit_of_work() as db:
        match = db.scalar(
            select(Match)
            .options(joinedload(Match.participant), joinedload(Match.volunteer))
            .where(Match.id == match_id)
        )
        if match is None:
            raise NotFound("No such object.")
        meetings = db.scalars(
            select(MeetingLog)
            .where(MeetingLog.match_id == match.id, MeetingLog.withdrawn_at.is_(None))
            .order_by(MeetingLog.met_on.desc(), MeetingLog.created_at.desc())
            .limit(20)
        ).all()
    return render_template(
        "pages/volunteer/match.html",
        match=match,
        status_text=MATCH_STATUS_TEXT[match.status],
        contact=matching.contact_visible_to_volunteer(match),
        meetings=meetings,
        kinds=MEETING_KINDS,
        form=form,
        error=error,
        action_form=ActionForm(),
    ), status


@blp.route("/matches/<uuid:match_id>", methods=["GET", "POST"])
@signed_in(Permission.OWN_VOLUNTEERING)
def match_page(match_id: uuid.UUID) -> Any:
    """The match, its meetings, and the quick meeting form (POST logs a meeting)."""
    form = MeetingForm()
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            principal = page_principal()
            assert principal is not None
            try:
                with get_database().unit_of_work() as db:
                    match = get_or_404(db, Match, match_id)
                    followup.log_meeting(
                        db,
                        match,
                        met_on=form.met_on.data,
                        minutes=form.minutes.data,
                        kind=MeetingKind(form.kind.data),
                        note=form.note.data or "",
                        logged_by=principal.user_id,
                    )
            except Problem as problem:
                error, status = show_problem(form, problem), 422
            else:
                flash(_("The meeting is logged. Thank you!"))
                return redirect(url_for("volunteer_pages.match_page", match_id=match_id))
        else:
            error, status = str(FORM_NOT_VALID), 422
    return _match_page(match_id, form, error, status)


@blp.post("/matches/<uuid:match_id>/accept")
@signed_in(Permission.OWN_VOLUNTEERING)
def accept_match(match_id: uuid.UUID) -> Response:
    principal = page_principal()
    assert principal is not None

    def run(db: Session) -> None:
        match = get_or_404(db, Match, match_id)
        matching.accept_as_volunteer(db, match, actor_id=principal.user_id)

    return _act(run, _("You accepted the match."), "volunteer_pages.match_page", match_id=match_id)


@blp.post("/matches/<uuid:match_id>/decline")
@signed_in(Permission.OWN_VOLUNTEERING)
def decline_match(match_id: uuid.UUID) -> Response:
    principal = page_principal()
    assert principal is not None

    def run(db: Session) -> None:
        match = get_or_404(db, Match, match_id)
        matching.decline(db, match, side="volunteer", actor_id=principal.user_id)

    return _act(run, _("You declined the match."), "volunteer_pages.overview")


# ---------------------------------------------------------------------------
# Events and supervision


@blp.get("/events")
@signed_in(Permission.JOIN_EVENTS)
def events_page() -> Any:
    with get_database().unit_of_work() as db:
        _who, volunteer, programme = _require_mine(db)
        upcoming = db.scalars(
            select(Event)
            .where(
                Event.programme_id == programme.id,
                Event.cancelled_at.is_(None),
                Event.starts_at >= utcnow(),
            )
            .order_by(Event.starts_at)
            .limit(50)
        ).all()
        signups = db.scalars(
            select(EventSignup)
            .where(
                EventSignup.volunteer_id == volunteer.id,
                EventSignup.status != SignupStatus.CANCELLED,
            )
            .limit(200)
        ).all()
        sessions = db.execute(
            select(SupervisionSession, SupervisionGroup.name)
            .join(SupervisionGroup, SupervisionGroup.id == SupervisionSession.group_id)
            .join(SupervisionMember, SupervisionMember.group_id == SupervisionGroup.id)
            .where(
                SupervisionMember.volunteer_id == volunteer.id,
                SupervisionMember.left_at.is_(None),
                SupervisionSession.cancelled_at.is_(None),
                SupervisionSession.starts_at >= utcnow() - timedelta(hours=12),
            )
            .order_by(SupervisionSession.starts_at)
            .limit(20)
        ).all()
    mine = {s.event_id: s for s in signups}
    return render_template(
        "pages/volunteer/events.html",
        events=[{"event": e, "signup": mine.get(e.id)} for e in upcoming],
        supervision=sessions,
        action_form=ActionForm(),
    )


@blp.post("/events/<uuid:event_id>/signup")
@signed_in(Permission.JOIN_EVENTS)
def event_signup(event_id: uuid.UUID) -> Response:
    principal = page_principal()
    assert principal is not None

    def run(db: Session) -> None:
        _who, volunteer, _programme = _require_mine(db)
        event = get_or_404(db, Event, event_id)
        signup = events.sign_up(db, event, volunteer=volunteer, signed_up_by=principal.user_id)
        if signup.status == SignupStatus.WAITING:
            flash(_("The event is full: you are on the waiting list."))

    return _act(run, _("You are signed up."), "volunteer_pages.events_page")


@blp.post("/signups/<uuid:event_signup_id>/cancel")
@signed_in(Permission.JOIN_EVENTS)
def cancel_signup(event_signup_id: uuid.UUID) -> Response:
    def run(db: Session) -> None:
        events.cancel_signup(db, get_or_404(db, EventSignup, event_signup_id))

    return _act(run, _("Your sign-up is cancelled."), "volunteer_pages.events_page")


# ---------------------------------------------------------------------------
# A break, or quitting: the volunteer's right at any time


@blp.route("/pause", methods=["GET", "POST"])
@signed_in(Permission.OWN_VOLUNTEERING)
def pause() -> Any:
    """Confirm, then take a break (or come back from one)."""
    principal = page_principal()
    assert principal is not None
    form = ActionForm()
    if form.validate_on_submit():

        def run(db: Session) -> None:
            _who, volunteer, programme = _require_mine(db)
            if volunteer.status == VolunteerStatus.PAUSED:
                volunteers.resume(db, volunteer, programme, actor_id=principal.user_id)
                flash(_("Welcome back!"))
            else:
                volunteers.pause(db, volunteer, actor_id=principal.user_id)
                flash(_("You are on a break. Come back whenever you like."))

        try:
            with get_database().unit_of_work() as db:
                run(db)
        except Problem as problem:
            flash(problem_message(problem), "error")
        return redirect(url_for("volunteer_pages.overview"))
    with get_database().unit_of_work() as db:
        _who, volunteer, _programme = _require_mine(db)
        paused = volunteer.status == VolunteerStatus.PAUSED
    return render_template("pages/volunteer/pause.html", form=form, paused=paused)


@blp.route("/quit", methods=["GET", "POST"])
@signed_in(Permission.OWN_VOLUNTEERING)
def quit_volunteering() -> Any:
    principal = page_principal()
    assert principal is not None
    form = QuitForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            with get_database().unit_of_work() as db:
                _who, volunteer, _programme = _require_mine(db)
                volunteers.end(
                    db,
                    volunteer,
                    reason=form.reason.data or "",
                    actor_id=principal.user_id,
                    by_volunteer=True,
                )
        except Problem as problem:
            error, status = show_problem(form, problem), 422
        else:
            flash(_("Your volunteering has ended. Thank you for everything you did!"))
            return redirect(url_for("volunteer_pages.overview"))
    elif form.is_submitted():
        error, status = str(FORM_NOT_VALID), 422
    return render_template("pages/volunteer/quit.html", form=form, error=error), status


register_filters(blp)
blp.add_app_template_filter(slot_label, "wa_slot")
